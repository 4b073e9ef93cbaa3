"""FIFO cost of goods on both databases: a sale draws its product's batches oldest first, a
return or void puts the units back into the same batches at the cost the sale took."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from posterm.data.models import Batch, Product, SaleLine, SaleLineBatch, StockMovement
from posterm.domain.cart import Discount
from posterm.domain.permissions import Role
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import checkout, returns
from posterm.services.settings import set_setting
from tests.conftest import actor_for, doctor_problems
from tests.services.test_checkout import _run_tills
from tests.services.test_returns import give_back, sell

D = Decimal
START = datetime(2026, 1, 1, tzinfo=UTC)


def add_batch(product, quantity: str, cost: str, *, days: int = 0) -> Batch:
    """A batch as goods received would make it (`days` after START: older batches first)."""
    return Batch.create(
        created_at=START + timedelta(days=days),
        updated_at=START + timedelta(days=days),
        product=product,
        unit_cost=D(cost),
        quantity_received=D(quantity),
        quantity_remaining=D(quantity),
    )


def remaining(*batches: Batch) -> list[Decimal]:
    return [Batch.get_by_id(b.id).quantity_remaining for b in batches]


def line(sale, number: int = 1) -> SaleLine:
    return SaleLine.get(SaleLine.sale == sale.id, SaleLine.line_no == number)


def draws(sale_line: SaleLine) -> list[tuple]:
    return [
        (d.batch_id, d.quantity, d.unit_cost, d.cost_total)
        for d in SaleLineBatch.select()
        .where(SaleLineBatch.sale_line == sale_line.id)
        .order_by(SaleLineBatch.id)
    ]


def test_a_sale_draws_the_oldest_batches_first(owner, make_product):
    rice = make_product("Rice 1kg", "80.00", stock="8", cost="7.00")
    newer = add_batch(rice, "5", "6.00", days=2)
    older = add_batch(rice, "3", "5.00", days=1)  # created later, but received earlier

    sale = sell(owner, (rice, 4), tenders=[("cash", "500")])

    sold = line(sale)
    assert (sold.unit_cost, sold.cost_total) == (D("5.25"), D("21.00"))
    assert draws(sold) == [(older.id, D(3), D(5), D(15)), (newer.id, D(1), D(6), D(6))]
    assert remaining(older, newer) == [D(0), D(4)]
    movement = StockMovement.get(StockMovement.sale == sale.id)
    assert (movement.quantity, movement.unit_cost) == (D(-4), D("5.25"))
    assert doctor_problems() == []


def test_lines_of_one_product_draw_in_turn_and_the_rest_costs_the_product_cost(owner, make_product):
    set_setting(owner, "allow_negative_stock", "true")
    oil = make_product("Oil 1L", "150.00", stock="3", cost="110.00")
    batch = add_batch(oil, "3", "100.00")
    plain = make_product("Salt 1kg", "28.00", stock="5", cost="20.00")  # no batches at all

    sale = sell(owner, (oil, 2), (plain, 1), (oil, 3), tenders=[("cash", "1000")])

    assert draws(line(sale, 1)) == [(batch.id, D(2), D(100), D(200))]
    # One unit left in the batch, two more units than the shelf holds: at the product's cost.
    assert draws(line(sale, 3)) == [(batch.id, D(1), D(100), D(100)), (None, D(2), D(110), D(220))]
    assert (line(sale, 3).unit_cost, line(sale, 3).cost_total) == (D("106.6667"), D(320))
    assert draws(line(sale, 2)) == [(None, D(1), D(20), D(20))]
    assert remaining(batch) == [D(0)]
    assert Product.get_by_id(oil.id).stock == D(-2)
    assert doctor_problems() == []


def test_returns_put_units_back_into_the_batches_they_came_from(owner, make_product):
    tea = make_product("Tea 250g", "120.00", stock="8", cost="90.00")
    first = add_batch(tea, "3", "50.00", days=1)
    second = add_batch(tea, "5", "60.00", days=2)
    sale = sell(owner, (tea, 4), tenders=[("cash", "500")])  # 3 @ 50 + 1 @ 60 = 210

    # The last drawn goes back first: the unit from the second batch, then one of the first.
    back = give_back(owner, sale, (1, 2))
    returned = line(back)
    assert (returned.quantity, returned.cost_total, returned.unit_cost) == (
        D(-2),
        D(-110),
        D(55),
    )
    assert draws(returned) == [(second.id, D(-1), D(60), D(-60)), (first.id, D(-1), D(50), D(-50))]
    assert remaining(first, second) == [D(1), D(5)]

    # Damaged: its cost comes back off the sale, its units do not go back into any batch.
    damaged = give_back(owner, sale, (1, 2, False))
    assert line(damaged).cost_total == D(-100)
    assert remaining(first, second) == [D(1), D(5)]
    assert sum(r.cost_total for r in (line(sale), returned, line(damaged))) == 0

    # The oldest batch has a unit again, and the next sale takes it first.
    again = sell(owner, (tea, 2), tenders=[("cash", "500")])
    assert draws(line(again)) == [(first.id, D(1), D(50), D(50)), (second.id, D(1), D(60), D(60))]
    assert doctor_problems() == []


def test_a_void_puts_back_what_the_returns_left(owner, make_product):
    manager = actor_for("meera", Role.MANAGER, by=owner)
    soap = make_product("Soap", "40.00", stock="6", cost="30.00")
    first = add_batch(soap, "2", "20.00", days=1)
    second = add_batch(soap, "4", "25.00", days=2)
    sale = sell(owner, (soap, 5), discount=Discount.amount(D("10")), tenders=[("cash", "500")])
    assert line(sale).cost_total == D(115)  # 2 @ 20 + 3 @ 25
    give_back(owner, sale, (1, 1))  # one @ 25 back into the second batch
    assert remaining(first, second) == [D(0), D(2)]

    void = returns.void_sale(manager, sale.bill_number, "wrong customer", uuid4())

    assert line(void).cost_total == D(-90)  # 2 @ 25 + 2 @ 20
    assert remaining(first, second) == [D(2), D(4)]
    assert Product.get_by_id(soap.id).stock == D(6)
    assert doctor_problems() == []


def test_a_line_sold_before_batches_returns_at_its_own_cost(owner, make_product):
    ghee = make_product("Ghee 500ml", "300.00", stock="4", cost="240.00")
    sale = sell(owner, (ghee, 3), tenders=[("cash", "1000")])
    SaleLineBatch.delete().execute()  # as a sale made before migration 0006
    add_batch(ghee, "10", "200.00")

    back = give_back(owner, sale, (1, 1))

    assert (line(back).cost_total, draws(line(back))) == (D(-240), [])
    assert Batch.get().quantity_remaining == D(10)


def test_the_sale_returned_is_the_sale_read_back(owner, make_product, make_customer):
    """checkout builds its answer from the rows it wrote; it must read exactly as stored."""
    set_setting(owner, "prices_include_tax", "false")
    set_setting(owner, "cash_rounding", "1")
    rice = make_product("Rice", "33.33", stock="10", tax="GST 5%", unit="kg", by_weight=True)
    soap = make_product("Soap", "118.00", stock="5", tax="GST 18%")
    add_batch(rice, "1.5", "25.55")
    customer = make_customer("Asha", credit_limit="1000")

    request = CheckoutRequest(
        uuid4(),
        [
            SaleLineRequest(rice.id, D("2.345"), line_discount=Discount.percent(D("7.5"))),
            SaleLineRequest(soap.id, D(2), D("110.50")),
        ],
        bill_discount=Discount.amount(D("3.33")),
        customer_id=customer.id,
        tenders=[Tender("cash", D("100")), Tender("upi", D("50"), "ref-1")],
        note="  deliver by 6  ",
    )
    made = checkout.checkout(owner, request)

    assert repr(made) == repr(checkout.get_sale(made.id))
    assert made.customer_balance > 0 and made.payments[-1].method == "credit"
    assert repr(checkout.checkout(owner, request)) == repr(made)  # a retry, read back


def test_four_tills_drawing_the_same_batches_at_once(db_url, owner, make_product):
    milk = make_product("Milk 500ml", "28.00", stock="40", tax="GST 0%", cost="22.00")
    batches = [add_batch(milk, "15", cost, days=n) for n, cost in enumerate(("20", "21"))]
    cashiers = [actor_for(f"till{n}", Role.CASHIER, by=owner) for n in range(4)]

    _run_tills(db_url, cashiers, [milk.id], lambda _a: [uuid4() for _ in range(10)])

    assert remaining(*batches) == [D(0), D(0)]
    drawn = sorted(
        (d.batch_id or 0, d.quantity)
        for d in SaleLineBatch.select().where(SaleLineBatch.quantity > 0)
    )
    assert [b for b, _ in drawn].count(batches[0].id) == 15
    assert [b for b, _ in drawn].count(0) == 10
    costs = sorted({line.cost_total for line in SaleLine.select()})
    assert costs == [D(20), D(21), D(22)]
    assert doctor_problems() == []


def test_doctor_names_draws_that_disagree_with_their_line_or_batch(owner, make_product):
    jam = make_product("Jam", "120.00", stock="5", cost="80.00")
    batch = add_batch(jam, "5", "70.00")
    sale = sell(owner, (jam, 2), tenders=[("cash", "500")])
    assert doctor_problems() == []

    SaleLineBatch.update(quantity=D(1)).execute()
    Batch.update(quantity_remaining=D(6)).where(Batch.id == batch.id).execute()

    assert doctor_problems() == [
        f"batch draws match their lines and batches: sale {sale.bill_number} line 1: quantity "
        "2.000 and cost 140.0000, but its batch draws add up to 1.000 and 140.0000",
        f"batch draws match their lines and batches: batch {batch.id}: "
        "6.000 left of 5.000 received",
    ]
