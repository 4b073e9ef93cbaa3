"""Pure credit rules: phone spelling, oldest-debt-first ageing (hypothesis), reminder, slips."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posterm.domain.credit import (
    LedgerEntry,
    PaymentSlip,
    Statement,
    StoreHeading,
    age,
    open_debts,
    payment_document,
    reminder_text,
    statement_document,
    statement_rows,
)
from posterm.domain.customers import CustomerForm, CustomerInvalid, check_customer
from posterm.domain.errors import ValidationError
from posterm.domain.phones import normalise_phone
from posterm.domain.receipt import render_text

D = Decimal


@pytest.mark.parametrize(
    "typed", ["9876543210", "98765 43210", "+91 98765-43210", "098765 43210", "0091 9876543210"]
)
def test_one_number_is_spelled_one_way(typed):
    assert normalise_phone(typed) == "9876543210"


def test_foreign_numbers_keep_their_country_and_junk_is_refused():
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"
    assert normalise_phone("  ") is None
    with pytest.raises(ValidationError, match="phone: 'call me' is not a phone number"):
        normalise_phone("call me")
    with pytest.raises(ValidationError, match="6 to 15 digits"):
        normalise_phone("12345")


def test_a_customer_form_names_every_bad_field():
    with pytest.raises(CustomerInvalid) as caught:
        check_customer(
            CustomerForm(name=" ", phone="12", email="x@", credit_limit="-5", status="gone"),
            D(2000),
        )
    assert set(caught.value.errors) == {"name", "phone", "email", "credit_limit", "status"}
    fields = check_customer(CustomerForm(name="  Asha   Devi ", phone="+91 99887 76655"), D(2000))
    assert (fields.name, fields.phone, fields.credit_limit) == ("Asha Devi", "9988776655", D(2000))


DAY = date(2026, 1, 1)
amounts = st.decimals(min_value=D("-500"), max_value=D("500"), places=2).filter(lambda x: x != 0)
ledgers = st.lists(st.tuples(st.integers(0, 200), amounts), max_size=40).map(
    lambda rows: [(DAY + timedelta(days=d), a) for d, a in sorted(rows, key=lambda r: r[0])]
)


@given(ledgers)
def test_payments_pay_the_oldest_debts_first(entries):
    debts, advance = open_debts(entries)
    balance = sum((a for _d, a in entries), D(0))
    unpaid = sum((debt.unpaid for debt in debts), D(0))
    # What is unpaid is exactly the balance, or an advance is held; never both.
    assert unpaid - advance == balance
    assert unpaid == 0 or advance == 0
    # Only the oldest open debt may be partly paid; the newer ones are untouched.
    assert all(debt.unpaid == debt.amount for debt in debts[1:])
    assert all(0 < debt.unpaid <= debt.amount for debt in debts)
    # The open debts are the newest debits: the ones after them were all made later.
    all_debits = [(d, a) for d, a in entries if a > 0]
    assert [(debt.day, debt.amount) for debt in debts] == all_debits[len(all_debits) - len(debts) :]


@given(ledgers, st.integers(0, 400))
def test_the_buckets_add_up_to_what_is_owed(entries, days_later):
    today = DAY + timedelta(days=days_later)
    aged = age(entries, today)
    balance = sum((a for _d, a in entries), D(0))
    assert aged.total == max(balance, D(0))
    assert aged.advance == max(-balance, D(0))
    if aged.total:
        assert aged.oldest is not None


def test_ageing_buckets_by_day():
    entries = [
        (date(2026, 1, 1), D(100)),  # 120 days old
        (date(2026, 3, 1), D(50)),  # 61 days
        (date(2026, 4, 1), D(30)),  # 30 days
        (date(2026, 4, 20), D(-120)),  # pays the January debt and 20 of March's
    ]
    aged = age(entries, date(2026, 5, 1))
    assert aged.buckets == (D(30), D(0), D(30), D(0))
    assert aged.oldest == date(2026, 3, 1)


def test_reminder_names_the_amount_the_day_and_the_shop():
    text = reminder_text(
        "Ramesh", D("1250.50"), date(2026, 3, 4), "Gupta Kirana", "98290 11111", "₹"
    )
    assert "Ramesh" in text and "₹1,250.50" in text and "04 Mar 2026" in text
    assert "Gupta Kirana" in text and "98290 11111" in text


def _entry(n: int, kind: str, amount: str, after: str) -> LedgerEntry:
    return LedgerEntry(n, datetime(2026, 3, n), kind, D(amount), D(after), f"REF{n}", "", "owner")


def test_statement_and_payment_slip_fit_the_roll():
    statement = Statement(
        "Ramesh Gupta",
        "C0001",
        "9876543210",
        date(2026, 3, 1),
        date(2026, 3, 31),
        D("100.00"),
        (_entry(2, "sale", "250.00", "350.00"), _entry(5, "payment", "-300.00", "50.00")),
        D("50.00"),
        age([(date(2026, 3, 2), D(50))], date(2026, 3, 31)),
    )
    store = StoreHeading("Gupta Kirana", "MI Road, Jaipur", "98290 11111")
    for columns in (32, 42, 48):
        doc = statement_document(statement, store, columns)
        assert all(line.width <= columns for line in doc.lines)
    text = render_text(statement_document(statement, store, 42))
    assert "Opening balance" in text and "CLOSING" in text and "50.00" in text
    rows = statement_rows(statement)
    assert rows[0] == ["date", "kind", "reference", "note", "debit", "credit", "balance"]
    assert rows[2][4:] == ["250.00", "", "350.00"] and rows[3][4:] == ["", "300.00", "50.00"]
    assert rows[-1][1:] == ["closing", "", "", "", "", "50.00"]

    slip = PaymentSlip(
        "PAY-7",
        datetime(2026, 3, 5, 10, 0),
        "Ramesh Gupta",
        "C0001",
        "upi",
        D(300),
        "T123",
        D(350),
        D(50),
        "Asha",
    )
    text = render_text(payment_document(slip, store, 32))
    assert "PAYMENT RECEIVED" in text and "Paid (UPI) T123" in text and "50.00" in text
