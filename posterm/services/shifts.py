"""Shifts: open a till with a float, move cash in and out, read the X report, close with a count.

One open shift per terminal (opening takes the terminal's `shift:<terminal>` counter lock, so
two tills named alike cannot both open one). A cashier works on their own shift; a manager
(Permission.ANY_SHIFT) on any, and sees every open shift. The figures are summed from the
shift's own rows: payments stamped with the shift by checkout, returns and credit, and its
cash movements (purchasing writes supplier payouts there too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from peewee import JOIN, fn

from posterm.data.counters import lock_counter
from posterm.data.database import for_update, write_transaction
from posterm.data.fields import sum_of, utc_now
from posterm.data.models import CashMovement, Payment, Sale, Shift, User
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.money import MAX_MONEY, exact_context
from posterm.domain.permissions import Actor, Permission, can
from posterm.domain.receipt import ReceiptDocument, render_text
from posterm.domain.sale import CREDIT
from posterm.domain.shift_report import report_document, variance_words
from posterm.domain.shifts import (
    ShiftClose,
    ShiftFigures,
    TenderLine,
    check_movement,
    parse_count,
    parse_denominations,
    parse_float,
    sale_needs_shift,
)
from posterm.domain.store_settings import StoreSettings
from posterm.services import audit
from posterm.services.settings import load_settings

Z_REPORT_COLUMNS = 42
MAX_PAGE = 200  # closed shifts are listed a page at a time


@dataclass(frozen=True)
class ShiftInfo:
    id: int
    terminal: str
    cashier: str
    user_id: int
    opened_at: datetime  # UTC
    opening_float: Decimal
    status: str


@dataclass(frozen=True)
class MovementInfo:
    id: int
    shift_id: int
    kind: str
    amount: Decimal
    category: str
    reason: str


@dataclass(frozen=True)
class ClosedShift:
    id: int
    expected_cash: Decimal
    counted_cash: Decimal
    variance: Decimal
    z_report: str  # as printed, 42 columns

    @property
    def words(self) -> str:
        return variance_words(self.variance)


@dataclass(frozen=True)
class PastShift:
    """A closed shift as the list of past shifts shows it (times local)."""

    id: int
    terminal: str
    cashier: str
    opened_at: datetime
    closed_at: datetime
    closed_by: str
    expected_cash: Decimal
    counted_cash: Decimal
    variance: Decimal

    @property
    def words(self) -> str:
        return variance_words(self.variance)


def _info(shift: Shift) -> ShiftInfo:
    return ShiftInfo(
        id=shift.id,
        terminal=shift.terminal,
        cashier=shift.user.username,
        user_id=shift.user_id,
        opened_at=shift.opened_at,
        opening_float=shift.opening_float,
        status=shift.status,
    )


def _require_user(actor: Actor) -> None:
    if actor.user_id is None:
        raise ValidationError("user", "log in as a user of the till to work a shift")
    if not actor.terminal:
        raise ValidationError("terminal", "this till has no terminal name")


def _open_row(terminal: str) -> Shift | None:
    return (
        Shift.select()
        .where((Shift.terminal == terminal[:32]) & (Shift.status == "open"))
        .order_by(Shift.id.desc())
        .first()
    )


def _may_work(actor: Actor, shift: Shift) -> None:
    """A cashier works their own shift; someone else's needs ANY_SHIFT (a manager)."""
    actor.require(Permission.OWN_SHIFT)
    if shift.user_id != actor.user_id:
        actor.require(Permission.ANY_SHIFT)


# --- reading ---------------------------------------------------------------------------------


def current_shift(terminal: str) -> ShiftInfo | None:
    """The open shift of `terminal`, if any."""
    row = _open_row(terminal)
    return None if row is None else _info(row)


def open_shifts(actor: Actor) -> list[ShiftInfo]:
    """Every open shift of every terminal (a manager's view)."""
    actor.require(Permission.ANY_SHIFT)
    rows = Shift.select().where(Shift.status == "open").order_by(Shift.terminal, Shift.id)
    return [_info(row) for row in rows]


def closed_shifts(
    actor: Actor,
    first: date,
    last: date,
    *,
    terminal: str = "",
    cashier: str = "",
    limit: int = 50,
    offset: int = 0,
) -> list[PastShift]:
    """Shifts closed on local days `first`..`last`, newest first, one page at a time.

    A manager sees every till's; a cashier only their own. `terminal` and `cashier` narrow
    the list to one till or one cashier (their user name), when given.
    """
    actor.require(Permission.OWN_SHIFT)
    if last < first:
        raise ValidationError("dates", "the last day comes before the first")
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise ValidationError("page", f"a page holds 1 to {MAX_PAGE} shifts")
    settings = load_settings()
    zone = ZoneInfo(settings.timezone)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    closer = User.alias()
    query = (
        Shift.select(
            Shift, User.username.alias("cashier_name"), closer.username.alias("closer_name")
        )
        .join(User, on=(Shift.user == User.id))
        .switch(Shift)
        .join(closer, JOIN.LEFT_OUTER, on=(Shift.closed_by == closer.id))
        .where((Shift.status == "closed") & (Shift.closed_at >= start) & (Shift.closed_at < end))
    )
    if not can(actor.role, Permission.ANY_SHIFT):
        query = query.where(Shift.user == actor.user_id)
    if terminal.strip():
        query = query.where(Shift.terminal == terminal.strip()[:32])
    if cashier.strip():
        query = query.where(fn.LOWER(User.username) == cashier.strip().lower())
    rows = query.order_by(Shift.closed_at.desc(), Shift.id.desc()).limit(limit).offset(offset)
    return [
        PastShift(
            id=row.id,
            terminal=row.terminal,
            cashier=row.cashier_name,
            opened_at=row.opened_at.astimezone(zone),
            closed_at=row.closed_at.astimezone(zone),
            closed_by=row.closer_name or "",
            expected_cash=row.expected_cash,
            counted_cash=row.counted_cash,
            variance=row.variance,
        )
        for row in rows.objects()
    ]


def z_report(actor: Actor, shift_id: int) -> str:
    """The Z report kept on a closed shift, as it was printed at the close."""
    shift = _closed(actor, shift_id)
    return shift.z_report


def z_report_reprint(actor: Actor, shift_id: int, columns: int, symbol: str) -> ReceiptDocument:
    """The Z report of a closed shift laid out again for the printer (a reprint), audited."""
    shift = _closed(actor, shift_id)
    with write_transaction():
        audit.record(
            actor,
            "shift.reprint",
            entity="shift",
            entity_id=shift.id,
            details={"terminal": shift.terminal},
        )
    return report_print(shift.id, columns, symbol)


def _closed(actor: Actor, shift_id: int) -> Shift:
    actor.require(Permission.OWN_SHIFT)
    shift = Shift.get_or_none(Shift.id == shift_id)
    if shift is None or shift.status != "closed":
        raise NotFound(f"No closed shift {shift_id}.")
    if shift.user_id != actor.user_id:
        actor.require(Permission.ANY_SHIFT)
    return shift


def needs_shift(terminal: str, settings: StoreSettings) -> bool:
    """Whether a sale on `terminal` is refused while no shift is open there."""
    rule = settings.sale_needs_shift
    if rule != "auto":
        return sale_needs_shift(rule, False)
    ever = Shift.select(Shift.id).where(Shift.terminal == terminal[:32]).limit(1).exists()
    return sale_needs_shift(rule, ever)


def denominations(settings: StoreSettings | None = None) -> tuple[Decimal, ...]:
    settings = settings or load_settings()
    return parse_denominations("cash_denominations", settings.cash_denominations)


def figures(shift_id: int, settings: StoreSettings | None = None) -> ShiftFigures:
    """The shift's sums, from its payment, sale and cash movement rows."""
    settings = settings or load_settings()
    shift = Shift.get_or_none(Shift.id == shift_id)
    if shift is None:
        raise NotFound(f"No shift {shift_id}.")
    sales = (
        Sale.select(Sale.kind, fn.COUNT(Sale.id), sum_of(Sale.total))
        .where(Sale.shift == shift.id)
        .group_by(Sale.kind)
        .tuples()
    )
    by_kind = {kind: (count, total) for kind, count, total in sales}
    sales_count, sales_total = by_kind.get("sale", (0, Decimal(0)))
    refunds_count = sum(by_kind.get(k, (0, 0))[0] for k in ("return", "void"))
    # A return or void document's total is negative; the report wants what went back.
    refunds_total = -sum(
        (by_kind.get(k, (0, Decimal(0)))[1] for k in ("return", "void")), Decimal(0)
    )
    payments = (
        Payment.select(Payment.method, Payment.direction, sum_of(Payment.amount))
        .where((Payment.shift == shift.id) & (Payment.method != CREDIT))
        .group_by(Payment.method, Payment.direction)
        .tuples()
    )
    tenders: dict[str, list[Decimal]] = {}
    for method, direction, amount in payments:
        pair = tenders.setdefault(method, [Decimal(0), Decimal(0)])
        pair[0 if direction == "in" else 1] += amount
    movements = dict(
        CashMovement.select(CashMovement.kind, sum_of(CashMovement.amount))
        .where(CashMovement.shift == shift.id)
        .group_by(CashMovement.kind)
        .tuples()
    )
    expenses = (
        CashMovement.select(CashMovement.category, sum_of(CashMovement.amount))
        .where((CashMovement.shift == shift.id) & (CashMovement.kind == "expense"))
        .group_by(CashMovement.category)
        .order_by(CashMovement.category)
        .tuples()
    )
    zone = ZoneInfo(settings.timezone)
    return ShiftFigures(
        shift_id=shift.id,
        terminal=shift.terminal,
        cashier=shift.user.username,
        opened_at=shift.opened_at.astimezone(zone),
        opening_float=shift.opening_float,
        sales_count=sales_count,
        sales_total=sales_total,
        refunds_count=refunds_count,
        refunds_total=refunds_total,
        tenders=tuple(
            TenderLine(method, taken, refunded)
            for method, (taken, refunded) in sorted(
                tenders.items(), key=lambda item: (item[0] != "cash", item[0])
            )
        ),
        movements=movements,
        expenses_by_category=tuple((category or "other", amount) for category, amount in expenses),
    )


def x_report(actor: Actor, shift_id: int | None = None) -> tuple[ShiftFigures, str]:
    """The X report of the till's open shift (or of `shift_id`): figures and the text."""
    _require_user(actor)
    shift = _shift_or_current(actor, shift_id)
    _may_work(actor, shift)
    settings = load_settings()
    found = figures(shift.id, settings)
    doc = report_document(found, settings.store_name, Z_REPORT_COLUMNS, settings.currency_symbol)
    return found, render_text(doc)


def report_print(shift_id: int, columns: int, symbol: str) -> ReceiptDocument:
    """The X report (open shift) or Z report (closed) laid out for a printer of `columns`."""
    shift = Shift.get_or_none(Shift.id == shift_id)
    if shift is None:
        raise NotFound(f"No shift {shift_id}.")
    settings = load_settings()
    found = figures(shift.id, settings)
    close = None
    if shift.status == "closed":
        zone = ZoneInfo(settings.timezone)
        close = ShiftClose(
            counted=shift.counted_cash,
            pieces=json.loads(shift.denominations),
            closed_at=shift.closed_at.astimezone(zone),
            closed_by=shift.closed_by.username if shift.closed_by_id else "",
        )
    return report_document(found, settings.store_name, columns, symbol, close)


def _shift_or_current(actor: Actor, shift_id: int | None) -> Shift:
    if shift_id is not None:
        shift = Shift.get_or_none(Shift.id == shift_id)
        if shift is None:
            raise NotFound(f"No shift {shift_id}.")
        return shift
    shift = _open_row(actor.terminal)
    if shift is None:
        raise Conflict(f"No shift is open on till {actor.terminal}: open one first.")
    return shift


# --- writing ---------------------------------------------------------------------------------


def open_new_shift(actor: Actor, opening_float: Decimal | str) -> ShiftInfo:
    """Opens a shift on the actor's terminal; refused when one is already open there."""
    _require_user(actor)
    actor.require(Permission.OWN_SHIFT)
    amount = parse_float(opening_float) if isinstance(opening_float, str) else opening_float
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        raise ValidationError("opening float", "must not be negative")
    if amount > MAX_MONEY or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError("opening float", "at most 2 decimals and a sensible size")
    with write_transaction():
        lock_counter(f"shift:{actor.terminal[:32]}")
        existing = _open_row(actor.terminal)
        if existing is not None:
            raise Conflict(
                f"Till {existing.terminal} already has shift {existing.id} open "
                f"(by {existing.user.username}): close it first."
            )
        shift = Shift.create(terminal=actor.terminal[:32], user=actor.user_id, opening_float=amount)
        audit.record(
            actor,
            "shift.open",
            entity="shift",
            entity_id=shift.id,
            details={"float": str(amount)},
        )
    return _info(Shift.get_by_id(shift.id))


def record_cash(
    actor: Actor, kind: str, amount: Decimal | str, category: str = "", reason: str = ""
) -> MovementInfo:
    """Cash in, cash out, a payout or an expense on the till's open shift."""
    _require_user(actor)
    request = check_movement(kind, amount, category, reason)
    with write_transaction():
        shift = _open_row(actor.terminal)
        if shift is None:
            raise Conflict(f"No shift is open on till {actor.terminal}: open one first.")
        shift = for_update(Shift.select().where(Shift.id == shift.id)).get()
        if shift.status != "open":
            raise Conflict(f"Shift {shift.id} was closed meanwhile.")
        _may_work(actor, shift)
        row = CashMovement.create(
            shift=shift.id,
            kind=request.kind,
            amount=request.amount,
            category=request.category,
            reason=request.reason,
            user=actor.user_id,
            approved_by=actor.approved_by_id,
        )
        audit.record(
            actor,
            f"shift.{request.kind}",
            entity="cash_movement",
            entity_id=row.id,
            reason=request.reason,
            details={
                "shift": shift.id,
                "amount": str(request.amount),
                "category": request.category,
            },
        )
    return MovementInfo(
        row.id, shift.id, request.kind, request.amount, request.category, request.reason
    )


def close_shift(actor: Actor, counts: dict[str, str], shift_id: int | None = None) -> ClosedShift:
    """Closes the till's open shift (or `shift_id`) with a blind count by denomination.

    `counts` maps a denomination ("500") to the pieces typed; blank is none. The expected cash,
    the count, the variance and the Z report are kept on the shift.
    """
    _require_user(actor)
    settings = load_settings()
    pieces, counted = parse_count(denominations(settings), counts)
    with write_transaction():
        target = _shift_or_current(actor, shift_id)
        shift = for_update(Shift.select().where(Shift.id == target.id)).get()
        if shift.status != "open":
            raise Conflict(f"Shift {shift.id} is already closed.")
        _may_work(actor, shift)
        found = figures(shift.id, settings)
        now = utc_now()
        close = ShiftClose(
            counted=counted,
            pieces=pieces,
            closed_at=now.astimezone(ZoneInfo(settings.timezone)),
            closed_by=actor.username,
        )
        with exact_context():
            expected = found.expected_cash
            variance = close.variance(expected)
        doc = report_document(
            found, settings.store_name, Z_REPORT_COLUMNS, settings.currency_symbol, close
        )
        text = render_text(doc)
        Shift.update(
            status="closed",
            closed_at=now,
            closed_by=actor.user_id,
            expected_cash=expected,
            counted_cash=counted,
            variance=variance,
            denominations=json.dumps(pieces, sort_keys=True),
            z_report=text,
            updated_at=now,
        ).where(Shift.id == shift.id).execute()
        audit.record(
            actor,
            "shift.close",
            entity="shift",
            entity_id=shift.id,
            details={
                "terminal": shift.terminal,
                "cashier": shift.user.username,
                "expected": str(expected),
                "counted": str(counted),
                "variance": str(variance),
            },
        )
    return ClosedShift(shift.id, expected, counted, variance, text)
