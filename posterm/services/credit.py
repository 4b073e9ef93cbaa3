"""The udhaar ledger: who owes what, payments, adjustments and write-offs, ageing, statements
and reminders (DESIGN.md, principle 3: the ledger is the truth, `customer.balance` its cache).

Every change runs in one write transaction that first locks the customer row (checkout's lock
order: customer, then counters), reads the balance from the ledger's last entry and writes the
new entry with its balance_after together with the cache. Credit sales, returns and voids are
written by checkout and returns; this module writes payments and adjustments.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from peewee import JOIN, fn

from posterm.data.counters import open_shift
from posterm.data.database import for_update, write_transaction
from posterm.data.fields import sum_of, utc_now
from posterm.data.models import CreditEntry, Customer, Payment, User
from posterm.domain.credit import (
    Ageing,
    LedgerEntry,
    PaymentSlip,
    Statement,
    StoreHeading,
    age,
    reminder_text,
    statement_rows,
)
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.money import MAX_MONEY, exact_context, format_money, parse_money, quantize_money
from posterm.domain.permissions import Actor, Permission
from posterm.domain.sale import CASH, CREDIT, tender_methods
from posterm.domain.store_settings import StoreSettings
from posterm.services import audit
from posterm.services.settings import load_settings

PLACES = 2
MAX_PAGE = 200
SORTS = ("amount", "oldest", "name")
ADJUSTMENT = "adjustment"
WRITE_OFF = "write_off"


@dataclass(frozen=True)
class CustomerBalance:
    """A customer on the credit list: what they owe (negative: an advance) and since when."""

    id: int
    code: str
    name: str
    phone: str
    status: str
    balance: Decimal
    credit_limit: Decimal
    oldest_unpaid: date | None  # local day of the oldest debt not yet paid


@dataclass(frozen=True)
class BalanceTotals:
    customers: int  # customers who owe something
    owed: Decimal
    advances: Decimal  # held for customers who paid ahead
    advance_customers: int


# --- reading ---------------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(load_settings().timezone)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")


def _customer(customer_id: object) -> Customer:
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        raise NotFound(f"No customer with id {customer_id!r}.")
    customer = Customer.get_or_none((Customer.id == customer_id) & Customer.deleted_at.is_null())
    if customer is None:
        raise NotFound(f"No customer with id {customer_id}.")
    return customer


def customer_balances(
    sort: str = "amount", limit: int = 50, offset: int = 0
) -> list[CustomerBalance]:
    """One page of the customers who owe something or hold an advance.

    `sort`: "amount" (most owed first), "oldest" (oldest unpaid debt first), "name".
    The oldest unpaid debt is found in SQL: payments pay the oldest debts first, so what is
    unpaid is the newest debts adding up to the balance, and the oldest of those is the debit
    whose running total (newest first) first reaches the balance.
    """
    if sort not in SORTS:
        raise ValidationError("sort", f"must be one of {', '.join(SORTS)}")
    _check_page(limit, offset)
    listed = Customer.deleted_at.is_null() & (Customer.balance != 0)
    orders = {
        "amount": (Customer.balance.desc(), Customer.search_name, Customer.id),
        "name": (Customer.search_name, Customer.id),
    }
    if sort in orders:
        # The page is known from the customer rows alone: read only its customers' debits.
        page = Customer.select(Customer.id).where(listed).order_by(*orders[sort])
        scope = [row.id for row in page.limit(limit).offset(offset)]
        if not scope:
            return []
    else:
        scope = Customer.select(Customer.id).where(listed & (Customer.balance > 0))
    running = fn.SUM(CreditEntry.amount).over(
        partition_by=[CreditEntry.customer], order_by=[CreditEntry.id.desc()]
    )
    debits = (
        CreditEntry.select(
            CreditEntry.id.alias("entry_id"),
            CreditEntry.customer.alias("customer_id"),
            CreditEntry.created_at.alias("made_at"),
            CreditEntry.amount.alias("amount"),
            running.alias("running"),
        )
        .where((CreditEntry.amount > 0) & CreditEntry.customer.in_(scope))
        .alias("debits")
    )
    oldest = (
        (debits.c.customer_id == Customer.id)
        & (debits.c.running >= Customer.balance)
        & (debits.c.running - debits.c.amount < Customer.balance)
    )
    query = (
        Customer.select(Customer, debits.c.entry_id.alias("oldest_entry"))
        .join(debits, JOIN.LEFT_OUTER, on=oldest)
        .where(listed)
    )
    if sort in orders:
        query = query.where(Customer.id.in_(scope)).order_by(*orders[sort])
    else:
        query = (
            query.order_by(debits.c.made_at.asc(nulls="LAST"), Customer.balance.desc(), Customer.id)
            .limit(limit)
            .offset(offset)
        )
    rows = list(query.objects())
    entry_ids = [row.oldest_entry for row in rows if row.oldest_entry is not None]
    made = {
        entry.id: entry.created_at
        for entry in CreditEntry.select(CreditEntry.id, CreditEntry.created_at).where(
            CreditEntry.id.in_(entry_ids or [0])
        )
    }
    zone = _zone()
    return [
        CustomerBalance(
            id=row.id,
            code=row.code,
            name=row.name,
            phone=row.phone or "",
            status=row.status,
            balance=_short(row.balance),
            credit_limit=_short(row.credit_limit),
            oldest_unpaid=(
                made[row.oldest_entry].astimezone(zone).date()
                if row.balance > 0 and row.oldest_entry in made
                else None
            ),
        )
        for row in rows
    ]


def balance_totals() -> BalanceTotals:
    live = Customer.deleted_at.is_null()
    owed = Customer.select(fn.COUNT(Customer.id), sum_of(Customer.balance)).where(
        live & (Customer.balance > 0)
    )
    ahead = Customer.select(fn.COUNT(Customer.id), sum_of(Customer.balance)).where(
        live & (Customer.balance < 0)
    )
    owing, owed_total = owed.tuples().get()
    advancing, advance_total = ahead.tuples().get()
    return BalanceTotals(owing, _short(owed_total), _short(-advance_total), advancing)


def ledger(customer_id: int, limit: int = 50, offset: int = 0) -> list[LedgerEntry]:
    """One page of the customer's credit ledger, newest first."""
    _check_page(limit, offset)
    _customer(customer_id)
    query = (
        _entries()
        .where(CreditEntry.customer == customer_id)
        .order_by(CreditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return _ledger_entries(query, _zone())


def _entries():
    return (
        CreditEntry.select(CreditEntry, Payment.method, Payment.reference, User.username)
        .join(Payment, JOIN.LEFT_OUTER, on=(CreditEntry.payment == Payment.id))
        .switch(CreditEntry)
        .join(User, on=(CreditEntry.user == User.id))
    )


def _ledger_entries(query, zone: ZoneInfo) -> list[LedgerEntry]:
    entries = []
    for row in query.objects():
        if row.kind == "payment":
            reference = (row.method or "").upper() if len(row.method or "") <= 4 else row.method
            if row.reference:
                reference = f"{reference} {row.reference}"
        else:
            reference = row.note if row.sale_id is not None else ""
        note = row.note if row.sale_id is None and row.kind != "payment" else ""
        entries.append(
            LedgerEntry(
                id=row.id,
                at=row.created_at.astimezone(zone),
                kind=row.kind,
                amount=_short(row.amount),
                balance_after=_short(row.balance_after),
                reference=reference or "",
                note=note,
                user=row.username,
            )
        )
    return entries


def ageing(customer_id: int, today: date | None = None) -> Ageing:
    """What the customer owes by age (0-30, 31-60, 61-90, 90+ days), oldest debt paid first."""
    _customer(customer_id)
    zone = _zone()
    return age(_dated_amounts(customer_id, zone), today or datetime.now(zone).date())


def ageing_before(customer_id: int, before: datetime, today: date) -> Ageing:
    """The ageing of what the customer owed from entries made before `before` (UTC), as it
    stood on local day `today`: a report's balances at the close of a past day."""
    return age(_dated_amounts(customer_id, _zone(), before), today)


def _dated_amounts(customer_id: int, zone: ZoneInfo, before: datetime | None = None):
    query = CreditEntry.select(CreditEntry.created_at, CreditEntry.amount).where(
        CreditEntry.customer == customer_id
    )
    if before is not None:
        query = query.where(CreditEntry.created_at < before)
    return [
        (at.astimezone(zone).date(), amount)
        for at, amount in query.order_by(CreditEntry.id).tuples()
    ]


def statement(customer_id: int, first_day: date, last_day: date) -> Statement:
    """The account between two local days (both included): opening, entries, closing, ageing."""
    if last_day < first_day:
        raise ValidationError("dates", "the last day comes before the first")
    customer = _customer(customer_id)
    zone = _zone()
    start = datetime.combine(first_day, time(), zone).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(), zone).astimezone(UTC)
    before = (
        CreditEntry.select(CreditEntry.balance_after)
        .where((CreditEntry.customer == customer.id) & (CreditEntry.created_at < start))
        .order_by(CreditEntry.created_at.desc(), CreditEntry.id.desc())
        .first()
    )
    opening = _short(before.balance_after) if before is not None else Decimal("0.00")
    entries = _ledger_entries(
        _entries()
        .where(
            (CreditEntry.customer == customer.id)
            & (CreditEntry.created_at >= start)
            & (CreditEntry.created_at < end)
        )
        .order_by(CreditEntry.created_at, CreditEntry.id),
        zone,
    )
    closing = entries[-1].balance_after if entries else opening
    return Statement(
        customer_name=customer.name,
        customer_code=customer.code,
        customer_phone=customer.phone or "",
        first_day=first_day,
        last_day=last_day,
        opening=opening,
        entries=tuple(entries),
        closing=closing,
        ageing=age(_dated_amounts(customer.id, zone, end), last_day),
    )


def statement_csv(account: Statement) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(statement_rows(account))
    return out.getvalue()


def write_statement_csv(account: Statement, path: Path) -> Path:
    """Writes the statement as CSV to `path` (a directory gets a file named after the customer)."""
    target = Path(path).expanduser()
    if target.is_dir():
        target = target / (
            f"statement-{account.customer_code}-{account.first_day:%Y%m%d}-"
            f"{account.last_day:%Y%m%d}.csv"
        )
    try:
        target.write_text(statement_csv(account), encoding="utf-8")
    except OSError as exc:
        raise ValidationError("file", f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def store_heading(settings: StoreSettings | None = None) -> StoreHeading:
    settings = settings or load_settings()
    return StoreHeading(settings.store_name, settings.store_address, settings.store_phone)


def reminder(customer_id: int) -> str:
    """The reminder for the customer: name, amount due, since when, the shop's name and phone."""
    customer = _customer(customer_id)
    settings = load_settings()
    zone = ZoneInfo(settings.timezone)
    aged = age(_dated_amounts(customer.id, zone), datetime.now(zone).date())
    return reminder_text(
        customer.name,
        _short(customer.balance),
        aged.oldest,
        settings.store_name,
        settings.store_phone,
        settings.currency_symbol,
    )


# --- writing ---------------------------------------------------------------------------------


def _amount(value: Decimal | str, field: str = "amount") -> Decimal:
    """A positive amount of at most two decimals; text is parsed as a person typed it."""
    if isinstance(value, str):
        value = parse_money(value, field)
    if not isinstance(value, Decimal):
        raise TypeError(f"{field} must be a Decimal or text, not {type(value).__name__}")
    if not value.is_finite():
        raise ValidationError(field, "not a number")
    if value <= 0:
        raise ValidationError(field, "must be more than zero")
    if value > MAX_MONEY:
        raise ValidationError(field, f"must be at most {format_money(MAX_MONEY)}")
    if value != quantize_money(value, PLACES):
        raise ValidationError(field, f"at most {PLACES} decimal places")
    return quantize_money(value, PLACES)


def _lock(customer_id: object) -> Customer:
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        raise NotFound(f"No customer with id {customer_id!r}.")
    customer = for_update(Customer.select().where(Customer.id == customer_id)).first()
    if customer is None or customer.deleted_at is not None:
        raise NotFound(f"No customer with id {customer_id}.")
    return customer


def ledger_balance(customer_id: int) -> Decimal:
    """What the customer owes by the ledger's last entry (0 with no entries)."""
    last = (
        CreditEntry.select(CreditEntry.balance_after)
        .where(CreditEntry.customer == customer_id)
        .order_by(CreditEntry.id.desc())
        .first()
    )
    return last.balance_after if last is not None else Decimal(0)


def _when(at: datetime | None) -> datetime:
    if at is None:
        return utc_now()
    if at.tzinfo is None:
        raise ValidationError("at", "needs a timezone")
    return at.astimezone(UTC)


def take_payment(
    actor: Actor,
    customer_id: int,
    amount: Decimal | str,
    method: str = CASH,
    reference: str = "",
    *,
    paid_at: datetime | None = None,
) -> PaymentSlip:
    """The customer pays off credit (with or without a purchase); returns the payment slip.

    Writes a Payment (customer set, no sale) and a "payment" credit entry in one transaction.
    More than the balance is refused unless the store allows advances (setting
    allow_customer_advance). `paid_at` back-dates it, for the demo shop and imports.
    """
    actor.require(Permission.SELL)
    if actor.user_id is None:
        raise ValidationError("user", "log in as a user of the till to take a payment")
    settings = load_settings()
    paid = _amount(amount)
    method = str(method).strip().lower()
    accepted = tuple(m for m in tender_methods(settings.extra_tender_methods) if m != CREDIT)
    if method not in accepted:
        raise ValidationError("method", f"'{method}' is not accepted (use {', '.join(accepted)})")
    reference = reference.strip()
    if len(reference) > 64:
        raise ValidationError("reference", "at most 64 characters")
    when = _when(paid_at)
    with write_transaction():
        customer = _lock(customer_id)
        before = ledger_balance(customer.id)
        with exact_context():
            after = before - paid
        if after < 0 and not settings.allow_customer_advance:
            owes = (
                f"owes only {format_money(before, settings.currency_symbol)}"
                if before > 0
                else "owes nothing"
            )
            raise Conflict(
                f"{customer.name} {owes}; the store takes no advances "
                "(setting allow_customer_advance)."
            )
        row = Payment.create(
            created_at=when,
            updated_at=when,
            customer=customer,
            shift=open_shift(actor.terminal),
            user=actor.user_id,
            terminal=actor.terminal[:32],
            method=method,
            direction="in",
            amount=paid,
            tendered=paid if method == CASH else None,
            reference=reference,
        )
        CreditEntry.create(
            created_at=when,
            updated_at=when,
            customer=customer,
            kind="payment",
            amount=-paid,
            balance_after=after,
            payment=row,
            user=actor.user_id,
            note=f"PAY-{row.id}",
        )
        Customer.update(balance=after, updated_at=utc_now()).where(
            Customer.id == customer.id
        ).execute()
    return _slip(
        actor, customer, f"PAY-{row.id}", when, "payment", method, paid, reference, before, after
    )


def adjust(
    actor: Actor,
    customer_id: int,
    amount: Decimal | str,
    reason: str,
    *,
    write_off: bool = False,
    raise_balance: bool = False,
) -> PaymentSlip:
    """Corrects a customer's balance, with a reason, audited.

    A write-off (`write_off`) forgives part or all of what is owed; an adjustment lowers the
    balance, or raises it with `raise_balance` (a debt recorded on paper before posterm).
    Needs the right to write off credit (a manager's approval lends it to a cashier).
    """
    actor.require(Permission.WRITE_OFF_CREDIT)
    if actor.user_id is None:
        raise ValidationError("user", "log in as a user of the till to adjust credit")
    change = _amount(amount)
    text = " ".join(reason.split())
    if len(text) < 3:
        raise ValidationError("reason", "say why (at least 3 characters)")
    if len(text) > 200:
        raise ValidationError("reason", "at most 200 characters")
    if write_off and raise_balance:
        raise ValidationError("amount", "a write-off lowers the balance")
    kind = WRITE_OFF if write_off else ADJUSTMENT
    signed = change if raise_balance else -change
    with write_transaction():
        customer = _lock(customer_id)
        before = ledger_balance(customer.id)
        with exact_context():
            after = before + signed
        if write_off and change > before:
            raise Conflict(
                f"{customer.name} owes {format_money(before)}; "
                f"cannot write off {format_money(change)}."
            )
        when = utc_now()
        entry = CreditEntry.create(
            created_at=when,
            updated_at=when,
            customer=customer,
            kind=kind,
            amount=signed,
            balance_after=after,
            user=actor.user_id,
            approved_by=actor.approved_by_id,
            note=text,
        )
        Customer.update(balance=after, updated_at=utc_now()).where(
            Customer.id == customer.id
        ).execute()
        audit.record(
            actor,
            f"credit.{kind}",
            entity="customer",
            entity_id=customer.code,
            reason=text,
            details={
                "amount": str(signed),
                "balance_before": str(_short(before)),
                "balance_after": str(_short(after)),
                "entry": entry.id,
                "approved_by": actor.approved_by_username or None,
            },
        )
    return _slip(actor, customer, f"ADJ-{entry.id}", when, kind, "", signed, text, before, after)


def _slip(
    actor: Actor,
    customer: Customer,
    number: str,
    when: datetime,
    kind: str,
    method: str,
    amount: Decimal,
    reference: str,
    before: Decimal,
    after: Decimal,
) -> PaymentSlip:
    user = User.get_or_none(User.id == actor.user_id)
    return PaymentSlip(
        number=number,
        at=when.astimezone(_zone()),
        customer_name=customer.name,
        customer_code=customer.code,
        method=method,
        amount=_short(amount),
        reference=reference if kind == "payment" else "",
        balance_before=_short(before),
        balance_after=_short(after),
        cashier=(user.full_name or user.username) if user else actor.username,
        kind=kind,
    )


def _short(value: Decimal) -> Decimal:
    short = quantize_money(value, PLACES)
    return short if short == value else value
