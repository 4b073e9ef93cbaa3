"""`posterm doctor`: proves the ledgers, the documents and the audit chain agree.

Conventions checked here (the checkout, returns and credit services keep them):
- product.stock is the sum of its stock movements; customer.balance, supplier.balance and
  customer.loyalty_points are the sums of their ledgers, and each entry's balance_after is the
  running sum up to it;
- a sale's total is its lines plus round-off, and its subtotal less discounts plus tax (when
  prices exclude tax) plus round-off; its payments (in less out, a credit tender included) add
  up to the total; returns and voids carry negative amounts;
- bill numbers run 1, 2, 3 ... within each series with no gap;
- a sale line's batch draws (FIFO cost) add up to its quantity and cost, and no batch holds
  less than nothing or more than it received;
- every audit event links to the hash of the one before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from peewee import JOIN, Case, fn

from posterm.data.fields import scaled, sum_of
from posterm.data.models import (
    Batch,
    CreditEntry,
    Customer,
    LoyaltyEntry,
    Payment,
    Product,
    Sale,
    SaleLine,
    SaleLineBatch,
    StockMovement,
    Supplier,
    SupplierEntry,
)
from posterm.data.schema import schema_status
from posterm.services import audit
from posterm.services.system import current_database

MAX_LINES_PER_CHECK = 20


@dataclass
class CheckResult:
    name: str
    problems: list[str] = field(default_factory=list)
    more: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_LINES_PER_CHECK:
            self.problems.append(problem)
        else:
            self.more += 1


def run_checks() -> list[CheckResult]:
    checks: list[tuple[str, Callable[[CheckResult], None]]] = [
        ("schema is current", _schema),
        ("stock equals the stock ledger", _stock),
        ("customer balances equal the credit ledger", _customer_balances),
        ("credit ledger running balances chain", _credit_chain),
        ("supplier balances equal their ledger", _supplier_balances),
        ("loyalty points equal their ledger", _loyalty),
        ("sale totals add up", _sale_totals),
        ("payments cover each sale", _sale_payments),
        ("bill numbers are unique and gap-free", _bill_numbers),
        ("batch draws match their lines and batches", _batch_draws),
        ("audit log chain is unbroken", _audit_chain),
    ]
    results = []
    for name, check in checks:
        result = CheckResult(name)
        check(result)
        results.append(result)
    return results


def _schema(result: CheckResult) -> None:
    status = schema_status(current_database())
    for name in status.pending:
        result.add(f"migration {name} is not applied (run `posterm db upgrade`)")
    for name in status.unknown:
        result.add(f"migration {name} comes from a newer posterm")


def _compare(result: CheckResult, rows: Iterable[tuple], what: str) -> None:
    for label, cached, ledger in rows:
        if Decimal(cached) != Decimal(ledger):
            result.add(f"{what} {label}: cached {cached} but the ledger sums to {ledger}")


def _stock(result: CheckResult) -> None:
    ledger = (
        StockMovement.select(StockMovement.product, sum_of(StockMovement.quantity).alias("total"))
        .group_by(StockMovement.product)
        .alias("ledger")
    )
    query = (
        Product.select(Product.code, Product.stock, scaled(ledger.c.total, Product.stock))
        .join(ledger, JOIN.LEFT_OUTER, on=(ledger.c.product_id == Product.id))
        .where(Product.stock != fn.COALESCE(ledger.c.total, 0))
        .tuples()
    )
    _compare(
        result,
        query,
        "product",
    )


def _ledger_balances(
    result: CheckResult, owner, cache_field, entry_model, entry_owner, amount_field, what: str
) -> None:
    ledger = (
        entry_model.select(entry_owner, fn.SUM(amount_field).alias("total"))
        .group_by(entry_owner)
        .alias("ledger")
    )
    query = (
        owner.select(owner.id, owner.name, cache_field, scaled(ledger.c.total, cache_field))
        .join(ledger, JOIN.LEFT_OUTER, on=(getattr(ledger.c, entry_owner.column_name) == owner.id))
        .where(cache_field != fn.COALESCE(ledger.c.total, 0))
        .tuples()
    )
    _compare(
        result,
        ((f"{row_id} ({name})", cached, total) for row_id, name, cached, total in query),
        what,
    )


def _customer_balances(result: CheckResult) -> None:
    _ledger_balances(
        result,
        Customer,
        Customer.balance,
        CreditEntry,
        CreditEntry.customer,
        CreditEntry.amount,
        "customer",
    )


def _supplier_balances(result: CheckResult) -> None:
    _ledger_balances(
        result,
        Supplier,
        Supplier.balance,
        SupplierEntry,
        SupplierEntry.supplier,
        SupplierEntry.amount,
        "supplier",
    )


def _loyalty(result: CheckResult) -> None:
    _ledger_balances(
        result,
        Customer,
        Customer.loyalty_points,
        LoyaltyEntry,
        LoyaltyEntry.customer,
        LoyaltyEntry.points,
        "loyalty of customer",
    )


def _chain(result: CheckResult, model, owner_field, amount_field, what: str) -> None:
    running: dict[int, Decimal] = {}
    query = (
        model.select(model.id, owner_field, amount_field, model.balance_after)
        .order_by(owner_field, model.id)
        .tuples()
        .iterator()
    )
    for entry_id, owner_id, amount, balance_after in query:
        # Selected model fields come back converted (Decimal); only bare expressions do not.
        expected = running.get(owner_id, Decimal(0)) + amount
        after = balance_after
        if after != expected:
            result.add(f"{what} entry {entry_id}: balance_after {after}, expected {expected}")
        running[owner_id] = after


def _credit_chain(result: CheckResult) -> None:
    _chain(result, CreditEntry, CreditEntry.customer, CreditEntry.amount, "credit")
    _chain(result, SupplierEntry, SupplierEntry.supplier, SupplierEntry.amount, "supplier")
    _chain(result, LoyaltyEntry, LoyaltyEntry.customer, LoyaltyEntry.points, "loyalty")


def _sale_totals(result: CheckResult) -> None:
    lines = (
        SaleLine.select(SaleLine.sale, fn.SUM(SaleLine.line_total).alias("lines"))
        .group_by(SaleLine.sale)
        .alias("lines")
    )
    tax_added = Case(None, [(Sale.prices_include_tax, 0)], Sale.tax_total)
    query = (
        Sale.select(
            Sale.bill_number,
            Sale.total,
            scaled(lines.c.lines, Sale.total),
            scaled(Sale.subtotal - Sale.discount_total + tax_added + Sale.round_off, Sale.total),
        )
        .join(lines, JOIN.LEFT_OUTER, on=(lines.c.sale_id == Sale.id))
        .where(
            (Sale.total != fn.COALESCE(lines.c.lines, 0) + Sale.round_off)
            | (Sale.total != Sale.subtotal - Sale.discount_total + tax_added + Sale.round_off)
        )
        .tuples()
    )
    for bill, total, line_sum, parts in query:
        result.add(
            f"sale {bill}: total {total}, lines {line_sum}, subtotal-discount+tax+round-off {parts}"
        )


def _sale_payments(result: CheckResult) -> None:
    signed = Case(None, [(Payment.direction == "out", Payment.amount * -1)], Payment.amount)
    paid = (
        Payment.select(Payment.sale, fn.SUM(signed).alias("paid"))
        .where(Payment.sale.is_null(False))
        .group_by(Payment.sale)
        .alias("paid")
    )
    query = (
        Sale.select(Sale.bill_number, Sale.total, scaled(paid.c.paid, Sale.total))
        .join(paid, JOIN.LEFT_OUTER, on=(paid.c.sale_id == Sale.id))
        .where(Sale.total != fn.COALESCE(paid.c.paid, 0))
        .tuples()
    )
    for bill, total, tendered in query:
        result.add(f"sale {bill}: total {total} but payments add up to {tendered}")


def _batch_draws(result: CheckResult) -> None:
    drawn = (
        SaleLineBatch.select(
            SaleLineBatch.sale_line,
            fn.SUM(SaleLineBatch.quantity).alias("quantity"),
            fn.SUM(SaleLineBatch.cost_total).alias("cost"),
        )
        .group_by(SaleLineBatch.sale_line)
        .alias("drawn")
    )
    lines = (
        SaleLine.select(
            Sale.bill_number,
            SaleLine.line_no,
            SaleLine.quantity,
            scaled(drawn.c.quantity, SaleLine.quantity),
            SaleLine.cost_total,
            scaled(drawn.c.cost, SaleLine.cost_total),
        )
        .join(drawn, on=(drawn.c.sale_line_id == SaleLine.id))
        .switch(SaleLine)
        .join(Sale)
        .where((SaleLine.quantity != drawn.c.quantity) | (SaleLine.cost_total != drawn.c.cost))
        .tuples()
    )
    for bill, line_no, quantity, quantity_drawn, cost, cost_drawn in lines:
        result.add(
            f"sale {bill} line {line_no}: quantity {quantity} and cost {cost}, "
            f"but its batch draws add up to {quantity_drawn} and {cost_drawn}"
        )
    batches = (
        Batch.select(Batch.id, Batch.quantity_received, Batch.quantity_remaining)
        .where(
            (Batch.quantity_remaining < 0) | (Batch.quantity_remaining > Batch.quantity_received)
        )
        .tuples()
    )
    for batch_id, received, left in batches:
        result.add(f"batch {batch_id}: {left} left of {received} received")


def _bill_numbers(result: CheckResult) -> None:
    query = (
        Sale.select(
            Sale.series,
            fn.MIN(Sale.sequence),
            fn.MAX(Sale.sequence),
            fn.COUNT(Sale.id),
            fn.COUNT(Sale.sequence.distinct()),
        )
        .group_by(Sale.series)
        .tuples()
    )
    for series, first, last, count, distinct in query:
        if distinct != count:
            result.add(f"series {series}: {count - distinct} bill numbers used twice")
        if first != 1 or last - first + 1 != distinct:
            result.add(
                f"series {series}: numbers run {first}..{last} but only {distinct} exist (a gap)"
            )


def _audit_chain(result: CheckResult) -> None:
    broken = audit.first_broken_link()
    if broken:
        result.add(broken)
