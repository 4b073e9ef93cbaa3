"""Checkout on both databases: totals, ledgers, idempotency, refusals, credit, concurrency."""

from __future__ import annotations

import multiprocessing
from datetime import datetime
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from posterm.data.models import (
    AuditEvent,
    Counter,
    CreditEntry,
    Customer,
    HeldSale,
    Payment,
    Product,
    Sale,
    SaleLine,
    StockMovement,
)
from posterm.domain.cart import Discount
from posterm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from posterm.domain.permissions import Actor, Permission, Role
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import auth, checkout
from posterm.services.settings import set_setting
from tests.conftest import actor_for, doctor_problems

D = Decimal
LEDGER_TABLES = (Sale, SaleLine, Payment, StockMovement, CreditEntry, AuditEvent, Counter)


def request(*lines, tenders=(), customer=None, discount=None, cart_id=None) -> CheckoutRequest:
    """lines: (product, quantity) or (product, quantity, unit_price)."""
    return CheckoutRequest(
        cart_id=cart_id or uuid4(),
        lines=[SaleLineRequest(p.id, D(q), D(rest[0]) if rest else None) for p, q, *rest in lines],
        bill_discount=discount,
        customer_id=customer.id if customer else None,
        tenders=[Tender(method, D(amount)) for method, amount in tenders],
    )


def row_counts() -> dict[str, object]:
    counts: dict[str, object] = {m.__name__: m.select().count() for m in LEDGER_TABLES}
    counts["counters"] = sorted((c.name, c.value) for c in Counter.select())
    counts["stock"] = sorted((p.id, p.stock) for p in Product.select())
    counts["balances"] = sorted((c.id, c.balance) for c in Customer.select())
    return counts


def this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Kolkata")).year


def test_cash_sale_writes_sale_lines_payments_and_stock(owner, make_product):
    salt = make_product("Tata Salt 1kg", "28.00", stock="10", tax="GST 5%")
    soap = make_product("Lux Soap 100g", "118.00", stock="5", tax="GST 18%")

    sale = checkout.checkout(owner, request((salt, 2), (soap, 1), tenders=[("cash", "500")]))

    assert sale.bill_number == f"BILL-{this_year()}-000001"
    assert (sale.subtotal, sale.discount_total, sale.total) == (D("174.00"), 0, D("174.00"))
    # Prices include tax: 56 at 5 % holds 2.67 of tax, 118 at 18 % holds 18.00.
    assert sale.tax_total == D("20.67")
    assert [(t.rate, t.taxable_value, t.tax_amount) for t in sale.tax_summary] == [
        (D(5), D("53.33"), D("2.67")),
        (D(18), D("100.00"), D("18.00")),
    ]
    assert (sale.tendered_total, sale.change, sale.credit_amount) == (D(500), D(326), 0)
    assert [(p.method, p.amount, p.tendered) for p in sale.payments] == [
        ("cash", D("174.00"), D("500.00"))
    ]
    assert sale.cashier == "owner" and sale.customer_balance is None
    assert sale.sold_at_local.tzinfo is not None

    row = Sale.get(Sale.id == sale.id)
    assert (row.kind, row.sequence, row.total, row.change_given) == ("sale", 1, D(174), D(326))
    assert row.prices_include_tax is True and row.terminal == "till-1"
    first = SaleLine.get((SaleLine.sale == row) & (SaleLine.line_no == 1))
    assert (first.name, first.code, first.quantity, first.unit_price) == (
        "Tata Salt 1kg",
        salt.code,
        D(2),
        D(28),
    )
    assert (first.line_total, first.tax_amount, first.unit_cost, first.cost_total) == (
        D(56),
        D("2.67"),
        D("22.40"),
        D("44.80"),
    )
    moves = list(StockMovement.select().where(StockMovement.sale == row).order_by(StockMovement.id))
    assert [(m.product_id, m.kind, m.quantity, m.stock_after) for m in moves] == [
        (salt.id, "sale", D(-2), D(8)),
        (soap.id, "sale", D(-1), D(4)),
    ]
    assert Product.get_by_id(salt.id).stock == D(8)
    pay = Payment.get(Payment.sale == row)
    assert (pay.direction, pay.amount, pay.tendered) == ("in", D(174), D(500))

    second = checkout.checkout(owner, request((salt, 1), tenders=[("upi", "28")]))
    assert second.bill_number == f"BILL-{this_year()}-000002"
    assert second.change == 0 and second.payments[0].tendered is None
    assert doctor_problems() == []


def test_tax_exclusive_prices_add_tax_on_top(owner, make_product):
    soap = make_product("Lux Soap 100g", "100.00", stock="5", tax="GST 18%")
    inclusive = checkout.checkout(owner, request((soap, 1), tenders=[("cash", "100")]))
    set_setting(owner, "prices_include_tax", "false")
    exclusive = checkout.checkout(owner, request((soap, 1), tenders=[("cash", "118")]))

    assert (inclusive.total, inclusive.tax_total) == (D(100), D("15.25"))
    assert (exclusive.total, exclusive.tax_total, exclusive.subtotal) == (D(118), D(18), D(100))
    assert Sale.get_by_id(exclusive.id).prices_include_tax is False
    assert exclusive.lines[0].taxable_value == D(100)
    assert doctor_problems() == []


def test_discounts_and_cash_rounding_keep_the_books_straight(owner, make_product):
    set_setting(owner, "cash_rounding", "1.00")
    oil = make_product("Mustard Oil 1L", "179.50", stock="9", tax="GST 5%")
    dal = make_product("Toor Dal", "152.35", stock="50", tax="GST 0%", unit="kg", by_weight=True)
    req = CheckoutRequest(
        uuid4(),
        [
            SaleLineRequest(oil.id, D(2), line_discount=Discount.percent(D(10))),
            SaleLineRequest(dal.id, D("1.235")),
        ],
        bill_discount=Discount.amount(D("15")),
        tenders=[Tender("cash", D(600))],
    )
    sale = checkout.checkout(owner, req)
    # 323.10 + 188.15 - 15.00 = 496.25, rounded to 496.00.
    assert (sale.subtotal, sale.discount_total, sale.round_off, sale.total) == (
        D("547.15"),
        D("50.90"),
        D("-0.25"),
        D(496),
    )
    assert sale.change == D(104)
    assert Product.get_by_id(dal.id).stock == D("48.765")
    assert doctor_problems() == []


def test_a_retried_checkout_returns_the_same_sale_and_writes_nothing(owner, make_product):
    salt = make_product(stock="10")
    req = request((salt, 3), tenders=[("cash", "100")])
    HeldSale.create(uuid=req.cart_id, terminal="till-1", user=owner.user_id, cart="{}")

    first = checkout.checkout(owner, req)
    before = row_counts()
    again = checkout.checkout(owner, req)

    assert again == first
    assert row_counts() == before
    assert checkout.sale_for_cart(req.cart_id) == first
    assert checkout.find_sale(first.bill_number).id == first.id
    assert not HeldSale.select().exists()  # the till's saved open bill went with the sale
    assert doctor_problems() == []


def test_stock_out_is_refused_unless_negative_stock_is_allowed(owner, make_product):
    salt = make_product("Tata Salt 1kg", stock="2")
    before = row_counts()
    with pytest.raises(
        Conflict, match=r"Only 2 pcs of 'Tata Salt 1kg' in stock; this bill needs 3"
    ):
        checkout.checkout(owner, request((salt, 2), (salt, 1), tenders=[("cash", "84")]))
    assert row_counts() == before

    set_setting(owner, "allow_negative_stock", "true")
    checkout.checkout(owner, request((salt, 2), (salt, 1), tenders=[("cash", "84")]))
    assert Product.get_by_id(salt.id).stock == D(-1)
    afters = [
        m.stock_after
        for m in StockMovement.select()
        .where(StockMovement.kind == "sale")
        .order_by(StockMovement.id)
    ]
    assert afters == [D(0), D(-1)]
    assert doctor_problems() == []


def test_credit_within_the_limit_goes_on_the_ledger(owner, make_product, make_customer):
    rice = make_product("Basmati Rice 1kg", "150.00", stock="20")
    ramesh = make_customer("Ramesh Gupta", credit_limit="1000")

    # No tender at all: the whole bill goes on account.
    first = checkout.checkout(owner, request((rice, 2), customer=ramesh))
    assert (first.credit_amount, first.customer_balance) == (D(300), D(300))
    assert [(p.method, p.amount) for p in first.payments] == [("credit", D(300))]
    # Part cash, the rest on credit; an explicit credit tender works the same.
    second = checkout.checkout(
        owner, request((rice, 3), customer=ramesh, tenders=[("cash", "200"), ("credit", "250")])
    )
    assert (second.credit_amount, second.customer_balance, second.change) == (D(250), D(550), 0)
    assert [(p.method, p.amount, p.tendered) for p in second.payments] == [
        ("cash", D(200), D(200)),
        ("credit", D(250), None),
    ]

    entries = list(CreditEntry.select().order_by(CreditEntry.id))
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        ("sale", D(300), D(300)),
        ("sale", D(250), D(550)),
    ]
    assert entries[1].payment.method == "credit"
    assert Customer.get_by_id(ramesh.id).balance == D(550)
    assert Sale.get_by_id(second.id).credit_amount == D(250)
    # A cash sale to the same customer reports the balance as it stands.
    third = checkout.checkout(owner, request((rice, 1), customer=ramesh, tenders=[("cash", "150")]))
    assert third.customer_balance == D(550)
    assert doctor_problems() == []


def test_credit_above_the_limit_needs_a_manager(owner, make_product, make_customer):
    rice = make_product("Basmati Rice 1kg", "150.00", stock="20")
    ramesh = make_customer("Ramesh Gupta", credit_limit="500")
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    actor_for("mina", Role.MANAGER, pin="9999", by=owner)
    checkout.checkout(cashier, request((rice, 3), customer=ramesh))  # 450 of 500

    before = row_counts()
    with pytest.raises(PermissionDenied, match=r"would owe 600.00, limit 500.00"):
        checkout.checkout(cashier, request((rice, 1), customer=ramesh))
    assert row_counts() == before

    approved = auth.approve(cashier, "mina", "9999", Permission.CREDIT_ABOVE_LIMIT, "regular")
    sale = checkout.checkout(approved, request((rice, 1), customer=ramesh))
    assert (sale.customer_balance, sale.approved_by) == (D(600), "mina")
    entry = CreditEntry.get(CreditEntry.sale == sale.id)
    assert entry.approved_by.username == "mina" and entry.user.username == "asha"
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.username, event.approved_by.username) == (
        "sale.override",
        "asha",
        "mina",
    )
    assert event.entity_id == sale.bill_number
    # The owner's own role allows it; no approval, no override event.
    events = AuditEvent.select().count()
    checkout.checkout(owner, request((rice, 1), customer=ramesh))
    assert AuditEvent.select().count() == events
    assert doctor_problems() == []


def test_credit_is_refused_to_blocked_customers_and_walk_ins(owner, make_product, make_customer):
    rice = make_product("Basmati Rice 1kg", "150.00", stock="20")
    blocked = make_customer("Suresh Patel", status="blocked", notes="cheque bounced")
    before = row_counts()
    with pytest.raises(Conflict, match=r"No credit for Suresh Patel: the customer is blocked"):
        checkout.checkout(owner, request((rice, 1), customer=blocked))
    with pytest.raises(ValidationError, match="attach a customer"):
        checkout.checkout(owner, request((rice, 1), tenders=[("credit", "150")]))
    assert row_counts() == before
    # A blocked customer may still pay cash.
    sale = checkout.checkout(owner, request((rice, 1), customer=blocked, tenders=[("cash", "150")]))
    assert sale.customer_name == "Suresh Patel" and sale.credit_amount == 0
    assert doctor_problems() == []


def test_tender_shortfall_is_refused_and_nothing_is_written(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "150.00", stock="20")
    before = row_counts()
    with pytest.raises(ValidationError, match=r"tendered 250.00 less than due 300.00"):
        checkout.checkout(owner, request((rice, 2), tenders=[("cash", "200"), ("upi", "50")]))
    with pytest.raises(ValidationError, match=r"card 400.00 is more than the 300.00 still due"):
        checkout.checkout(owner, request((rice, 2), tenders=[("card", "400")]))
    with pytest.raises(ValidationError, match="more than zero"):
        checkout.checkout(owner, request((rice, 2), tenders=[("cash", "0")]))
    with pytest.raises(ValidationError, match="'bkash' is not accepted"):
        checkout.checkout(owner, request((rice, 2), tenders=[("bkash", "300")]))
    assert row_counts() == before

    set_setting(owner, "extra_tender_methods", "bKash, yape")
    sale = checkout.checkout(owner, request((rice, 2), tenders=[("bkash", "100"), ("cash", "500")]))
    assert [(p.method, p.amount, p.tendered) for p in sale.payments] == [
        ("bkash", D(100), None),
        ("cash", D(200), D(500)),
    ]
    assert sale.change == D(300)
    assert doctor_problems() == []


def test_price_override_needs_permission(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "150.00", stock="20")
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    actor_for("mina", Role.MANAGER, pin="9999", by=owner)
    # Selling at the product's own price is no override.
    checkout.checkout(cashier, request((rice, 1, "150.00"), tenders=[("cash", "150")]))
    before = row_counts()
    with pytest.raises(PermissionDenied, match="override a price"):
        checkout.checkout(cashier, request((rice, 1, "120.00"), tenders=[("cash", "150")]))
    assert row_counts() == before

    approved = auth.approve(cashier, "mina", "9999", Permission.PRICE_OVERRIDE, "torn bag")
    sale = checkout.checkout(approved, request((rice, 1, "120.00"), tenders=[("cash", "150")]))
    assert (sale.total, sale.change, sale.lines[0].price_overridden) == (D(120), D(30), True)
    assert Sale.get_by_id(sale.id).approved_by.username == "mina"
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).get().action == "sale.override"
    assert doctor_problems() == []


def test_unknown_inactive_products_and_staff_are_refused(owner, make_product):
    gone = make_product("Old Biscuit", stock="5", status="inactive")
    rice = make_product("Basmati Rice 1kg", "150.00", stock="20")
    staff = actor_for("raju", Role.STAFF, by=owner)
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    with pytest.raises(Conflict, match="'Old Biscuit' is inactive"):
        checkout.checkout(owner, request((gone, 1), tenders=[("cash", "50")]))
    with pytest.raises(NotFound):
        checkout.checkout(owner, CheckoutRequest(uuid4(), [SaleLineRequest(999_999, D(1))]))
    with pytest.raises(PermissionDenied):
        checkout.checkout(staff, request((rice, 1), tenders=[("cash", "150")]))
    with pytest.raises(ValidationError, match="whole pieces"):
        checkout.checkout(cashier, request((rice, "1.5"), tenders=[("cash", "300")]))
    with pytest.raises(ValidationError, match="no items"):
        checkout.checkout(cashier, CheckoutRequest(uuid4(), []))
    assert not Sale.select().exists()
    assert not Counter.select().where(Counter.name.startswith("bill:")).exists()


# --- several tills at once -------------------------------------------------------------------


def _till_process(url: str, actor: Actor, product_ids: list[int], carts: list, barrier, out):
    """Runs in a separate OS process: checks out one cart per UUID in `carts`, all at once."""
    from posterm.services import system

    try:
        system.open_store(url)
        barrier.wait(timeout=60)
        numbers = []
        for cart_id in carts:
            req = CheckoutRequest(
                cart_id,
                [SaleLineRequest(pid, D(1)) for pid in product_ids],
                tenders=[Tender("cash", D(50))],
            )
            numbers.append(checkout.checkout(actor, req).bill_number)
        out.put(numbers)
    except BaseException as exc:  # reported to the test, which fails with it
        out.put(f"{type(exc).__name__}: {exc}")
    finally:
        system.close()


def _run_tills(url: str, actors: list[Actor], product_ids: list[int], carts_of) -> list[list]:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(actors)), ctx.Queue()
    tills = [
        ctx.Process(target=_till_process, args=(url, a, product_ids, carts_of(a), barrier, out))
        for a in actors
    ]
    for till in tills:
        till.start()
    results = [out.get(timeout=120) for _ in tills]
    for till in tills:
        till.join(timeout=30)
    assert [r for r in results if isinstance(r, str)] == []
    return results


def test_four_tills_selling_the_same_products_at_once(db_url, owner, make_product):
    hot = [
        make_product("Milk 500ml", "28.00", stock="100", tax="GST 0%"),
        make_product("Bread 400g", "20.00", stock="100", tax="GST 0%"),
    ]
    cashiers = [actor_for(f"till{n}", Role.CASHIER, by=owner) for n in range(4)]

    results = _run_tills(
        db_url, cashiers, [p.id for p in hot], lambda _a: [uuid4() for _ in range(10)]
    )

    numbers = sorted(int(n.rsplit("-", 1)[1]) for r in results for n in r)
    assert numbers == list(range(1, 41))
    assert [Product.get_by_id(p.id).stock for p in hot] == [D(60), D(60)]
    assert Sale.select().count() == 40
    assert doctor_problems() == []


def test_tills_retrying_one_cart_at_once_make_one_sale(db_url, owner, make_product):
    milk = make_product("Milk 500ml", "28.00", stock="100", tax="GST 0%")
    cashiers = [actor_for(f"till{n}", Role.CASHIER, by=owner) for n in range(3)]
    shared = uuid4()

    results = _run_tills(db_url, cashiers, [milk.id], lambda _a: [shared])

    assert {n for r in results for n in r} == {f"BILL-{this_year()}-000001"}
    assert Sale.select().count() == 1
    assert Product.get_by_id(milk.id).stock == D(99)
    assert doctor_problems() == []
