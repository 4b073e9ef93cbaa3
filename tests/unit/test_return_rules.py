"""Tests for posterm.domain.returns: returned lines add up to the line, refunds to the bill."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posterm.domain.cart import CartLine, Discount, compute_bill
from posterm.domain.errors import Conflict, ValidationError
from posterm.domain.money import CashRounding
from posterm.domain.returns import (
    LineMoney,
    ReturnableLine,
    ReturnableSale,
    ReturnLineRequest,
    ReturnRequest,
    TenderBalance,
    line_share,
    plan_return,
    plan_void,
    plan_without_receipt,
    split_refund,
)
from posterm.domain.sale import AppliedPayment

D = Decimal
FIELDS = ("gross", "line_discount", "bill_discount", "taxable_value", "tax_amount", "line_total")


def money_of(result) -> LineMoney:
    return LineMoney(
        result.gross,
        result.line_discount_amount,
        result.bill_discount_share,
        result.taxable_value,
        result.tax_amount,
        result.line_total,
    )


def returnable_sale(bill, inclusive: bool, units=None, payments=None) -> ReturnableSale:
    lines = tuple(
        ReturnableLine(
            line_id=i + 1,
            line_no=i + 1,
            product_id=i + 1,
            name=f"Item {i + 1}",
            code="",
            unit=(units[i] if units else "kg"),
            quantity_sold=r.line.quantity,
            quantity_returned=D(0),
            unit_price=r.line_total / r.line.quantity,
            tax_rate=r.line.tax_rate,
            sold=money_of(r),
            returned=LineMoney.zero(),
        )
        for i, r in enumerate(bill.lines)
    )
    return ReturnableSale(
        sale_id=1,
        bill_number="BILL-2025-000001",
        sold_at_local=datetime.now(UTC),
        customer_id=None,
        customer_name="",
        lines=lines,
        payments=payments or (TenderBalance("cash", bill.total_due, D(0)),),
        voided=False,
        void_bill_number="",
        prices_include_tax=inclusive,
        total=bill.total_due,
        refunded_total=D(0),
    )


def after_return(sale: ReturnableSale, plan) -> ReturnableSale:
    """The sale as the database would show it once `plan` is written."""
    lines = {line.line_id: line for line in sale.lines}
    for planned in plan.lines:
        line = lines[planned.line_id]
        lines[planned.line_id] = replace(
            line,
            quantity_returned=line.quantity_returned + planned.quantity,
            returned=line.returned + planned.money,
        )
    return replace(
        sale,
        lines=tuple(lines[line.line_id] for line in sale.lines),
        refunded_total=sale.refunded_total + plan.total,
        returns=(*sale.returns, f"RET-{len(sale.returns) + 1}"),
    )


# --- strategies -----------------------------------------------------------------------------

prices = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
rates = st.sampled_from([D(0), D(5), D(12), D(18), D(28), D("12.5")])


@st.composite
def cart_lines(draw, max_lines: int = 4):
    count = draw(st.integers(1, max_lines))
    lines = []
    for i in range(count):
        milli = draw(st.integers(1, 50_000))
        quantity = D(milli).scaleb(-3)
        discount = draw(
            st.one_of(
                st.none(),
                st.decimals(min_value=0, max_value=100, places=2).map(Discount.percent),
            )
        )
        lines.append(
            CartLine(i + 1, f"Item {i + 1}", draw(prices), quantity, draw(rates), discount)
        )
    return lines


@st.composite
def bills(draw):
    lines = draw(cart_lines())
    inclusive = draw(st.booleans())
    bill_discount = draw(
        st.one_of(st.none(), st.decimals(min_value=0, max_value=50, places=2).map(Discount.percent))
    )
    rounding = draw(st.sampled_from(list(CashRounding)))
    return compute_bill(lines, bill_discount, inclusive, rounding), inclusive, rounding


@st.composite
def partitions(draw, quantity: Decimal):
    """Splits `quantity` (thousandths) into 1..6 positive parts."""
    units = int(quantity.scaleb(3))
    cuts = draw(st.lists(st.integers(1, max(units - 1, 1)), max_size=5, unique=True))
    points = sorted({c for c in cuts if 0 < c < units})
    edges = [0, *points, units]
    return [D(b - a).scaleb(-3) for a, b in pairwise(edges)]


# --- one line, returned in pieces -------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_returns_of_a_line_add_up_to_the_line_exactly(data) -> None:
    bill, inclusive, _ = data.draw(bills())
    line = data.draw(st.sampled_from(bill.lines))
    sold = money_of(line)
    parts = data.draw(partitions(line.line.quantity))

    returned, quantity_back = LineMoney.zero(), D(0)
    for quantity in parts:
        share = line_share(
            sold,
            line.line.quantity,
            returned,
            quantity_back,
            quantity,
            prices_include_tax=inclusive,
        )
        for name in FIELDS:
            assert getattr(share, name) >= 0, name
        # A returned line keeps a sold line's identities.
        net = share.gross - share.line_discount - share.bill_discount
        assert share.line_total == share.taxable_value + share.tax_amount
        assert net == (share.line_total if inclusive else share.taxable_value)
        returned = returned + share
        quantity_back += quantity
        # Cumulatively proportional, to the paisa of each of the two parts it is made of.
        exact = sold.line_total * quantity_back / line.line.quantity
        assert abs(returned.line_total - exact) <= D("0.01")
    for name in FIELDS:
        assert getattr(returned, name) == getattr(sold, name), name


def test_three_returns_of_a_third_each() -> None:
    bill = compute_bill([CartLine(1, "Soap", D("10.00"), D(3), D(18))], None, True)
    sold = money_of(bill.lines[0])
    first = line_share(sold, D(3), LineMoney.zero(), D(0), D(1), prices_include_tax=True)
    second = line_share(sold, D(3), first, D(1), D(1), prices_include_tax=True)
    third = line_share(sold, D(3), first + second, D(2), D(1), prices_include_tax=True)
    assert [s.line_total for s in (first, second, third)] == [D("10.00")] * 3
    # 4.58 of tax in 30.00: 1.53, then 3.05 - 1.53 = 1.52, then the rest.
    assert [s.tax_amount for s in (first, second, third)] == [D("1.53"), D("1.52"), D("1.53")]
    assert (first + second + third) == sold


def test_one_of_four_at_a_tax_inclusive_price_gives_back_that_price() -> None:
    # 180.00 incl. 18%: 152.54 + 27.46. A quarter of each, rounded alone, made 38.14 + 6.87.
    bill = compute_bill([CartLine(1, "Soap", D("45.00"), D(4), D(18))], None, True)
    sold = money_of(bill.lines[0])
    one = line_share(sold, D(4), LineMoney.zero(), D(0), D(1), prices_include_tax=True)
    assert (one.line_total, one.tax_amount, one.taxable_value) == (
        D("45.00"),
        D("6.87"),
        D("38.13"),
    )


def test_tiny_amounts_never_give_back_more_than_the_line() -> None:
    # 0.05 over ten units: a half paisa each would round up to 0.01 ten times over.
    sold = LineMoney(D("0.05"), D(0), D(0), D("0.05"), D(0), D("0.05"))
    returned, back = LineMoney.zero(), D(0)
    shares = []
    for _ in range(10):
        share = line_share(sold, D(10), returned, back, D(1), prices_include_tax=True)
        shares.append(share.line_total)
        returned, back = returned + share, back + 1
    assert sum(shares) == D("0.05") and all(s >= 0 for s in shares)


# --- a whole bill, returned in pieces ---------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_returns_never_refund_more_than_the_bill_and_the_last_one_settles_it(data) -> None:
    bill, inclusive, rounding = data.draw(bills())
    sale = returnable_sale(bill, inclusive)
    refunds = []
    while not sale.fully_returned:
        open_lines = [line for line in sale.lines if line.quantity_left > 0]
        chosen = data.draw(st.lists(st.sampled_from(open_lines), min_size=1, max_size=3))
        requests = []
        asked: dict[int, Decimal] = {}
        for line in chosen:
            room = line.quantity_left - asked.get(line.line_id, D(0))
            if room <= 0:
                continue
            milli = data.draw(st.integers(1, int(room.scaleb(3))))
            quantity = D(milli).scaleb(-3)
            asked[line.line_id] = asked.get(line.line_id, D(0)) + quantity
            requests.append(ReturnLineRequest(line.line_id, quantity, data.draw(st.booleans())))
        plan = plan_return(sale, requests, rounding)
        assert plan.total >= 0
        assert plan.total == plan.lines_total + plan.round_off
        tax_added = 0 if inclusive else plan.tax_total
        assert plan.total == plan.subtotal - plan.discount_total + tax_added + plan.round_off
        refunds.append(plan.total)
        assert sum(refunds) <= bill.total_due
        sale = after_return(sale, plan)
    assert sum(refunds) == bill.total_due
    for line in sale.lines:
        assert line.returned == line.sold


def test_cash_rounding_rounds_the_refunds_so_far_as_a_whole() -> None:
    # 0.50 + 0.50 + 0.10 = 1.10, paid 1.00; refunds rounded to a rupee.
    lines = [
        CartLine(i, f"Item {i}", D(p), D(1), D(0)) for i, p in enumerate(("0.5", "0.5", "0.1"))
    ]
    bill = compute_bill(lines, None, True, CashRounding.STEP_1_00)
    sale = returnable_sale(bill, True, units=["pcs"] * 3)
    first = plan_return(sale, [ReturnLineRequest(1, D(1))], CashRounding.STEP_1_00)
    assert (first.lines_total, first.round_off, first.total) == (D("0.50"), D("0.50"), D(1))
    sale = after_return(sale, first)
    second = plan_return(sale, [ReturnLineRequest(2, D(1))], CashRounding.STEP_1_00)
    assert second.total == 0  # 1.00 so far already covers both
    sale = after_return(sale, second)
    last = plan_return(sale, [ReturnLineRequest(3, D(1))], CashRounding.STEP_1_00)
    assert last.total == 0 and last.round_off == D("-0.10")


def test_returning_too_much_is_refused_with_the_numbers() -> None:
    bill = compute_bill([CartLine(1, "Salt", D(28), D(3), D(5))], None, True)
    sale = returnable_sale(bill, True, units=["pcs"])
    sale = after_return(sale, plan_return(sale, [ReturnLineRequest(1, D(2))]))
    with pytest.raises(
        Conflict,
        match=r"'Item 1' \(line 1 of BILL-2025-000001\): sold 3 pcs, already returned 2, "
        r"so at most 1 can come back, not 2",
    ):
        plan_return(sale, [ReturnLineRequest(1, D(1)), ReturnLineRequest(1, D(1), False)])
    with pytest.raises(ValidationError, match="whole pcs"):
        plan_return(sale, [ReturnLineRequest(1, D("0.5"))])
    with pytest.raises(ValidationError, match="line id 9 is not on bill"):
        plan_return(sale, [ReturnLineRequest(9, D(1))])
    with pytest.raises(ValidationError, match="at least one item"):
        plan_return(sale, [])
    with pytest.raises(ValidationError, match="more than zero"):
        plan_return(sale, [ReturnLineRequest(1, D(0))])
    voided = replace(sale, voided=True, void_bill_number="VOID-2025-000001")
    with pytest.raises(Conflict, match="was voided"):
        plan_return(voided, [ReturnLineRequest(1, D(1))])


def test_a_void_takes_exactly_what_is_left() -> None:
    lines = [
        CartLine(1, "Oil", D("179.50"), D(2), D(5)),
        CartLine(2, "Dal", D("152.35"), D(1), D(0)),
    ]
    bill = compute_bill(lines, Discount.amount(D(15)), False, CashRounding.STEP_1_00)
    sale = returnable_sale(bill, False, units=["pcs", "pcs"])
    sale = after_return(sale, plan_return(sale, [ReturnLineRequest(1, D(1))], CashRounding.NONE))
    void = plan_void(sale)
    assert [(p.line_id, p.quantity, p.restock) for p in void.lines] == [
        (1, D(1), True),
        (2, D(1), True),
    ]
    assert void.total == sale.total - sale.refunded_total
    assert void.total == void.lines_total + void.round_off
    sale = after_return(sale, void)
    assert sale.refunded_total == bill.total_due
    with pytest.raises(Conflict, match="nothing left to void"):
        plan_void(sale)
    with pytest.raises(Conflict, match="already voided"):
        plan_void(replace(sale, voided=True, void_bill_number="VOID-1"))


def test_a_return_without_a_receipt_is_priced_like_a_sale() -> None:
    plan = plan_without_receipt(
        [CartLine(5, "Soap", D("118.00"), D(2), D(18))],
        [False],
        prices_include_tax=True,
        rounding=CashRounding.NONE,
    )
    (line,) = plan.lines
    assert (line.line_id, line.product_id, line.restock) == (None, 5, False)
    assert (plan.total, plan.tax_total, plan.round_off) == (D("236.00"), D("36.00"), 0)


# --- refunds over the original payments -------------------------------------------------------


def test_split_refund_in_proportion_and_never_more_than_paid() -> None:
    balances = (
        TenderBalance("upi", D(100), D(0)),
        TenderBalance("cash", D(200), D(0)),
        TenderBalance("credit", D(100), D(0)),
    )
    assert split_refund(D(100), balances) == (
        AppliedPayment("upi", D(25)),
        AppliedPayment("cash", D(50)),
        AppliedPayment("credit", D(25)),
    )
    assert split_refund(D("0.01"), balances) == (AppliedPayment("cash", D("0.01")),)
    partly = (TenderBalance("upi", D(100), D(100)), TenderBalance("cash", D(50), D(0)))
    assert split_refund(D(50), partly) == (AppliedPayment("cash", D(50)),)
    with pytest.raises(Conflict, match=r"Only 50.00 was paid and not yet refunded"):
        split_refund(D(51), partly)
    assert split_refund(D(0), balances) == ()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["cash", "upi", "card", "credit"]),
            st.decimals(min_value=0, max_value=D(10_000), places=2),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0],
    ),
    st.data(),
)
def test_split_refund_adds_up_exactly(pairs, data) -> None:
    balances = tuple(TenderBalance(m, paid, D(0)) for m, paid in pairs)
    available = sum((paid for _, paid in pairs), D(0))
    amount = data.draw(st.decimals(min_value=0, max_value=available, places=2))
    shares = split_refund(amount, balances)
    assert sum((s.amount for s in shares), D(0)) == amount
    paid = dict(pairs)
    for share in shares:
        assert D(0) < share.amount <= paid[share.method]
    if amount == available:
        assert {s.method: s.amount for s in shares} == {m: p for m, p in pairs if p > 0}


def test_a_request_without_a_receipt_has_no_bill_number() -> None:
    from uuid import uuid4

    request = ReturnRequest(uuid4(), "  ", [], refund_method=" Original ", reason=" torn ")
    assert request.without_receipt and request.refund_method == "original"
    assert request.reason == "torn" and request.lines == ()
