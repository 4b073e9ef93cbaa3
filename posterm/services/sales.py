"""The sales journal: sales, returns and voids listed page by page, and one document in full.

Lists never load years of sales at once: they filter in SQL and return one page, newest first.
Days are the store's local days (setting `timezone`); returns and voids list with their
(negative) totals next to the bills they reverse.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from peewee import JOIN

from posterm.data.models import Customer, Sale, User
from posterm.domain.errors import NotFound, ValidationError
from posterm.domain.money import quantize_money
from posterm.domain.returns import SaleDetail, SaleSummary
from posterm.services.checkout import CURRENCY_PLACES, get_sale
from posterm.services.settings import load_settings

MAX_PAGE = 500
Original = Sale.alias("original")  # the sale a return or void reverses


def list_sales(
    *,
    day_from: date | None = None,
    day_to: date | None = None,
    bill_number: str | None = None,
    customer_id: int | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[SaleSummary]:
    """One page of documents, newest first.

    `day_from`/`day_to` are local days, both included; either alone bounds one side. With no
    filter at all the list is today's; a bill number (any part of it, any case) or a customer
    searches every day unless days are given too. `kind` is "sale", "return" or "void".
    """
    _check_page(limit, offset)
    zone = ZoneInfo(load_settings().timezone)
    searching = bill_number is not None or customer_id is not None
    if day_from is None and day_to is None and not searching:
        day_from = day_to = datetime.now(zone).date()
    if day_from is not None and day_to is not None and day_from > day_to:
        raise ValidationError("day_to", "the last day comes before the first")
    query = _summaries()
    if day_from is not None:
        query = query.where(Sale.created_at >= _start_of(day_from, zone))
    if day_to is not None:
        query = query.where(Sale.created_at < _start_of(day_to + timedelta(days=1), zone))
    if bill_number is not None and bill_number.strip():
        query = query.where(Sale.bill_number.contains(bill_number.strip()))
    if customer_id is not None:
        query = query.where(Sale.customer == customer_id)
    if kind is not None:
        if kind not in ("sale", "return", "void"):
            raise ValidationError("kind", "must be sale, return or void")
        query = query.where(Sale.kind == kind)
    query = query.order_by(Sale.created_at.desc(), Sale.id.desc()).limit(limit).offset(offset)
    return _rows(query, zone)


def unprinted_sales(limit: int = 50) -> list[SaleSummary]:
    """Documents whose receipt never printed (a printer failure), newest first."""
    _check_page(limit, 0)
    zone = ZoneInfo(load_settings().timezone)
    query = (
        _summaries()
        .where(Sale.printed == False)  # noqa: E712 (SQL, not Python truthiness)
        .order_by(Sale.created_at.desc(), Sale.id.desc())
        .limit(limit)
    )
    return _rows(query, zone)


def sale_detail(bill_number: str) -> SaleDetail:
    """A document by number with its relations: for a sale, its returns and void (oldest
    first); for a return or void, the sale it reverses. NotFound for an unknown number."""
    wanted = bill_number.strip()
    row = Sale.get_or_none(Sale.bill_number == wanted.upper()) or Sale.get_or_none(
        Sale.bill_number == wanted
    )
    if row is None:
        raise NotFound(f"No bill numbered '{wanted}'.")
    zone = ZoneInfo(load_settings().timezone)
    original = None
    if row.original_id is not None:
        found = _rows(_summaries().where(Sale.id == row.original_id), zone)
        original = found[0] if found else None
    reversals = _rows(_summaries().where(Sale.original == row.id).order_by(Sale.id), zone)
    return SaleDetail(sale=get_sale(row.id), original=original, reversals=tuple(reversals))


# --- helpers -----------------------------------------------------------------------------------


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _summaries():
    return (
        Sale.select(
            Sale.id,
            Sale.bill_number,
            Sale.kind,
            Sale.created_at,
            Sale.total,
            Sale.printed,
            User.username,
            User.full_name,
            Customer.name,
            Original.bill_number.alias("original_bill_number"),
        )
        .join(User, on=(Sale.user == User.id))
        .switch(Sale)
        .join(Customer, JOIN.LEFT_OUTER, on=(Sale.customer == Customer.id))
        .switch(Sale)
        .join(Original, JOIN.LEFT_OUTER, on=(Sale.original == Original.id))
    )


def _rows(query, zone: ZoneInfo) -> list[SaleSummary]:
    return [_summary(row, zone) for row in query.dicts()]


def _summary(row: dict, zone: ZoneInfo) -> SaleSummary:
    return SaleSummary(
        id=row["id"],
        bill_number=row["bill_number"],
        kind=row["kind"],
        sold_at_local=row["created_at"].astimezone(zone),
        cashier=row["full_name"] or row["username"],
        customer_name=row["name"] or "",
        total=_short(row["total"]),
        printed=row["printed"],
        original_bill_number=row["original_bill_number"] or "",
    )


def _short(value: Decimal) -> Decimal:
    """A stored amount at the currency's places when that loses nothing (174.0000 -> 174.00)."""
    short = quantize_money(value, CURRENCY_PLACES)
    return short if short == value else value
