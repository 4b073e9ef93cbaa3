"""The catalogue as the stock screen sees it: products with everything the form edits, list
rows, the list's filters, categories and tax rates. Plain values, never database rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

SortKey = Literal["name", "stock", "price"]
SORT_KEYS: tuple[SortKey, ...] = ("name", "stock", "price")


def is_low(stock: Decimal, min_stock: Decimal) -> bool:
    """Stock at or below the product's minimum; a minimum of 0 means "never low"."""
    return min_stock > 0 and stock <= min_stock


@dataclass(frozen=True, slots=True)
class ProductDetail:
    """A product with every field of the product form."""

    id: int
    name: str
    code: str
    barcodes: tuple[str, ...]  # the primary barcode first
    category_id: int | None
    category: str
    unit: str
    sold_by_weight: bool
    price: Decimal
    cost: Decimal
    tax_rate_id: int | None
    tax_rate: str  # the rate's name, "" for the store's default
    hsn_code: str
    stock: Decimal
    min_stock: Decimal
    reorder_qty: Decimal
    status: str
    track_expiry: bool

    @property
    def barcode(self) -> str:
        return self.barcodes[0] if self.barcodes else ""


@dataclass(frozen=True, slots=True)
class ProductRow:
    """One line of the stock screen's product list."""

    id: int
    code: str
    name: str
    barcode: str
    category: str
    unit: str
    sold_by_weight: bool
    price: Decimal
    stock: Decimal
    min_stock: Decimal
    status: str

    @property
    def low(self) -> bool:
        return is_low(self.stock, self.min_stock)


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """What the stock screen lists: typed text, filters and a sort."""

    text: str = ""  # name (start of any word), code or barcode
    category_id: int | None = None
    status: str | None = "active"  # None: every status
    low_stock: bool = False
    expiring_days: int | None = None  # a batch with stock left expires within this many days
    sold_by_weight: bool | None = None
    sort: SortKey = "name"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where the next page starts: after the (sort value, id) of the last row shown, or at an
    offset into the search results when text is typed."""

    value: object = None
    id: int = 0
    offset: int = 0


@dataclass(frozen=True, slots=True)
class ProductPage:
    rows: tuple[ProductRow, ...]
    next: PageCursor | None  # None: this was the last page


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    id: int
    name: str
    status: str


@dataclass(frozen=True, slots=True)
class TaxRateInfo:
    id: int
    name: str
    rate: Decimal
    status: str
