"""Tests for posterm.domain.sale: how tenders settle a bill, and the payment-method setting."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posterm.domain.errors import ValidationError
from posterm.domain.sale import (
    AppliedPayment,
    Tender,
    allocate_tenders,
    parse_tender_methods,
    tender_methods,
)
from posterm.domain.store_settings import StoreSettings, spec_for

D = Decimal


def test_cash_over_the_total_gives_change() -> None:
    result = allocate_tenders(D("174.00"), [Tender("Cash ", D(500))], customer_attached=False)
    assert result.payments == (AppliedPayment("cash", D("174.00"), D(500)),)
    assert (result.change, result.credit_amount, result.tendered_total) == (D(326), 0, D(500))
    assert result.paid_now == D(174)


def test_non_cash_first_then_cash_whatever_the_order() -> None:
    a = allocate_tenders(
        D(300), [Tender("cash", D(500)), Tender("upi", D(100))], customer_attached=False
    )
    b = allocate_tenders(
        D(300), [Tender("upi", D(100)), Tender("cash", D(500))], customer_attached=False
    )
    assert a == b
    assert a.payments == (AppliedPayment("upi", D(100)), AppliedPayment("cash", D(200), D(500)))
    assert a.change == D(300)


def test_shortfall_goes_on_credit_only_with_a_customer() -> None:
    with pytest.raises(ValidationError, match=r"tendered 100\.00 less than due 300\.00"):
        allocate_tenders(D(300), [Tender("cash", D(100))], customer_attached=False)
    result = allocate_tenders(D(300), [Tender("cash", D(100))], customer_attached=True)
    assert result.payments[-1] == AppliedPayment("credit", D(200))
    assert result.credit_amount == D(200)
    with pytest.raises(ValidationError, match="attach a customer"):
        allocate_tenders(D(300), [Tender("credit", D(300))], customer_attached=False)


@pytest.mark.parametrize(
    ("tenders", "message"),
    [
        ([Tender("card", D(301))], "card 301.00 is more than the 300.00 still due"),
        ([Tender("upi", D(300)), Tender("cash", D(10))], "nothing is left to pay in cash"),
        ([Tender("cash", D(0))], "more than zero"),
        ([Tender("cash", D("-5"))], "more than zero"),
        ([Tender("cash", D("10.005"))], "at most 2 decimal places"),
        ([Tender("cash", D("NaN"))], "not a number"),
        ([Tender("cheque", D(300))], "'cheque' is not accepted"),
    ],
)
def test_bad_tenders_are_refused(tenders, message) -> None:
    with pytest.raises(ValidationError, match=message):
        allocate_tenders(D(300), tenders, customer_attached=True)


def test_a_float_amount_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        allocate_tenders(D(10), [Tender("cash", 10.0)], customer_attached=False)  # type: ignore[arg-type]


def test_extra_methods_setting() -> None:
    assert parse_tender_methods(" bKash, yape,,UPI, bkash ") == ("bkash", "yape")
    assert tender_methods("yape") == ("cash", "upi", "card", "credit", "yape")
    with pytest.raises(ValidationError, match="extra_tender_methods"):
        parse_tender_methods("pay pal")
    spec = spec_for("extra_tender_methods")
    assert spec.to_text(spec.parse("Yape, bkash")) == "yape,bkash"
    assert StoreSettings.from_texts({}).extra_tender_methods == ""


amounts = st.decimals(min_value=D("0.01"), max_value=D(5000), places=2)


@given(
    total=st.decimals(min_value=D(0), max_value=D(5000), places=2),
    upi=st.one_of(st.none(), amounts),
    cash=st.one_of(st.none(), amounts),
)
def test_payments_always_add_up_to_the_total(total, upi, cash) -> None:
    tenders = [Tender(m, a) for m, a in (("upi", upi), ("cash", cash)) if a is not None]
    try:
        result = allocate_tenders(total, tenders, customer_attached=True)
    except ValidationError:
        return
    assert sum((p.amount for p in result.payments), D(0)) == total
    assert result.tendered_total - result.change + result.credit_amount == total
    assert all(p.amount > 0 for p in result.payments)
