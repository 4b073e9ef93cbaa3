"""The stock ledger on both databases: kardex, adjustments, counts, alerts, concurrency.

After every change, stock must equal the sum of the product's movements (`posterm doctor`).
"""

from __future__ import annotations

import multiprocessing
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from posterm.data.fields import sum_of
from posterm.data.models import AuditEvent, Batch, Product, StockCount, StockMovement
from posterm.domain.errors import Conflict, PermissionDenied, ValidationError
from posterm.domain.permissions import Actor, Role
from posterm.domain.returns import ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.domain.stock import AdjustReason, suggested_reorder
from posterm.services import checkout, returns, stock
from posterm.services.settings import set_setting
from tests.conftest import actor_for, doctor_problems

D = Decimal


def ledger_sum(product: Product) -> Decimal:
    return (
        StockMovement.select(sum_of(StockMovement.quantity))
        .where(StockMovement.product == product.id)
        .scalar()
    )


def assert_ledger_holds(*products: Product) -> None:
    for product in products:
        fresh = Product.get_by_id(product.id)
        assert fresh.stock == ledger_sum(product), fresh.code
    assert doctor_problems() == []


def sell(actor: Actor, product: Product, quantity: str):
    return checkout.checkout(
        actor,
        CheckoutRequest(
            uuid4(), [SaleLineRequest(product.id, D(quantity))], tenders=[Tender("cash", D(1000))]
        ),
    )


# --- adjustments and the kardex ---------------------------------------------------------------


def test_an_adjustment_is_one_movement_the_cache_and_an_audit_event(db_url, owner, make_product):
    salt = make_product("Tata Salt 1kg", stock="10")

    done = stock.adjust_stock(owner, salt.id, AdjustReason.DAMAGED, change=D(-2), note="torn")

    assert done.product.stock == D(8)
    assert done.movement.kind == "adjustment"
    assert done.movement.quantity == D(-2) and done.movement.stock_after == D(8)
    assert done.movement.reference == f"ADJ-{done.movement.id}"
    assert done.movement.username == "owner"
    event = AuditEvent.select().where(AuditEvent.action == "stock.adjust").get()
    assert event.reason == "damaged" and event.entity_id == str(salt.id)
    assert_ledger_holds(salt)


def test_new_stock_sets_the_quantity_and_the_kardex_pages_newest_first(db_url, owner, make_product):
    oil = make_product("Loose Oil", stock="5", unit="l")
    for _ in range(4):
        stock.adjust_stock(owner, oil.id, AdjustReason.TRANSFER, change=D(1))
    stock.adjust_stock(owner, oil.id, AdjustReason.COUNT_CORRECTION, new_stock=D("2.5"))
    sell(owner, Product.get_by_id(oil.id), "1")

    first = stock.kardex(oil.id, limit=3)
    assert [m.kind for m in first.movements] == ["sale", "adjustment", "adjustment"]
    assert first.movements[0].reference.startswith("BILL-")
    assert first.movements[1].quantity == D("-6.5") and first.movements[1].stock_after == D("2.5")
    assert first.has_more
    rest = stock.kardex(oil.id, limit=4, before_id=first.movements[-1].id)
    assert [m.kind for m in rest.movements] == ["adjustment"] * 3 + ["opening"]
    assert not rest.has_more
    assert first.product.stock == D("1.5")
    assert_ledger_holds(oil)


def test_bad_adjustments_write_nothing(db_url, owner, make_product):
    soap = make_product("Lux Soap", stock="3")
    staff = actor_for("helper", Role.STAFF, by=owner)
    with pytest.raises(ValidationError, match="quantity: must not be zero"):
        stock.adjust_stock(owner, soap.id, AdjustReason.THEFT, change=D(0))
    with pytest.raises(ValidationError, match="can only go down"):
        stock.adjust_stock(owner, soap.id, AdjustReason.EXPIRED, change=D(2))
    with pytest.raises(ValidationError, match="negative stock"):
        stock.adjust_stock(owner, soap.id, AdjustReason.THEFT, change=D(-4))
    with pytest.raises(ValidationError, match="whole pieces"):
        stock.adjust_stock(owner, soap.id, AdjustReason.THEFT, change=D("-0.5"))
    with pytest.raises(ValidationError, match="either the change or the new stock"):
        stock.adjust_stock(owner, soap.id, AdjustReason.THEFT)
    assert StockMovement.select().count() == 1
    # Staff may adjust (DESIGN.md's table), a role without the permission may not.
    stock.adjust_stock(staff, soap.id, AdjustReason.OWN_USE, change=D(-1))
    set_setting(owner, "allow_negative_stock", "true")
    stock.adjust_stock(owner, soap.id, AdjustReason.THEFT, change=D(-5))
    assert Product.get_by_id(soap.id).stock == D(-3)
    assert_ledger_holds(soap)


def test_a_role_without_the_permission_is_refused(db_url, owner, make_product, monkeypatch):
    from posterm.domain import permissions

    soap = make_product("Lux Soap", stock="3")
    cashier = actor_for("ravi", Role.CASHIER, by=owner)
    matrix = {**permissions.MATRIX[Role.CASHIER]}
    matrix[permissions.Permission.MANAGE_PRODUCTS] = permissions.Grant.NO
    monkeypatch.setitem(permissions.MATRIX, Role.CASHIER, matrix)
    with pytest.raises(PermissionDenied):
        stock.adjust_stock(cashier, soap.id, AdjustReason.DAMAGED, change=D(-1))
    assert Product.get_by_id(soap.id).stock == D(3)


def test_ledger_holds_after_sales_returns_and_voids(db_url, owner, make_product):
    tea = make_product("Red Label Tea 250g", stock="20")
    sale = sell(owner, tea, "5")
    (line,) = returns.returnable(sale.bill_number).lines
    returns.make_return(
        owner, ReturnRequest(uuid4(), sale.bill_number, [ReturnLineRequest(line.line_id, D(2))])
    )
    other = sell(owner, Product.get_by_id(tea.id), "3")
    returns.void_sale(owner, other.bill_number, "keyed twice", uuid4())
    stock.adjust_stock(owner, tea.id, AdjustReason.DAMAGED, change=D(-1))

    assert Product.get_by_id(tea.id).stock == D(16)
    kinds = [m.kind for m in stock.kardex(tea.id).movements]
    assert kinds == ["adjustment", "void", "sale", "return", "sale", "opening"]
    assert_ledger_holds(tea)


# --- stock counts -----------------------------------------------------------------------------


def test_a_category_count_posts_the_differences_in_one_go(db_url, owner, make_product):
    from posterm.data.models import Category

    grocery = Category.create(name="Grocery")
    rice, dal, sugar = (make_product(n, stock="10") for n in ("Rice 5kg", "Toor Dal", "Sugar"))
    elsewhere = make_product("Comb", stock="4")
    Product.update(category=grocery).where(Product.id.in_([rice.id, dal.id, sugar.id])).execute()

    count = stock.start_count(owner, "Aisle 3", category_id=grocery.id)
    assert (count.lines, count.counted) == (3, 0)
    stock.set_counted(owner, count.id, rice.id, D(8))
    stock.set_counted(owner, count.id, dal.id, D(10))
    # A sale while counting: the difference is taken against the stock at posting.
    sell(owner, Product.get_by_id(rice.id), "1")
    differences = stock.count_lines(count.id, show="differences")
    assert [(line.product.name, line.difference) for line in differences] == [("Rice 5kg", D(-1))]
    assert [line.product.name for line in stock.count_lines(count.id, show="uncounted")] == [
        "Sugar"
    ]

    posted = stock.post_count(owner, count.id)

    assert (posted.adjusted, posted.unchanged, posted.skipped) == (1, 1, 1)
    assert Product.get_by_id(rice.id).stock == D(8)
    assert Product.get_by_id(sugar.id).stock == D(10)
    movement = stock.kardex(rice.id).movements[0]
    assert (movement.kind, movement.reference) == ("count", f"COUNT-{count.id}")
    assert stock.open_counts() == []
    with pytest.raises(Conflict, match="posted"):
        stock.set_counted(owner, count.id, rice.id, D(1))
    with pytest.raises(Conflict, match="posted"):
        stock.post_count(owner, count.id)
    assert_ledger_holds(rice, dal, sugar, elsewhere)


def test_a_list_count_grows_as_items_are_scanned_and_survives_a_reconnect(
    db_url, owner, make_product
):
    from posterm.services import system

    pen, ink = make_product("Pen", stock="12"), make_product("Ink", stock="2")
    count = stock.start_count(owner, "Shelf B")
    stock.set_counted(owner, count.id, pen.id, D(1), add=True)
    stock.set_counted(owner, count.id, pen.id, D(1), add=True)
    stock.set_counted(owner, count.id, ink.id, D(5))
    system.close()  # the till dies; another one opens the database
    system.open_store(db_url)

    (again,) = stock.open_counts()
    assert (again.id, again.lines, again.counted) == (count.id, 2, 2)
    lines = {line.product.name: line.counted for line in stock.count_lines(count.id)}
    assert lines == {"Pen": D(2), "Ink": D(5)}
    stock.post_count(owner, count.id)
    assert [Product.get_by_id(p.id).stock for p in (pen, ink)] == [D(2), D(5)]
    assert_ledger_holds(pen, ink)


def test_a_cancelled_count_changes_nothing(db_url, owner, make_product):
    pen = make_product("Pen", stock="12")
    count = stock.start_count(owner, "Shelf B", product_ids=[pen.id])
    stock.set_counted(owner, count.id, pen.id, D(3))
    with pytest.raises(ValidationError, match="whole pieces"):
        stock.set_counted(owner, count.id, pen.id, D("1.5"))
    stock.cancel_count(owner, count.id)
    assert StockCount.get_by_id(count.id).status == "cancelled"
    assert Product.get_by_id(pen.id).stock == D(12)
    with pytest.raises(ValidationError, match="title"):
        stock.start_count(owner, "  ")
    assert_ledger_holds(pen)


# --- alerts -----------------------------------------------------------------------------------


def test_low_stock_expiring_and_reorder(db_url, owner, make_product):
    milk = make_product("Amul Milk", stock="3")
    bread = make_product("Bread", stock="40")
    idle = make_product("Old Stock", stock="0")
    Product.update(min_stock=D(5), reorder_qty=D(12)).where(Product.id == milk.id).execute()
    Product.update(min_stock=D(2), reorder_qty=D(0)).where(Product.id == bread.id).execute()
    sell(owner, Product.get_by_id(bread.id), "35")  # fast seller: 35 in the last 30 days
    today = date(2026, 12, 1)
    for number, days, left in (("B1", 3, "4"), ("B2", 40, "9"), ("B3", 1, "0")):
        Batch.create(
            product=milk,
            batch_number=number,
            expiry_date=today + timedelta(days=days),
            unit_cost=D(20),
            quantity_received=D(10),
            quantity_remaining=D(left),
        )

    assert [item.name for item in stock.low_stock()] == ["Amul Milk", "Old Stock"]
    soon = stock.expiring(7, today=today)
    assert [(e.batch_number, e.days_left, e.quantity) for e in soon] == [("B1", 3, D(4))]
    suggestions = {r.product.name: r for r in stock.reorder_suggestions(30)}
    assert set(suggestions) == {"Amul Milk", "Bread"}
    assert suggestions["Amul Milk"].suggested == D(12)  # 5 - 3 = 2, one case of 12
    assert suggestions["Bread"].sold == D(35)
    assert suggestions["Bread"].suggested == D(32)  # 35 sold + 2 minimum - 5 left
    assert idle.id not in [r.product.id for r in suggestions.values()]
    # The reorder report's plain rows say what the pages of suggestions say.
    assert stock.all_reorder_figures(30) == [
        (r.product.code, r.product.name, r.product.stock, r.product.min_stock, r.sold, r.suggested)
        for r in stock.reorder_suggestions(30)
    ]


def test_reorder_formula():
    whole = {"whole_units": True}
    assert suggested_reorder(D(10), D(0), D(0), D(0), **whole) == 0
    assert suggested_reorder(D(5), D(5), D(0), D(0), **whole) == D(1)
    assert suggested_reorder(D(1), D(2), D(24), D(30), **whole) == D(48)
    assert suggested_reorder(D("0.5"), D(1), D(0), D("2.25"), whole_units=False) == D("2.75")
    assert suggested_reorder(D(2), D(0), D(0), D("1.2"), **whole) == 0


# --- several writers at once ------------------------------------------------------------------


def _adjuster(url: str, actor: Actor, product_id: int, times: int, barrier, out) -> None:
    from posterm.services import system

    try:
        system.open_store(url)
        barrier.wait(timeout=60)
        for n in range(times):
            if n % 2:
                stock.adjust_stock(actor, product_id, AdjustReason.TRANSFER, change=D(2))
            else:
                sell(actor, Product.get_by_id(product_id), "1")
        out.put("ok")
    except BaseException as exc:
        out.put(f"{type(exc).__name__}: {exc}")
    finally:
        system.close()


def test_concurrent_adjustments_and_sales_keep_the_ledger(db_url, owner, make_product):
    hot = make_product("Parle-G", stock="100", tax="GST 0%")
    actors = [actor_for(f"till{n}", Role.MANAGER, by=owner) for n in range(3)]
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(actors)), ctx.Queue()
    workers = [
        ctx.Process(target=_adjuster, args=(db_url, a, hot.id, 10, barrier, out)) for a in actors
    ]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)

    assert results == ["ok"] * 3
    assert Product.get_by_id(hot.id).stock == D(100 - 15 + 30)
    afters = [m.stock_after for m in stock.kardex(hot.id, limit=200).movements]
    quantities = [m.quantity for m in stock.kardex(hot.id, limit=200).movements]
    # Each movement's stock_after chains from the one before it: no update was lost.
    for newer, older, change in zip(afters, afters[1:], quantities, strict=False):
        assert newer == older + change
    assert_ledger_holds(hot)
