"""Products, customers and held bills as the till sees them: plain values, no database rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ProductInfo:
    id: int
    code: str
    name: str
    barcode: str
    unit: str
    sold_by_weight: bool
    price: Decimal
    tax_rate: Decimal  # percent: the product's rate, or the store's default when it has none
    hsn_code: str
    stock: Decimal
    status: str
    category: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    """A scanned code resolved to a product, with what an in-store label carried.

    `quantity` comes from a weight label (kg); `price` from a price label, which is the price of
    the whole labelled pack, so the line is quantity 1 at that price.
    """

    product: ProductInfo
    quantity: Decimal | None
    price: Decimal | None
    code: str


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    id: int
    code: str
    name: str
    phone: str
    status: str
    balance: Decimal
    credit_limit: Decimal


@dataclass(frozen=True, slots=True)
class HeldBill:
    uuid: UUID
    note: str
    customer_name: str
    total: Decimal
    item_count: int
    terminal: str
    username: str
    saved_at: datetime
