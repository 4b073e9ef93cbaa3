"""Money and quantity rules: parsing what people type, rounding, formatting, cash rounding.

Every amount is a `decimal.Decimal`; nothing here ever goes through `float`.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum

from posterm.domain.errors import ValidationError

MONEY_PLACES = 4
"""Decimal places money is stored with (1/10000 of the currency unit)."""

QUANTITY_PLACES = 3
"""Decimal places quantities are stored with (grams when the unit is kg)."""

MAX_MONEY = Decimal("99999999.99")
MAX_QUANTITY = Decimal("99999.999")

# Wide enough that no sum or product of valid amounts is ever rounded by the context itself;
# the only rounding that happens is the explicit, documented quantize calls below.
_EXACT = Context(
    prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow]
)

# Thousands separators are accepted in Western (1,234,567) and Indian (12,34,567) grouping, but
# a comma anywhere else ("1,2") is refused: it may be a decimal comma and 12 would be wrong.
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)"
    r"(?P<int>\d{1,3}(?:,\d{2,3})*,\d{3}|\d*)"
    r"(?:\.(?P<frac>\d*))?",
    re.ASCII,  # Decimal() would also take other scripts' digits; a till only needs 0-9
)


def exact_context() -> AbstractContextManager[Context]:
    """A decimal context for money arithmetic that never rounds behind our back."""
    return localcontext(_EXACT)


# 1, 0.1, 0.01 ...: built once, since every money and quantity figure is quantized to one.
_STEPS = tuple(Decimal(1).scaleb(-places) for places in range(8))


def _step(places: int) -> Decimal:
    if 0 <= places < len(_STEPS):
        return _STEPS[places]
    return Decimal(1).scaleb(-places)


def quantize_money(value: Decimal, places: int = 2) -> Decimal:
    """Round `value` to `places` decimals, halves away from zero.

    Shops and GST invoices round half up (0.005 -> 0.01), not banker's rounding; rounding away
    from zero also makes a return's negative amounts mirror the sale exactly.
    """
    return value.quantize(_step(places), rounding=ROUND_HALF_UP, context=_EXACT)


def quantize_quantity(value: Decimal) -> Decimal:
    """Round a quantity to QUANTITY_PLACES decimals, halves away from zero."""
    return value.quantize(_step(QUANTITY_PLACES), rounding=ROUND_HALF_UP, context=_EXACT)


def _plain(value: Decimal, places: int) -> str:
    # ":," gives plain thousands grouping; the sign is added by the callers.
    return f"{abs(value):,.{places}f}"


def format_money(value: Decimal, symbol: str = "", places: int = 2) -> str:
    """Format as "1,234.50", "-1,234.50", "₹1,234.50" or "-₹5.00"."""
    amount = quantize_money(value, places)
    sign = "-" if amount < 0 else ""  # -0.00 after rounding shows as 0.00
    return f"{sign}{symbol}{_plain(amount, places)}"


def format_quantity(value: Decimal) -> str:
    """Format a quantity: "3" when whole, otherwise always three decimals ("0.250")."""
    qty = quantize_quantity(value)
    sign = "-" if qty < 0 else ""
    if qty == qty.to_integral_value():
        return f"{sign}{abs(qty):.0f}"
    return f"{sign}{abs(qty):.{QUANTITY_PLACES}f}"


def _parse_decimal(text: str, field: str, places: int) -> Decimal:
    """Parse a plain decimal number with at most `places` significant decimals."""
    stripped = text.strip()
    if not stripped:
        raise ValidationError(field, "is required")
    match = _NUMBER.fullmatch(stripped)
    if match is None or not (match["int"] or match["frac"]):
        raise ValidationError(field, "not a number")
    integer = match["int"].replace(",", "") or "0"
    # Trailing zeros are harmless ("12.500" is 12.5), so only significant decimals count.
    fraction = (match["frac"] or "").rstrip("0")
    if len(fraction) > places:
        if places == 0:
            raise ValidationError(field, "must be a whole number")
        raise ValidationError(field, f"at most {places} decimal place{'s' if places != 1 else ''}")
    value = Decimal(f"{match['sign']}{integer}.{fraction or '0'}")
    return value.copy_abs() if value == 0 else value  # never hand out -0


def parse_money(
    text: str,
    field: str = "amount",
    *,
    places: int = 2,
    allow_negative: bool = False,
    maximum: Decimal = MAX_MONEY,
) -> Decimal:
    """Parse an amount a user typed ("12", "12.5", "1,234.50") into a Decimal of `places` decimals.

    Raises ValidationError naming `field` for anything that is not a plain amount.
    """
    value = _parse_decimal(text, field, places)
    if value < 0 and not allow_negative:
        raise ValidationError(field, "must not be negative")
    if value > maximum:
        raise ValidationError(field, f"must be at most {format_money(maximum, places=places)}")
    if value < -maximum:
        raise ValidationError(field, f"must be at least {format_money(-maximum, places=places)}")
    return quantize_money(value, places)


def parse_quantity(
    text: str,
    field: str = "quantity",
    *,
    maximum: Decimal = MAX_QUANTITY,
    allow_zero: bool = False,
    allow_negative: bool = False,
) -> Decimal:
    """Parse a quantity typed by a user ("3", "0.25", "1.5") into a Decimal with 3 decimals.

    Raises ValidationError naming `field` for anything that is not a plain quantity.
    """
    value = _parse_decimal(text, field, QUANTITY_PLACES)
    if value < 0 and not allow_negative:
        raise ValidationError(field, "must not be negative")
    if value == 0 and not allow_zero:
        raise ValidationError(field, "must be more than zero")
    limit = format_quantity(maximum)
    if value > maximum:
        raise ValidationError(field, f"must be at most {limit}")
    if value < -maximum:
        raise ValidationError(field, f"must be at least -{limit}")
    return quantize_quantity(value)


class CashRounding(StrEnum):
    """How a bill's total is rounded when paid: the value is the text stored in settings."""

    NONE = "none"
    STEP_0_05 = "0.05"
    STEP_0_10 = "0.10"
    STEP_0_50 = "0.50"
    STEP_1_00 = "1.00"

    @property
    def step(self) -> Decimal | None:
        """The increment totals are rounded to, or None for no rounding."""
        return None if self is CashRounding.NONE else Decimal(self.value)

    @classmethod
    def parse(cls, text: str, field: str = "cash_rounding") -> CashRounding:
        """Read "none", "0.05", "0.1", "0.10", "0.5", "1", "1.00" (any equal decimal spelling)."""
        stripped = text.strip().lower()
        if stripped == "none":
            return cls.NONE
        if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", stripped):
            wanted = Decimal(stripped)
            for member in cls:
                if member.step is not None and member.step == wanted:
                    return member
        raise ValidationError(field, "must be one of none, 0.05, 0.10, 0.50, 1.00")


def round_cash(total: Decimal, rounding: CashRounding) -> Decimal:
    """Round `total` to the nearest multiple of the rounding step (halves away from zero)."""
    step = rounding.step
    if step is None:
        return total
    with exact_context():
        multiples = (total / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        rounded = multiples * step
    # Keep at least the total's own decimals so "10.03" rounds to "10.05" and "10.00" to "10.00".
    exponent = min(int(total.as_tuple().exponent), int(rounded.as_tuple().exponent))
    return rounded.quantize(Decimal(1).scaleb(exponent), context=_EXACT)
