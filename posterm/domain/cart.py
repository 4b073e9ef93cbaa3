"""The bill calculation: line and bill discounts, tax per line, tax per rate, cash round-off.

Pure and database-free: services hand in the cart's lines and store-wide settings and get back
every number the screen, the receipt and the sale record need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from posterm.domain.errors import ValidationError
from posterm.domain.money import (
    MAX_MONEY,
    MAX_QUANTITY,
    QUANTITY_PLACES,
    CashRounding,
    exact_context,
    format_money,
    format_quantity,
    quantize_money,
    quantize_quantity,
    round_cash,
)

_HUNDRED = Decimal(100)


class DiscountKind(StrEnum):
    """Whether a discount's value is an amount of money or a percentage."""

    AMOUNT = "amount"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class Discount:
    """A discount on one line or on the whole bill; `kind` may be given as "amount"/"percent"."""

    kind: DiscountKind
    value: Decimal

    def __post_init__(self) -> None:
        try:
            kind = DiscountKind(self.kind)
        except ValueError:
            raise ValidationError("discount", "kind must be 'amount' or 'percent'") from None
        object.__setattr__(self, "kind", kind)

    @classmethod
    def amount(cls, value: Decimal) -> Discount:
        """A discount of a fixed amount of money."""
        return cls(DiscountKind.AMOUNT, value)

    @classmethod
    def percent(cls, value: Decimal) -> Discount:
        """A discount of `value` percent (0..100)."""
        return cls(DiscountKind.PERCENT, value)


@dataclass(frozen=True, slots=True)
class CartLine:
    """One line of a cart as entered: what is sold, at what price, how many, at what tax rate."""

    product_id: int | None
    name: str
    unit_price: Decimal
    quantity: Decimal
    tax_rate: Decimal  # percent, e.g. Decimal("18")
    line_discount: Discount | None = None


@dataclass(frozen=True, slots=True)
class LineTotals:
    """The computed money of one line; net = gross - line discount - bill discount share."""

    line: CartLine
    gross: Decimal
    line_discount_amount: Decimal
    bill_discount_share: Decimal
    net: Decimal
    taxable_value: Decimal
    tax_amount: Decimal
    line_total: Decimal

    @property
    def discount_total(self) -> Decimal:
        """Both discounts on this line together."""
        return self.line_discount_amount + self.bill_discount_share


class TaxRateTotal(NamedTuple):
    """The receipt's tax summary row for one rate."""

    rate: Decimal
    taxable_value: Decimal
    tax_amount: Decimal


@dataclass(frozen=True, slots=True)
class BillTotals:
    """Every total of a bill; the lines are in the order they were given."""

    lines: tuple[LineTotals, ...]
    item_count: Decimal
    line_count: int
    subtotal: Decimal
    line_discount_total: Decimal
    bill_discount_amount: Decimal
    discount_total: Decimal
    taxable_total: Decimal
    tax_total: Decimal
    total_before_rounding: Decimal
    round_off: Decimal
    total_due: Decimal
    tax_summary: tuple[TaxRateTotal, ...]


def _where(index: int, line: CartLine) -> str:
    return f"(line {index + 1}: {line.name})" if line.name else f"(line {index + 1})"


def _require_finite(value: Decimal, field: str, where: str) -> None:
    if not isinstance(value, Decimal):
        # A float or int here is a programming error, not something a cashier typed.
        raise TypeError(f"{field} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValidationError(field, f"not a number {where}".rstrip())


def _require_places(value: Decimal, places: int, field: str, where: str) -> None:
    if value != quantize_money(value, places):
        raise ValidationError(field, f"at most {places} decimal places {where}".rstrip())


def _validate_line(index: int, line: CartLine) -> None:
    where = _where(index, line)
    _require_finite(line.quantity, "quantity", where)
    _require_finite(line.unit_price, "unit_price", where)
    _require_finite(line.tax_rate, "tax_rate", where)
    if line.quantity <= 0:
        raise ValidationError("quantity", f"must be more than zero {where}")
    if line.quantity > MAX_QUANTITY:
        raise ValidationError(
            "quantity", f"must be at most {format_quantity(MAX_QUANTITY)} {where}"
        )
    if line.quantity != quantize_quantity(line.quantity):
        raise ValidationError("quantity", f"at most {QUANTITY_PLACES} decimal places {where}")
    if line.unit_price < 0:
        raise ValidationError("unit_price", f"must not be negative {where}")
    if line.unit_price > MAX_MONEY:
        raise ValidationError("unit_price", f"must be at most {format_money(MAX_MONEY)} {where}")
    if not 0 <= line.tax_rate <= _HUNDRED:
        raise ValidationError("tax_rate", f"must be between 0 and 100 {where}")


def _discount_amount(
    discount: Discount | None, base: Decimal, places: int, field: str, where: str = ""
) -> Decimal:
    """The money a discount takes off `base`; refuses one that would take more than `base`."""
    zero = quantize_money(Decimal(0), places)
    if discount is None:
        return zero
    _require_finite(discount.value, field, where)
    if discount.value < 0:
        raise ValidationError(field, f"must not be negative {where}".rstrip())
    if discount.kind is DiscountKind.PERCENT:
        if discount.value > _HUNDRED:
            raise ValidationError(field, f"must be at most 100% {where}".rstrip())
        return quantize_money(base * discount.value / _HUNDRED, places)
    # Compared before the places check: quantizing an absurdly large value would overflow.
    if discount.value > base:
        limit = format_money(base, places=places)
        raise ValidationError(field, f"must be at most {limit} {where}".rstrip())
    _require_places(discount.value, places, field, where)
    return quantize_money(discount.value, places)


def _spread(amount: Decimal, nets: list[Decimal], places: int) -> list[Decimal]:
    """Split `amount` over lines in proportion to their nets so the shares add up exactly.

    Each share is rounded on its own and the remainder goes to the last line with a non-zero
    net. Rounding many small lines the same way can leave a remainder that would push that line
    below zero (or give it a negative share); the excess then moves to earlier lines, from the
    end, so no line's share is ever negative or larger than its net.
    """
    zero = quantize_money(Decimal(0), places)
    shares = [zero] * len(nets)
    base = sum(nets, zero)
    if amount == 0 or base == 0:
        return shares
    last = max(i for i, net in enumerate(nets) if net > 0)
    for i in range(last):
        shares[i] = quantize_money(amount * nets[i] / base, places)
    remainder = amount - sum(shares, zero)
    shares[last] = min(max(remainder, zero), nets[last])
    excess = remainder - shares[last]
    for i in reversed(range(last)):
        if excess == 0:
            break
        # Give to lines with room left below their net, or take back from lines that have some.
        moved = min(excess, nets[i] - shares[i]) if excess > 0 else -min(-excess, shares[i])
        shares[i] += moved
        excess -= moved
    return shares


def compute_bill(
    lines: Sequence[CartLine],
    bill_discount: Discount | None,
    prices_include_tax: bool,
    cash_rounding: CashRounding = CashRounding.NONE,
    places: int = 2,
) -> BillTotals:
    """Compute every line and total of a bill; raises ValidationError naming the bad field.

    Tax is computed and rounded per line; the per-rate summary adds up the lines' values.
    """
    with exact_context():
        return _compute(lines, bill_discount, prices_include_tax, cash_rounding, places)


def _compute(
    lines: Sequence[CartLine],
    bill_discount: Discount | None,
    prices_include_tax: bool,
    cash_rounding: CashRounding,
    places: int,
) -> BillTotals:
    zero = quantize_money(Decimal(0), places)
    grosses: list[Decimal] = []
    line_discounts: list[Decimal] = []
    for index, line in enumerate(lines):
        _validate_line(index, line)
        gross = quantize_money(line.unit_price * line.quantity, places)
        where = _where(index, line)
        grosses.append(gross)
        line_discounts.append(
            _discount_amount(line.line_discount, gross, places, "line_discount", where)
        )

    nets_before_bill = [g - d for g, d in zip(grosses, line_discounts, strict=True)]
    bill_amount = _discount_amount(
        bill_discount, sum(nets_before_bill, zero), places, "bill_discount"
    )
    shares = _spread(bill_amount, nets_before_bill, places)

    results: list[LineTotals] = []
    for line, gross, line_disc, before, share in zip(
        lines, grosses, line_discounts, nets_before_bill, shares, strict=True
    ):
        net = before - share
        if prices_include_tax:
            tax = quantize_money(net * line.tax_rate / (_HUNDRED + line.tax_rate), places)
            taxable, line_total = net - tax, net
        else:
            tax = quantize_money(net * line.tax_rate / _HUNDRED, places)
            taxable, line_total = net, net + tax
        results.append(LineTotals(line, gross, line_disc, share, net, taxable, tax, line_total))

    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for result in results:
        taxable, tax = by_rate.get(result.line.tax_rate, (zero, zero))
        by_rate[result.line.tax_rate] = (taxable + result.taxable_value, tax + result.tax_amount)
    summary = tuple(
        TaxRateTotal(rate, taxable, tax) for rate, (taxable, tax) in sorted(by_rate.items())
    )

    total_before_rounding = sum((r.line_total for r in results), zero)
    rounded = round_cash(total_before_rounding, cash_rounding)
    round_off = rounded - total_before_rounding
    line_discount_total = sum(line_discounts, zero)
    return BillTotals(
        lines=tuple(results),
        item_count=quantize_quantity(sum((line.quantity for line in lines), Decimal(0))),
        line_count=len(results),
        subtotal=sum(grosses, zero),
        line_discount_total=line_discount_total,
        bill_discount_amount=bill_amount,
        discount_total=line_discount_total + bill_amount,
        taxable_total=sum((r.taxable_value for r in results), zero),
        tax_total=sum((r.tax_amount for r in results), zero),
        total_before_rounding=total_before_rounding,
        round_off=round_off,
        total_due=total_before_rounding + round_off,
        tax_summary=summary,
    )


def change_due(total_due: Decimal, tendered: Decimal) -> Decimal:
    """The change to hand back for cash `tendered` against `total_due`.

    Raises ValidationError("tendered", ...) when the cash does not cover the total.
    """
    _require_finite(tendered, "tendered", "")
    if tendered < total_due:
        raise ValidationError("tendered", f"must be at least {format_money(total_due)}")
    with exact_context():
        return tendered - total_due
