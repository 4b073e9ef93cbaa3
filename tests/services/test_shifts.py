"""Shifts on both databases: open, cash movements, X report, close with a count, permissions."""

from __future__ import annotations

import json
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posterm.data.models import AuditEvent, CashMovement, Payment, Sale, Shift
from posterm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from posterm.domain.permissions import Role
from posterm.domain.returns import ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import checkout, returns, shifts
from posterm.services.settings import set_setting
from tests.conftest import actor_for

D = Decimal


def sell(actor, product, quantity, tenders):
    return checkout.checkout(
        actor,
        CheckoutRequest(
            uuid4(),
            [SaleLineRequest(product.id, D(quantity))],
            tenders=[Tender(method, D(amount)) for method, amount in tenders],
        ),
    )


def give_back(actor, bill, quantity, method="cash"):
    sale = returns.returnable(bill.bill_number)
    line = sale.lines[0]
    request = ReturnRequest(
        uuid4(), bill.bill_number, [ReturnLineRequest(line.line_id, D(quantity))], method
    )
    return returns.make_return(actor, request)


def written() -> tuple[int, int, int]:
    return Shift.select().count(), CashMovement.select().count(), AuditEvent.select().count()


def test_open_sell_move_cash_and_close_with_a_count(owner, make_product):
    salt = make_product(price="28.00", stock="100")
    shift = shifts.open_new_shift(owner, "500")
    assert shift.opening_float == D("500.00") and shift.terminal == "till-1"
    with pytest.raises(Conflict, match="already has shift"):
        shifts.open_new_shift(owner, "100")

    sell(owner, salt, 2, [("cash", "100")])  # 56.00, 44.00 change: the drawer keeps 56
    sell(owner, salt, 1, [("cash", "10"), ("upi", "18")])  # split: 10 cash
    shifts.record_cash(owner, "cash_in", "200", reason="change from the bank")
    shifts.record_cash(owner, "cash_out", D("50"), reason="to the safe")
    shifts.record_cash(owner, "payout", "30", "supplier", "milk boy")
    shifts.record_cash(owner, "expense", "15.50", "tea", "tea for staff")

    found, text = shifts.x_report(owner)
    assert (found.sales_count, found.sales_total) == (2, D("84.00"))
    assert found.cash.taken == D("66.00") and found.cash.refunded == 0
    assert {t.method: t.taken for t in found.tenders} == {"cash": D("66.00"), "upi": D("18.00")}
    expected = D("500") + D("66") + D("200") - D("50") - D("30") - D("15.50")
    assert found.expected_cash == expected
    assert "X REPORT" in text and "670.50" in text

    closed = shifts.close_shift(owner, {"500": "1", "100": "1", "50": "1", "20": "1"})
    assert closed.expected_cash == expected
    assert closed.counted_cash == D("670")
    assert closed.variance == D("-0.50")
    row = Shift.get_by_id(shift.id)
    assert row.status == "closed" and row.variance == D("-0.50")
    assert json.loads(row.denominations) == {"500": 1, "100": 1, "50": 1, "20": 1}
    assert "Z REPORT" in row.z_report and "0.50 short" in row.z_report
    assert shifts.current_shift("till-1") is None
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("shift."))]
    assert actions == [
        "shift.open",
        "shift.cash_in",
        "shift.cash_out",
        "shift.payout",
        "shift.expense",
        "shift.close",
    ]


def test_a_sale_needs_an_open_shift_once_the_till_has_had_one(owner, make_product):
    salt = make_product(stock="10")
    sell(owner, salt, 1, [("cash", "28")])  # never had a shift: sells
    shifts.open_new_shift(owner, "0")
    shifts.close_shift(owner, {})
    sales = Sale.select().count()
    with pytest.raises(Conflict, match="No shift is open"):
        sell(owner, salt, 1, [("cash", "28")])
    assert Sale.select().count() == sales
    set_setting(owner, "sale_needs_shift", "no")
    sell(owner, salt, 1, [("cash", "28")])
    set_setting(owner, "sale_needs_shift", "yes")
    other_till = type(owner)(owner.user_id, owner.username, owner.role, "till-2")
    with pytest.raises(Conflict, match="till-2"):
        sell(other_till, salt, 1, [("cash", "28")])


def test_each_terminal_has_its_own_shift_and_a_manager_sees_them_all(owner):
    cashier = actor_for("asha", Role.CASHIER)
    other = actor_for("bina", Role.CASHIER)
    other = type(other)(other.user_id, other.username, other.role, "till-2")
    manager = actor_for("mohan", Role.MANAGER)
    shifts.open_new_shift(cashier, "100")
    shifts.open_new_shift(other, "200")
    assert [(s.terminal, s.cashier) for s in shifts.open_shifts(manager)] == [
        ("till-1", "asha"),
        ("till-2", "bina"),
    ]
    with pytest.raises(PermissionDenied):
        shifts.open_shifts(cashier)
    # A cashier works only their own shift; a manager may work (and close) anyone's.
    intruder = actor_for("chetan", Role.CASHIER)
    with pytest.raises(PermissionDenied):
        shifts.record_cash(intruder, "cash_out", "10", reason="lunch")
    with pytest.raises(PermissionDenied):
        shifts.close_shift(intruder, {"100": "1"})
    shifts.record_cash(manager, "cash_out", "10", reason="to the safe")
    closed = shifts.close_shift(manager, {"50": "1", "20": "2"})
    assert closed.expected_cash == D("90") and closed.variance == D("0")
    staff = actor_for("sunil", Role.STAFF)
    with pytest.raises(PermissionDenied):
        shifts.open_new_shift(staff, "100")


def test_a_manager_closes_another_tills_shift_and_it_is_audited(owner, make_product):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from posterm.domain.receipt import render_text

    salt = make_product(price="28.00", stock="100")
    bina = actor_for("bina", Role.CASHIER)
    bina = type(bina)(bina.user_id, bina.username, bina.role, "till-2")
    manager = actor_for("mohan", Role.MANAGER)  # working at till-1
    shifts.open_new_shift(bina, "100")
    sell(bina, salt, 2, [("cash", "60")])  # the drawer keeps 56
    other = shifts.open_shifts(manager)[0]
    assert other.terminal == "till-2"
    figures, text = shifts.x_report(manager, other.id)
    assert figures.expected_cash == D("156.00") and "X REPORT" in text
    with pytest.raises(PermissionDenied):
        shifts.x_report(actor_for("asha", Role.CASHIER), other.id)

    closed = shifts.close_shift(manager, {"100": "1", "50": "1", "5": "1"}, other.id)
    assert (closed.expected_cash, closed.variance) == (D("156.00"), D("-1.00"))
    assert shifts.current_shift("till-2") is None
    assert "Closed" in closed.z_report and "by mohan" in closed.z_report
    event = AuditEvent.select().where(AuditEvent.action == "shift.close").get()
    assert event.username == "mohan" and event.terminal == "till-1"
    details = json.loads(event.details)
    assert (details["terminal"], details["cashier"], D(details["variance"])) == (
        "till-2",
        "bina",
        D("-1.00"),
    )

    # Past shifts: the manager sees every till's, bina only her own; the Z report as kept.
    shifts.open_new_shift(owner, "0")
    shifts.close_shift(owner, {})
    today = datetime.now(ZoneInfo("Asia/Kolkata")).date()
    listed = shifts.closed_shifts(manager, today, today)
    assert [(p.terminal, p.cashier, p.closed_by) for p in listed] == [
        ("till-1", "owner", "owner"),  # newest first
        ("till-2", "bina", "mohan"),
    ]
    assert listed[1].variance == D("-1.00") and listed[1].words == "1.00 short"
    assert [p.id for p in shifts.closed_shifts(bina, today, today)] == [other.id]
    assert [p.terminal for p in shifts.closed_shifts(manager, today, today, terminal="till-2")] == [
        "till-2"
    ]
    assert [p.cashier for p in shifts.closed_shifts(manager, today, today, cashier="OWNER")] == [
        "owner"
    ]
    assert shifts.closed_shifts(manager, today - timedelta(days=9), today - timedelta(days=1)) == []
    assert len(shifts.closed_shifts(manager, today, today, limit=1, offset=1)) == 1
    with pytest.raises(ValidationError):
        shifts.closed_shifts(manager, today, today - timedelta(days=1))
    assert shifts.z_report(bina, other.id) == Shift.get_by_id(other.id).z_report
    with pytest.raises(PermissionDenied):
        shifts.z_report(bina, listed[0].id)  # the owner's shift
    with pytest.raises(NotFound):
        shifts.z_report(manager, 9999)
    reprint = render_text(shifts.z_report_reprint(manager, other.id, 32, "Rs."))
    assert "Z REPORT" in reprint and "VARIANCE" in reprint and "Rs.1.00 short" in reprint
    assert AuditEvent.select().where(AuditEvent.action == "shift.reprint").count() == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda a: shifts.open_new_shift(a, "-5"), "opening float"),
        (lambda a: shifts.open_new_shift(a, "abc"), "opening float"),
        (lambda a: shifts.open_new_shift(a, D("-1")), "opening float"),
        (lambda a: shifts.record_cash(a, "cash_in", "-5", reason="x"), "amount"),
        (lambda a: shifts.record_cash(a, "cash_in", "0", reason="x"), "amount"),
        (lambda a: shifts.record_cash(a, "cash_in", "ten", reason="x"), "amount"),
        (lambda a: shifts.record_cash(a, "expense", "5", "", "x"), "category"),
        (lambda a: shifts.record_cash(a, "cash_out", "5", reason="  "), "reason"),
        (lambda a: shifts.record_cash(a, "bribe", "5", reason="x"), "kind"),
        (lambda a: shifts.close_shift(a, {"500": "two"}), "count of 500"),
        (lambda a: shifts.close_shift(a, {"500": "-1"}), "count of 500"),
        (lambda a: shifts.close_shift(a, {"7": "1"}), "count of 7"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(owner, call, field):
    shifts.open_new_shift(owner, "100")
    before = written()
    with pytest.raises(ValidationError) as refused:
        call(owner)
    assert refused.value.field == field
    assert written() == before
    assert Shift.get().status == "open"


def test_denominations_are_a_store_setting(owner):
    set_setting(owner, "cash_denominations", "100, 10,1,0.50")
    assert shifts.denominations() == (D("100"), D("10"), D("1"), D("0.50"))
    with pytest.raises(ValidationError):
        set_setting(owner, "cash_denominations", "100,-5")
    shifts.open_new_shift(owner, "0")
    closed = shifts.close_shift(owner, {"0.50": "3", "1": "2"})
    assert closed.counted_cash == D("3.50")


# --- the arithmetic, against the drawer a test keeps by hand ----------------------------------

sale_steps = st.tuples(
    st.integers(1, 5),  # quantity at 37.00
    st.integers(0, 3),  # extra cash handed over, in 50s (change)
    st.integers(0, 37),  # part paid by UPI (a split tender when both are paid)
    st.sampled_from(["keep", "return", "void"]),  # what happens to the bill afterwards
    st.integers(1, 5),  # how many to return (capped at the quantity)
    st.sampled_from(["cash", "upi"]),  # how a return is refunded
)
cash_steps = st.tuples(
    st.sampled_from(["cash_in", "cash_out", "payout", "expense"]), st.integers(1, 300)
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    opening=st.integers(0, 2000),
    sales=st.lists(sale_steps, max_size=4),
    movements=st.lists(cash_steps, max_size=4),
)
def test_expected_cash_matches_the_drawer_and_the_raw_rows(
    owner, make_product, opening, sales, movements
):
    if shifts.current_shift("till-1") is not None:  # an earlier example that failed midway
        shifts.close_shift(owner, {})
    item = make_product(price="37.00", stock="100000", tax="GST 0%")
    shift = shifts.open_new_shift(owner, D(opening))
    drawer = D(opening)  # what should be in the drawer, followed step by step
    upi_net = D(0)
    refunds = 0
    for quantity, extra, upi, after, back, refund_by in sales:
        total = D(37 * quantity)
        upi = min(D(upi), total)
        cash = total - upi + D(50 * extra) if upi < total else D(0)
        tenders = ([("cash", cash)] if cash else []) + ([("upi", upi)] if upi else [])
        bill = sell(owner, item, quantity, tenders)
        drawer += total - upi  # the change went back to the customer
        upi_net += upi
        if after == "return":
            refund = abs(give_back(owner, bill, min(back, quantity), refund_by).total)
            if refund_by == "cash":
                drawer -= refund
            else:
                upi_net -= refund
            refunds += 1
        elif after == "void":  # every payment of the bill goes back as it came
            returns.void_sale(owner, bill.bill_number, "keyed twice", uuid4())
            drawer -= total - upi
            upi_net -= upi
            refunds += 1
    for kind, amount in movements:
        shifts.record_cash(owner, kind, D(amount), "misc", "test")
        drawer += D(amount) if kind == "cash_in" else -D(amount)

    found, _ = shifts.x_report(owner)
    raw = D(opening)
    for row in Payment.select().where((Payment.shift == shift.id) & (Payment.method == "cash")):
        raw += row.amount if row.direction == "in" else -row.amount
    for row in CashMovement.select().where(CashMovement.shift == shift.id):
        raw += row.amount if row.kind == "cash_in" else -row.amount
    assert found.expected_cash == drawer == raw
    assert found.sales_count == len(sales)
    assert found.refunds_count == refunds
    assert sum((t.net for t in found.tenders if t.method == "upi"), D(0)) == upi_net
    # Every bill and refund went through some tender (no credit here); refunds are positive.
    reversals = Sale.select().where((Sale.shift == shift.id) & (Sale.kind != "sale"))
    refunded = -sum((s.total for s in reversals), D(0))
    assert found.refunds_total == refunded >= 0
    assert found.sales_total - found.refunds_total == sum((t.net for t in found.tenders), D(0))

    counted = max(drawer, D(0))
    closed = shifts.close_shift(owner, {"1": str(int(counted))})
    assert closed.expected_cash == drawer
    assert closed.variance == counted - drawer
