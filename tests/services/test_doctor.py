"""`posterm doctor` notices every broken invariant, and names it."""

from __future__ import annotations

import uuid
from decimal import Decimal

from posterm.data.models import (
    AuditEvent,
    CreditEntry,
    Customer,
    Payment,
    Product,
    Sale,
    StockMovement,
)
from posterm.services import settings
from posterm.services.doctor import run_checks


def failures() -> dict[str, list[str]]:
    return {check.name: check.problems for check in run_checks() if not check.ok}


def test_a_fresh_store_is_healthy(owner):
    assert failures() == {}


def test_stock_cache_that_disagrees_with_its_ledger(owner):
    product = Product.create(
        code="A1", name="Atta", search_name="atta", price=Decimal(50), stock=Decimal(10)
    )
    StockMovement.create(
        product=product,
        kind="opening",
        quantity=Decimal(10),
        stock_after=Decimal(10),
        user=owner.user_id,
    )
    assert failures() == {}
    Product.update(stock=Decimal("9.5")).execute()
    assert failures() == {
        "stock equals the stock ledger": ["product A1: cached 9.500 but the ledger sums to 10.000"]
    }


def test_credit_balance_and_chain(owner):
    customer = Customer.create(code="C1", name="Ravi", search_name="ravi", balance=Decimal(150))
    CreditEntry.create(
        customer=customer,
        kind="sale",
        amount=Decimal(100),
        balance_after=Decimal(100),
        user=owner.user_id,
    )
    CreditEntry.create(
        customer=customer,
        kind="sale",
        amount=Decimal(50),
        balance_after=Decimal(140),
        user=owner.user_id,
    )
    problems = failures()
    assert list(problems) == ["credit ledger running balances chain"]
    assert "expected 150.0000" in problems["credit ledger running balances chain"][0]


def _sale(owner, sequence: int, total: Decimal, paid: Decimal) -> Sale:
    sale = Sale.create(
        uuid=uuid.uuid4(),
        bill_number=f"B-{sequence}",
        series="B-NNN",
        sequence=sequence,
        terminal="t",
        user=owner.user_id,
        prices_include_tax=True,
        subtotal=total,
        total=total,
    )
    Payment.create(sale=sale, user=owner.user_id, method="cash", amount=paid)
    return sale


def test_sales_totals_payments_and_bill_gaps(owner):
    _sale(owner, 1, Decimal(0), Decimal(0))
    _sale(owner, 3, Decimal(0), Decimal(5))
    problems = failures()
    assert problems["bill numbers are unique and gap-free"] == [
        "series B-NNN: numbers run 1..3 but only 2 exist (a gap)"
    ]
    assert problems["payments cover each sale"] == [
        "sale B-3: total 0.0000 but payments add up to 5.0000"
    ]


def test_tampered_or_deleted_audit_events_are_named(owner):
    settings.set_setting(owner, "store_phone", "98765 43210")
    settings.set_setting(owner, "store_phone", "98765 00000")
    assert failures() == {}
    events = list(AuditEvent.select().order_by(AuditEvent.id))
    target = events[-2]
    AuditEvent.update(details='{"new": "1"}').where(AuditEvent.id == target.id).execute()
    assert failures()["audit log chain is unbroken"] == [
        f"audit event {target.id} (setting.set) was changed after it was written"
    ]
    AuditEvent.delete().where(AuditEvent.id == target.id).execute()
    assert "does not follow event" in failures()["audit log chain is unbroken"][0]
