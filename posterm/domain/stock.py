"""The stock ledger as people see it: movements, adjustment reasons, counts and alerts.

Plain values and rules only; `posterm.services.stock` reads and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from posterm.domain.errors import ValidationError
from posterm.domain.money import MAX_QUANTITY, QUANTITY_PLACES, format_quantity, parse_quantity


class AdjustReason(StrEnum):
    """Why stock changed outside a sale or a purchase (stored in stock_movement.reason)."""

    COUNT_CORRECTION = "count_correction"
    DAMAGED = "damaged"
    EXPIRED = "expired"
    THEFT = "theft"
    OWN_USE = "own_use"
    TRANSFER = "transfer"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> AdjustReason:
        wanted = text.strip().lower().replace(" ", "_").replace("-", "_")
        for reason in cls:
            if wanted in (reason.value, reason.label.lower().replace(" ", "_")):
                return reason
        raise ValidationError("reason", f"must be one of {', '.join(r.value for r in cls)}")


_REASON_LABELS = {
    AdjustReason.COUNT_CORRECTION: "Count correction",
    AdjustReason.DAMAGED: "Damaged",
    AdjustReason.EXPIRED: "Expired",
    AdjustReason.THEFT: "Theft",
    AdjustReason.OWN_USE: "Own use",
    AdjustReason.TRANSFER: "Transfer",
}

# Reasons that only ever take stock away.
REMOVING_REASONS = frozenset(
    {AdjustReason.DAMAGED, AdjustReason.EXPIRED, AdjustReason.THEFT, AdjustReason.OWN_USE}
)
MAX_NOTE = 200

KIND_LABELS = {
    "opening": "Opening",
    "sale": "Sale",
    "return": "Return",
    "void": "Void",
    "purchase": "Purchase",
    "adjustment": "Adjustment",
    "count": "Count",
}


def check_adjustment(reason: AdjustReason, change: Decimal, note: str) -> None:
    """Raises ValidationError naming the field when an adjustment makes no sense."""
    if not change.is_finite():
        raise ValidationError("quantity", "not a number")
    if change == 0:
        raise ValidationError("quantity", "must not be zero")
    # Checked before the places: quantizing an absurdly large value would overflow.
    if abs(change) > MAX_QUANTITY:
        raise ValidationError("quantity", f"at most {format_quantity(MAX_QUANTITY)} at a time")
    if change != change.quantize(Decimal(1).scaleb(-QUANTITY_PLACES)):
        raise ValidationError("quantity", f"at most {QUANTITY_PLACES} decimal places")
    if reason in REMOVING_REASONS and change > 0:
        raise ValidationError("quantity", f"{reason.label.lower()} stock can only go down")
    if len(note) > MAX_NOTE:
        raise ValidationError("note", f"at most {MAX_NOTE} characters")


@dataclass(frozen=True, slots=True)
class Movement:
    """One line of a product's kardex."""

    id: int
    at: datetime  # in the store's timezone
    kind: str
    quantity: Decimal  # signed: + into stock, - out of it
    stock_after: Decimal
    reason: str
    note: str
    username: str
    reference: str  # bill number, supplier invoice, ADJ-<id> or COUNT-<id>

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.title())

    @property
    def reason_label(self) -> str:
        try:
            return AdjustReason(self.reason).label
        except ValueError:
            return self.reason.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class StockItem:
    """A product as the stock screens show it."""

    id: int
    code: str
    name: str
    unit: str
    stock: Decimal
    min_stock: Decimal
    reorder_qty: Decimal
    sold_by_weight: bool


@dataclass(frozen=True, slots=True)
class KardexPage:
    product: StockItem
    movements: tuple[Movement, ...]  # newest first
    has_more: bool


@dataclass(frozen=True, slots=True)
class Adjusted:
    product: StockItem  # with its stock after the adjustment
    movement: Movement


@dataclass(frozen=True, slots=True)
class CountSummary:
    id: int
    title: str
    status: str  # open, posted, cancelled
    category: str  # "" for a list count
    created_at: datetime
    username: str
    lines: int
    counted: int


@dataclass(frozen=True, slots=True)
class CountLine:
    product: StockItem
    counted: Decimal | None  # None: not counted yet

    @property
    def difference(self) -> Decimal | None:
        """What posting would add to (or take from) the stock as it is now."""
        return None if self.counted is None else self.counted - self.product.stock


@dataclass(frozen=True, slots=True)
class CountPosted:
    count_id: int
    adjusted: int  # products whose stock changed
    unchanged: int  # counted, and already right
    skipped: int  # never counted: left as they were


@dataclass(frozen=True, slots=True)
class LowStock:
    product: StockItem


@dataclass(frozen=True, slots=True)
class Expiring:
    product: StockItem
    batch_number: str
    expiry_date: date
    quantity: Decimal
    days_left: int  # negative once expired


@dataclass(frozen=True, slots=True)
class Reorder:
    product: StockItem
    sold: Decimal  # in the last `days`
    days: int
    suggested: Decimal


def suggested_reorder(
    stock: Decimal,
    min_stock: Decimal,
    reorder_qty: Decimal,
    sold: Decimal,
    *,
    whole_units: bool,
) -> Decimal:
    """How much to order of a product, or 0 when it needs nothing.

    The sales of the last N days are taken as the demand of the next N days, and `min_stock`
    as the safety stock kept on top of it:

        target    = sold in the last N days + min_stock
        shortfall = target - stock

    A product needs ordering when its shortfall is positive, or when it has a `min_stock` and
    its stock is at or below it (a product that neither sells nor has a minimum needs nothing).
    The order is the shortfall (at least 1), rounded up to whole units unless the product is
    sold by weight, then up to a whole number of `reorder_qty` (the case or pack
    the supplier sells) when one is set: at least one case, never a part of one.
    """
    target = sold + min_stock
    shortfall = target - stock
    if shortfall <= 0 and not (min_stock > 0 and stock <= min_stock):
        return Decimal(0)
    need = max(shortfall, Decimal(1) if whole_units else Decimal("0.001"))
    if whole_units:
        need = need.to_integral_value(rounding=ROUND_CEILING)
    if reorder_qty > 0:
        cases = (need / reorder_qty).to_integral_value(rounding=ROUND_CEILING)
        need = max(cases, Decimal(1)) * reorder_qty
    return need.quantize(Decimal(1).scaleb(-QUANTITY_PLACES))


def parse_change(text: str) -> tuple[Decimal | None, Decimal | None]:
    """What a user typed to adjust stock: "-3" or "+5" is a change, "=25" the new stock.

    Returns (change, None) or (None, new_stock); raises ValidationError naming `quantity`.
    """
    text = text.strip()
    if text.startswith("="):
        return None, parse_quantity(text[1:], "quantity", allow_zero=True)
    change = parse_quantity(text.removeprefix("+"), "quantity", allow_negative=True)
    return change, None


@dataclass(frozen=True, slots=True)
class CategoryChoice:
    id: int
    name: str
    products: int  # active products in it


def in_whole_pieces(unit: str, sold_by_weight: bool) -> bool:
    """Pieces ("pcs", not sold by weight) are counted whole, as checkout sells them."""
    return unit == "pcs" and not sold_by_weight


def check_whole_pieces(name: str, unit: str, sold_by_weight: bool, quantity: Decimal) -> None:
    if in_whole_pieces(unit, sold_by_weight) and quantity != quantity.to_integral_value():
        raise ValidationError("quantity", f"'{name}' is counted in whole pieces, not {quantity}")
