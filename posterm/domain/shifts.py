"""A till's shift: the opening float, cash movements, the expected cash and the X/Z report.

Pure: the shifts service reads the shift's rows and hands the sums here. A cash payment row's
amount is what the drawer kept (change already netted), so expected cash is
float + cash taken - cash refunded + cash in - cash out - payouts - expenses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posterm.domain.errors import ValidationError
from posterm.domain.money import MAX_MONEY, parse_money

DEFAULT_DENOMINATIONS = "2000,500,200,100,50,20,10,5,2,1"
# Money into the drawer (+1) or out of it (-1), for each kind of cash movement.
MOVEMENT_SIGNS = {"cash_in": 1, "cash_out": -1, "payout": -1, "expense": -1}
MOVEMENT_LABELS = {
    "cash_in": "Cash in",
    "cash_out": "Cash out",
    "payout": "Payouts",
    "expense": "Expenses",
}
MAX_CATEGORY = 40
MAX_REASON = 500
MAX_PIECES = 1_000_000


def parse_denominations(key: str, text: str) -> tuple[Decimal, ...]:
    """'2000,500,...,1' -> the notes and coins counted at close, largest first, no repeats."""
    values: list[Decimal] = []
    for part in text.split(","):
        if not part.strip():
            continue
        value = parse_money(part, key)
        if value <= 0:
            raise ValidationError(key, "each denomination must be more than zero")
        if value not in values:
            values.append(value)
    if not values:
        raise ValidationError(key, "give at least one denomination, e.g. 500,100,10,1")
    return tuple(sorted(values, reverse=True))


def denominations_text(values: Sequence[Decimal]) -> str:
    return ",".join(_plain(v) for v in values)


def parse_sale_needs_shift(key: str, text: str) -> str:
    """'auto' (once a shift was ever opened on the terminal), 'yes' or 'no'."""
    lowered = text.strip().lower()
    if lowered in ("auto", ""):
        return "auto"
    if lowered in ("true", "yes", "on", "1"):
        return "yes"
    if lowered in ("false", "no", "off", "0"):
        return "no"
    raise ValidationError(key, "must be auto, yes or no")


def sale_needs_shift(rule: str, ever_opened: bool) -> bool:
    return rule == "yes" or (rule == "auto" and ever_opened)


def parse_float(text: str) -> Decimal:
    """The opening float a cashier typed (zero is allowed: a till that starts empty)."""
    return parse_money(text, "opening float")


@dataclass(frozen=True)
class MovementRequest:
    kind: str  # cash_in, cash_out, payout, expense
    amount: Decimal
    category: str
    reason: str


def check_movement(kind: str, amount: Decimal | str, category: str, reason: str) -> MovementRequest:
    """A cash movement, checked; raises ValidationError naming the field."""
    if kind not in MOVEMENT_SIGNS:
        raise ValidationError("kind", f"must be one of {', '.join(MOVEMENT_SIGNS)}")
    if isinstance(amount, str):
        value = parse_money(amount, "amount")
    elif isinstance(amount, Decimal) and amount.is_finite():
        value = amount
    else:
        raise ValidationError("amount", "must be an amount such as 250 or 99.50")
    if value <= 0:
        raise ValidationError("amount", "must be more than zero")
    if value > MAX_MONEY or value != value.quantize(Decimal("0.01")):
        raise ValidationError("amount", "at most 2 decimals and a sensible size")
    category = " ".join(category.split())
    if len(category) > MAX_CATEGORY:
        raise ValidationError("category", f"at most {MAX_CATEGORY} characters")
    if kind == "expense" and not category:
        raise ValidationError("category", "name what the expense was for (tea, transport…)")
    reason = reason.strip()
    if not reason:
        raise ValidationError("reason", "say why the cash moved")
    if len(reason) > MAX_REASON:
        raise ValidationError("reason", f"at most {MAX_REASON} characters")
    return MovementRequest(kind, value, category, reason)


def parse_count(
    denominations: Sequence[Decimal], counts: Mapping[str, str]
) -> tuple[dict[str, int], Decimal]:
    """The pieces counted of each denomination (blank is none) and their total.

    `counts` maps a denomination's text ("500") to what the cashier typed; raises
    ValidationError naming the denomination for anything but a whole number of pieces.
    """
    known = {_plain(d): d for d in denominations}
    unknown = [key for key in counts if key not in known]
    if unknown:
        raise ValidationError(f"count of {unknown[0]}", "not one of the store's denominations")
    pieces: dict[str, int] = {}
    total = Decimal(0)
    for key, value in known.items():
        text = counts.get(key, "").strip()
        if not text:
            continue
        # isdigit() alone also takes "²", which int() refuses; a count is plain 0-9.
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(f"count of {key}", "must be a whole number of pieces")
        # The length first: int() refuses thousands of digits, and no till holds that many.
        number = int(text) if len(text) <= len(str(MAX_PIECES)) else MAX_PIECES + 1
        if number > MAX_PIECES:
            raise ValidationError(f"count of {key}", f"at most {MAX_PIECES:,} pieces")
        if number:
            pieces[key] = number
            total += value * number
    return pieces, total


@dataclass(frozen=True)
class TenderLine:
    method: str
    taken: Decimal  # payments in (sales, credit received)
    refunded: Decimal  # payments out (returns, voids)

    @property
    def net(self) -> Decimal:
        return self.taken - self.refunded


@dataclass(frozen=True)
class ShiftFigures:
    """Everything an X or Z report says about one shift, summed from its rows."""

    shift_id: int
    terminal: str
    cashier: str
    opened_at: datetime  # local
    opening_float: Decimal
    sales_count: int
    sales_total: Decimal
    refunds_count: int  # returns and voids
    refunds_total: Decimal  # what went back, as a positive amount
    tenders: tuple[TenderLine, ...]
    movements: dict[str, Decimal]  # kind -> sum
    expenses_by_category: tuple[tuple[str, Decimal], ...] = ()

    @property
    def cash(self) -> TenderLine:
        for line in self.tenders:
            if line.method == "cash":
                return line
        return TenderLine("cash", Decimal(0), Decimal(0))

    @property
    def expected_cash(self) -> Decimal:
        return expected_cash(
            self.opening_float, self.cash.taken, self.cash.refunded, self.movements
        )


def expected_cash(
    opening_float: Decimal,
    cash_taken: Decimal,
    cash_refunded: Decimal,
    movements: Mapping[str, Decimal],
) -> Decimal:
    total = opening_float + cash_taken - cash_refunded
    for kind, sign in MOVEMENT_SIGNS.items():
        total += sign * movements.get(kind, Decimal(0))
    return total


@dataclass(frozen=True)
class ShiftClose:
    counted: Decimal
    pieces: dict[str, int]
    closed_at: datetime  # local
    closed_by: str

    def variance(self, expected: Decimal) -> Decimal:
        """Counted minus expected: negative is cash short, positive is cash over."""
        return self.counted - expected


def _plain(value: Decimal) -> str:
    """'500' for whole amounts, '0.50' otherwise."""
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"
