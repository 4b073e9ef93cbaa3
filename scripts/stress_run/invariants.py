"""The invariants every scenario ends on: `posterm doctor`, plus what a crash could break.

The doctor proves the ledgers and documents agree (stock and balances equal their ledgers,
sales add up, bill numbers unique and gap-free, the audit chain). A partial sale is checked
here as well, though a half-written one would already fail the doctor's sums: every sale has
its lines, a stock movement per line, and its credit entry when part of it went on credit.
With negative stock off, no product and no movement ever shows less than nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from peewee import JOIN, fn

from posterm.data.models import CreditEntry, Product, Sale, SaleLine, StockMovement
from posterm.services.doctor import run_checks


def violations() -> list[str]:
    """Every broken invariant of the open store, one line each (empty when all hold)."""
    found = []
    for check in run_checks():
        found.extend(f"doctor: {check.name}: {problem}" for problem in check.problems)
        if check.more:
            found.append(f"doctor: {check.name}: {check.more} more problems")
    found.extend(_partial_sales())
    found.extend(_negative_stock())
    return found


def missing_sales(reported: Iterable[tuple[int, str]]) -> list[str]:
    """Sales a till was told were committed, as (sale id, cart UUID), that are not stored."""
    wanted = {sale_id: str(cart) for sale_id, cart in reported}
    stored: dict[int, str] = {}
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        query = Sale.select(Sale.id, Sale.uuid).where(Sale.id.in_(ids[start : start + 500]))
        stored.update((sale_id, str(uuid)) for sale_id, uuid in query.tuples())
    found = []
    for sale_id, cart in wanted.items():
        if sale_id not in stored:
            found.append(f"sale {sale_id} (cart {cart}) was reported committed but is not stored")
        elif stored[sale_id] != cart:
            found.append(f"sale {sale_id} was reported for cart {cart} but is {stored[sale_id]}'s")
    return found


def _partial_sales() -> list[str]:
    lines = (
        SaleLine.select(SaleLine.sale, fn.COUNT(SaleLine.id).alias("n"))
        .group_by(SaleLine.sale)
        .alias("lines")
    )
    moves = (
        StockMovement.select(StockMovement.sale, fn.COUNT(StockMovement.id).alias("n"))
        .where(StockMovement.sale.is_null(False))
        .group_by(StockMovement.sale)
        .alias("moves")
    )
    credit = (
        CreditEntry.select(CreditEntry.sale, fn.COUNT(CreditEntry.id).alias("n"))
        .where(CreditEntry.sale.is_null(False))
        .group_by(CreditEntry.sale)
        .alias("credit")
    )
    query = (
        Sale.select(
            Sale.bill_number,
            Sale.kind,
            Sale.credit_amount,
            fn.COALESCE(lines.c.n, 0),
            fn.COALESCE(moves.c.n, 0),
            fn.COALESCE(credit.c.n, 0),
        )
        .join(lines, JOIN.LEFT_OUTER, on=(lines.c.sale_id == Sale.id))
        .join(moves, JOIN.LEFT_OUTER, on=(moves.c.sale_id == Sale.id))
        .join(credit, JOIN.LEFT_OUTER, on=(credit.c.sale_id == Sale.id))
        .tuples()
    )
    found = []
    for bill, kind, credit_amount, line_count, move_count, credit_count in query:
        if line_count == 0:
            found.append(f"{kind} {bill} has no lines")
        # A sale moves stock for each line; a return only for what went back on the shelf.
        if kind == "sale" and move_count != line_count:
            found.append(f"sale {bill}: {line_count} lines but {move_count} stock movements")
        if kind == "sale" and (credit_amount > 0) != (credit_count > 0):
            found.append(f"sale {bill}: credit {credit_amount} but {credit_count} credit entries")
    return found


def _negative_stock() -> list[str]:
    found = [
        f"product {code} has stock {stock} (negative stock is off)"
        for code, stock in Product.select(Product.code, Product.stock)
        .where(Product.stock < 0)
        .tuples()
    ]
    below = StockMovement.select(fn.COUNT(StockMovement.id)).where(StockMovement.stock_after < 0)
    count = below.scalar()
    if count:
        found.append(f"{count} stock movements left a product below zero")
    return found
