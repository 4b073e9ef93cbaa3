"""Returns and voids on both databases: stock, refunds, credit, limits, permissions, retries."""

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
    Payment,
    Product,
    Sale,
    SaleLine,
    StockMovement,
)
from posterm.domain.cart import Discount
from posterm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from posterm.domain.permissions import Actor, Permission, Role
from posterm.domain.returns import NoReceiptLine, ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import auth, checkout, returns
from posterm.services.settings import set_setting
from tests.conftest import actor_for, doctor_problems

D = Decimal
LEDGER_TABLES = (Sale, SaleLine, Payment, StockMovement, CreditEntry, AuditEvent, Counter)


def sell(actor, *lines, tenders=(), customer=None, discount=None):
    """lines: (product, quantity)."""
    return checkout.checkout(
        actor,
        CheckoutRequest(
            uuid4(),
            [SaleLineRequest(p.id, D(q)) for p, q in lines],
            bill_discount=discount,
            customer_id=customer.id if customer else None,
            tenders=[Tender(method, D(amount)) for method, amount in tenders],
        ),
    )


def give_back(actor, bill, *lines, refund="cash", reason="", return_id=None):
    """lines: (line_no, quantity) or (line_no, quantity, restock)."""
    sale = returns.returnable(bill.bill_number)
    by_no = {line.line_no: line.line_id for line in sale.lines}
    request = ReturnRequest(
        return_id or uuid4(),
        bill.bill_number,
        [ReturnLineRequest(by_no[no], D(q), *rest) for no, q, *rest in lines],
        refund_method=refund,
        reason=reason,
    )
    return returns.make_return(actor, request)


def row_counts() -> dict[str, object]:
    counts: dict[str, object] = {m.__name__: m.select().count() for m in LEDGER_TABLES}
    counts["counters"] = sorted((c.name, c.value) for c in Counter.select())
    counts["stock"] = sorted((p.id, p.stock) for p in Product.select())
    counts["balances"] = sorted((c.id, c.balance) for c in Customer.select())
    return counts


def this_year() -> int:
    return datetime.now(ZoneInfo("Asia/Kolkata")).year


def stock(product) -> Decimal:
    return Product.get_by_id(product.id).stock


def test_partial_return_restocked_and_damaged(owner, make_product):
    salt = make_product("Tata Salt 1kg", "28.00", stock="10", tax="GST 5%")
    soap = make_product("Lux Soap 100g", "118.00", stock="5", tax="GST 18%")
    sale = sell(owner, (salt, 3), (soap, 2), tenders=[("cash", "400")])
    assert (sale.total, stock(salt), stock(soap)) == (D(320), D(7), D(3))

    back = give_back(owner, sale, (1, 1), (1, 1, False), (2, 1), reason="wrong item")

    assert back.bill_number == f"RET-{this_year()}-000001"
    assert (back.kind, back.total, back.item_count) == ("return", D(-174), D(-3))
    assert [(line.name, line.quantity, line.line_total) for line in back.lines] == [
        ("Tata Salt 1kg", D(-1), D(-28)),
        ("Tata Salt 1kg", D(-1), D(-28)),
        ("Lux Soap 100g", D(-1), D(-118)),
    ]
    assert back.tax_total == D("-2.67") + D("-18.00")  # 1.33 + 1.34 of salt's 2.67 for two
    assert [(p.method, p.amount) for p in back.payments] == [("cash", D(-174))]
    assert (back.tendered_total, back.credit_amount, back.paid_now) == (D(-174), 0, D(-174))

    row = Sale.get_by_id(back.id)
    assert (row.original_id, row.series, row.sequence, row.reason) == (
        sale.id,
        f"RET-{this_year()}-NNNNNN",
        1,
        "wrong item",
    )
    lines = list(SaleLine.select().where(SaleLine.sale == row).order_by(SaleLine.line_no))
    originals = {
        line.line_no: line.id for line in SaleLine.select().where(SaleLine.sale == sale.id)
    }
    assert [(line.original_line_id, line.restocked) for line in lines] == [
        (originals[1], True),
        (originals[1], False),
        (originals[2], True),
    ]
    moves = list(StockMovement.select().where(StockMovement.sale == row).order_by(StockMovement.id))
    assert [(m.product_id, m.kind, m.quantity, m.stock_after) for m in moves] == [
        (salt.id, "return", D(1), D(8)),
        (soap.id, "return", D(1), D(4)),
    ]
    assert (stock(salt), stock(soap)) == (D(8), D(4))
    pay = Payment.get(Payment.sale == row)
    assert (pay.method, pay.direction, pay.amount) == ("cash", "out", D(174))
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.entity_id, event.reason, event.approved_by_id) == (
        "sale.return",
        back.bill_number,
        "wrong item",
        None,
    )
    assert checkout.find_sale(back.bill_number) == back

    left = returns.returnable(sale.bill_number)
    assert [
        (line.quantity_sold, line.quantity_returned, line.quantity_left) for line in left.lines
    ] == [
        (D(3), D(2), D(1)),
        (D(2), D(1), D(1)),
    ]
    assert (left.refunded_total, left.refundable, left.returns) == (
        D(174),
        D(146),
        (back.bill_number,),
    )
    assert left.lines[1].unit_price == D(118) and not left.voided
    assert doctor_problems() == []


def test_return_limits_hold_across_returns(owner, make_product):
    salt = make_product("Tata Salt 1kg", "28.00", stock="10")
    sale = sell(owner, (salt, 3), tenders=[("cash", "84")])
    give_back(owner, sale, (1, 2))

    before = row_counts()
    with pytest.raises(
        Conflict,
        match=r"'Tata Salt 1kg' \(line 1 of BILL-\d{4}-000001\): sold 3 pcs, already returned 2, "
        r"so at most 1 can come back, not 2\.",
    ):
        give_back(owner, sale, (1, 2))
    with pytest.raises(ValidationError, match="whole pcs"):
        give_back(owner, sale, (1, "0.5"))
    assert row_counts() == before

    last = give_back(owner, sale, (1, 1))
    assert last.bill_number == f"RET-{this_year()}-000002"
    with pytest.raises(Conflict, match="at most 0 can come back"):
        give_back(owner, sale, (1, 1))
    done = returns.returnable(sale.bill_number)
    assert done.fully_returned and (done.refunded_total, done.refundable) == (D(84), 0)
    assert stock(salt) == D(10)
    assert doctor_problems() == []


def test_refunds_in_cash_over_the_original_payments_and_to_credit(
    owner, make_product, make_customer
):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    ramesh = make_customer("Ramesh Gupta", credit_limit="1000")
    # 400: 100 by UPI, 200 cash, 100 on credit.
    sale = sell(
        owner,
        (rice, 4),
        customer=ramesh,
        tenders=[("upi", "100"), ("cash", "200"), ("credit", "100")],
    )
    assert Customer.get_by_id(ramesh.id).balance == D(100)
    available = returns.returnable(sale.bill_number)
    assert [(p.method, p.paid, p.refunded) for p in available.payments] == [
        ("upi", D(100), 0),
        ("cash", D(200), 0),
        ("credit", D(100), 0),
    ]

    # Back over the original payments, in proportion: 25 UPI, 50 cash, 25 to the ledger.
    first = give_back(owner, sale, (1, 1), refund="original")
    assert [(p.method, p.amount) for p in first.payments] == [
        ("upi", D(-25)),
        ("cash", D(-50)),
        ("credit", D(-25)),
    ]
    assert (first.credit_amount, first.tendered_total, first.customer_balance) == (
        D(-25),
        D(-75),
        D(75),
    )
    assert first.customer_name == "Ramesh Gupta"
    entry = CreditEntry.get(CreditEntry.sale == first.id)
    assert (entry.kind, entry.amount, entry.balance_after, entry.payment.method) == (
        "return",
        D(-25),
        D(75),
        "credit",
    )
    assert entry.payment.direction == "out"

    # Onto the ledger: lowers what they owe, even below zero (an advance).
    second = give_back(owner, sale, (1, 1), refund="credit")
    assert [(p.method, p.amount) for p in second.payments] == [("credit", D(-100))]
    assert Customer.get_by_id(ramesh.id).balance == D(-25)
    assert second.customer_balance == D(-25)

    # Cash, whatever the bill was paid with; or any accepted method.
    third = give_back(owner, sale, (1, 1), refund="cash")
    assert [(p.method, p.amount) for p in third.payments] == [("cash", D(-100))]
    with pytest.raises(ValidationError, match="'bkash' is not a refund method"):
        give_back(owner, sale, (1, 1), refund="bkash")
    fourth = give_back(owner, sale, (1, 1), refund="upi")
    assert [(p.method, p.amount) for p in fourth.payments] == [("upi", D(-100))]

    balances = {p.method: p for p in returns.returnable(sale.bill_number).payments}
    assert (balances["upi"].refunded, balances["cash"].refunded, balances["credit"].refunded) == (
        D(125),
        D(150),
        D(125),
    )
    assert doctor_problems() == []


def test_credit_refund_needs_the_bills_customer(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    sale = sell(owner, (rice, 1), tenders=[("cash", "100")])
    before = row_counts()
    with pytest.raises(ValidationError, match="has no customer"):
        give_back(owner, sale, (1, 1), refund="credit")
    assert row_counts() == before


def test_original_split_never_refunds_a_method_more_than_it_paid(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    sale = sell(owner, (rice, 3), tenders=[("card", "100"), ("cash", "200")])
    give_back(owner, sale, (1, 1), refund="card")  # the card is fully refunded
    rest = give_back(owner, sale, (1, 2), refund="original")
    assert [(p.method, p.amount) for p in rest.payments] == [("cash", D(-200))]
    assert doctor_problems() == []


def test_exclusive_tax_discounts_and_rounding_return_exactly_in_pieces(owner, make_product):
    set_setting(owner, "prices_include_tax", "false")
    set_setting(owner, "cash_rounding", "1.00")
    oil = make_product("Mustard Oil 1L", "179.50", stock="9", tax="GST 5%")
    dal = make_product("Toor Dal", "152.35", stock="50", tax="GST 12%", unit="kg", by_weight=True)
    sale = checkout.checkout(
        owner,
        CheckoutRequest(
            uuid4(),
            [
                SaleLineRequest(oil.id, D(3), line_discount=Discount.percent(D(10))),
                SaleLineRequest(dal.id, D("1.235")),
            ],
            bill_discount=Discount.amount(D("15")),
            tenders=[Tender("cash", D(1000))],
        ),
    )
    parts = [
        give_back(owner, sale, (1, 1), (2, "0.5")),
        give_back(owner, sale, (1, 1, False), (2, "0.235")),
        give_back(owner, sale, (1, 1), (2, "0.5")),
    ]
    assert sum(p.total for p in parts) == -sale.total
    assert sum(p.tax_total for p in parts) == -sale.tax_total
    assert sum(p.discount_total for p in parts) == -sale.discount_total
    assert sum(p.subtotal for p in parts) == -sale.subtotal
    assert all(p.total <= 0 for p in parts)
    # Refunds so far are cash-rounded as a whole; the last one settles the bill exactly.
    assert parts[0].total == parts[0].total.to_integral_value()
    assert stock(oil) == D(8) and stock(dal) == D(50)
    assert doctor_problems() == []


def test_return_without_receipt_needs_a_manager_for_a_cashier(owner, make_product):
    soap = make_product("Lux Soap 100g", "118.00", stock="5", tax="GST 18%")
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    actor_for("mina", Role.MANAGER, pin="9999", by=owner)

    def no_receipt(actor, restock=True, refund="cash", reason="customer says bought here"):
        return ReturnRequest(
            uuid4(),
            None,
            [NoReceiptLine(soap.id, D(2), D("100.00"), restock)],
            refund_method=refund,
            reason=reason,
        )

    before = row_counts()
    with pytest.raises(PermissionDenied, match="take a return without a receipt"):
        returns.make_return(cashier, no_receipt(cashier))
    assert row_counts() == before

    approved = auth.approve(cashier, "mina", "9999", Permission.RETURN_WITHOUT_RECEIPT, "regular")
    with pytest.raises(ValidationError, match="say why a return without a receipt is made"):
        returns.make_return(approved, no_receipt(approved, reason=" "))
    with pytest.raises(ValidationError, match="refunded in cash"):
        returns.make_return(approved, no_receipt(approved, refund="upi"))
    with pytest.raises(ValidationError, match="names products"):
        returns.make_return(
            approved, ReturnRequest(uuid4(), None, [ReturnLineRequest(1, D(1))], reason="x")
        )
    back = returns.make_return(approved, no_receipt(approved))

    assert (back.kind, back.total, back.approved_by, back.cashier) == (
        "return",
        D(-200),
        "mina",
        "asha",
    )
    assert back.tax_total == D("-30.51")
    assert [(p.method, p.amount) for p in back.payments] == [("cash", D(-200))]
    row = Sale.get_by_id(back.id)
    assert row.original_id is None and row.approved_by.username == "mina"
    line = SaleLine.get(SaleLine.sale == row)
    assert (line.original_line_id, line.product_id, line.unit_price, line.restocked) == (
        None,
        soap.id,
        D(100),
        True,
    )
    assert stock(soap) == D(7)
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.username, event.approved_by.username) == (
        "sale.return",
        "asha",
        "mina",
    )

    # A manager needs no approval; damaged goods stay off the shelf; None is the list price.
    manager = Actor(auth.authenticate("mina", "pw1234").id, "mina", Role.MANAGER, "till-1")
    damaged = returns.make_return(
        manager,
        ReturnRequest(uuid4(), None, [NoReceiptLine(soap.id, D(1), None, False)], reason="torn"),
    )
    assert (damaged.total, damaged.approved_by) == (D(-118), "")
    assert stock(soap) == D(7)
    assert doctor_problems() == []


def test_void_by_a_manager_reverses_stock_payments_and_credit(owner, make_product, make_customer):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    salt = make_product("Tata Salt 1kg", "28.00", stock="10", tax="GST 5%")
    ramesh = make_customer("Ramesh Gupta", credit_limit="1000")
    manager = actor_for("mina", Role.MANAGER, by=owner)
    sale = sell(
        owner,
        (rice, 2),
        (salt, 2),
        customer=ramesh,
        tenders=[("upi", "100"), ("credit", "156")],
    )
    assert Customer.get_by_id(ramesh.id).balance == D(156)
    # One rice came back already, refunded over the original payments.
    back = give_back(owner, sale, (1, 1), refund="original")
    assert sum(p.amount for p in back.payments) == D(-100)

    void = returns.void_sale(manager, sale.bill_number, "keyed twice", uuid4())

    assert void.bill_number == f"VOID-{this_year()}-000001"
    assert (void.kind, void.total) == ("void", D(-156))
    assert [(line.name, line.quantity) for line in void.lines] == [
        ("Basmati Rice 1kg", D(-1)),
        ("Tata Salt 1kg", D(-2)),
    ]
    assert sorted((p.method, p.amount) for p in void.payments) == sorted(
        [
            (m, -(paid - refunded))
            for m, paid, refunded in (
                ("upi", D(100), sum(-p.amount for p in back.payments if p.method == "upi")),
                ("credit", D(156), sum(-p.amount for p in back.payments if p.method == "credit")),
            )
        ]
    )
    assert (stock(rice), stock(salt)) == (D(20), D(10))
    assert Customer.get_by_id(ramesh.id).balance == D(0)
    entry = CreditEntry.select().order_by(CreditEntry.id.desc()).get()
    assert (entry.kind, entry.sale_id, entry.balance_after) == ("void", void.id, D(0))
    moves = StockMovement.select().where(StockMovement.sale == void.id)
    assert {(m.kind, m.quantity) for m in moves} == {("void", D(1)), ("void", D(2))}
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.username, event.reason) == ("sale.void", "mina", "keyed twice")
    assert Sale.get_by_id(void.id).reason == "keyed twice"

    state = returns.returnable(sale.bill_number)
    assert (state.voided, state.void_bill_number, state.refundable) == (True, void.bill_number, 0)
    before = row_counts()
    with pytest.raises(Conflict, match=r"already voided \(VOID-"):
        returns.void_sale(manager, sale.bill_number, "again", uuid4())
    with pytest.raises(Conflict, match="was voided"):
        give_back(owner, sale, (2, 1))
    with pytest.raises(Conflict, match="is itself a void of bill"):
        returns.returnable(void.bill_number)
    with pytest.raises(Conflict, match="is itself a return"):
        returns.void_sale(manager, back.bill_number, "oops", uuid4())
    assert row_counts() == before
    assert doctor_problems() == []


def test_cashier_cannot_void_and_a_reason_is_required(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    actor_for("mina", Role.MANAGER, pin="9999", by=owner)
    sale = sell(cashier, (rice, 1), tenders=[("cash", "100")])
    approved = cashier.with_approval(auth.authenticate("mina", "9999", pin=True).id, "mina")
    before = row_counts()
    with pytest.raises(PermissionDenied, match="void a sale"):
        returns.void_sale(cashier, sale.bill_number, "mistake", uuid4())
    # Not even with a manager's approval: voids are the manager's own act.
    with pytest.raises(PermissionDenied, match="void a sale"):
        returns.void_sale(approved, sale.bill_number, "mistake", uuid4())
    with pytest.raises(ValidationError, match="say why the void is made"):
        returns.void_sale(owner, sale.bill_number, "  ", uuid4())
    with pytest.raises(NotFound, match="No bill numbered 'NOPE-1'"):
        returns.void_sale(owner, "NOPE-1", "mistake", uuid4())
    assert row_counts() == before


def test_a_fully_returned_sale_cannot_be_voided(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    sale = sell(owner, (rice, 2), tenders=[("cash", "200")])
    give_back(owner, sale, (1, 2))
    with pytest.raises(Conflict, match="nothing left to void: every item was returned"):
        returns.void_sale(owner, sale.bill_number, "mistake", uuid4())
    assert not Sale.select().where(Sale.kind == "void").exists()


def test_retries_return_the_same_document_and_write_nothing(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    sale = sell(owner, (rice, 3), tenders=[("cash", "300")])
    other = sell(owner, (rice, 1), tenders=[("cash", "100")])
    return_id, void_id = uuid4(), uuid4()

    first = give_back(owner, sale, (1, 1), return_id=return_id)
    before = row_counts()
    again = give_back(owner, sale, (1, 1), return_id=return_id)
    assert again == first and row_counts() == before

    void = returns.void_sale(owner, other.bill_number, "test", void_id)
    before = row_counts()
    assert returns.void_sale(owner, other.bill_number, "test", void_id) == void
    assert row_counts() == before
    # An id belongs to one kind of document.
    with pytest.raises(Conflict, match="already belongs to void"):
        give_back(owner, sale, (1, 1), return_id=void_id)
    assert doctor_problems() == []


def test_looking_up_bills(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    sale = sell(owner, (rice, 2), tenders=[("cash", "200")])
    with pytest.raises(NotFound, match="No bill numbered 'BILL-1999-000001'"):
        returns.returnable("BILL-1999-000001")
    with pytest.raises(ValidationError):
        returns.returnable("  ")
    found = returns.returnable(sale.bill_number.lower())
    assert (found.bill_number, found.total, found.customer_id) == (sale.bill_number, D(200), None)
    assert found.sold_at_local.utcoffset() is not None
    (line,) = found.lines
    assert (line.quantity_left, line.refund_left, line.unit) == (D(2), D(200), "pcs")


# --- two tills returning the last units of one bill at once ----------------------------------


def _return_process(url: str, actor: Actor, bill: str, barrier, out):
    from posterm.services import system

    try:
        system.open_store(url)
        sale = returns.returnable(bill)
        request = ReturnRequest(uuid4(), bill, [ReturnLineRequest(sale.lines[0].line_id, D(2))])
        barrier.wait(timeout=60)
        try:
            out.put(returns.make_return(actor, request).bill_number)
        except Conflict as exc:
            out.put(f"refused: {exc}")
    except BaseException as exc:
        out.put(f"{type(exc).__name__}: {exc}")
    finally:
        system.close()


def test_two_tills_returning_the_same_units_at_once(db_url, owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="20", tax="GST 0%")
    sale = sell(owner, (rice, 3), tenders=[("cash", "300")])
    tills = [actor_for(f"till{n}", Role.CASHIER, by=owner) for n in range(2)]
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    processes = [
        ctx.Process(target=_return_process, args=(db_url, a, sale.bill_number, barrier, out))
        for a in tills
    ]
    for process in processes:
        process.start()
    results = sorted(out.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert results[0] == f"RET-{this_year()}-000001"
    assert results[1].startswith("refused: ") and "at most 1 can come back" in results[1]
    assert stock(rice) == D(19)
    assert doctor_problems() == []
