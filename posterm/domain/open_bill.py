"""The bill on the till before it is paid: what the cashier scans, changes, holds and recalls.

It is saved as JSON on every change (so a crash or a cut cable never loses it) and turned into
a CheckoutRequest at payment. Prices snapshot the product when scanned; `list_price` is the
product's own price, so a changed `unit_price` is a price override.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from posterm.domain.cart import BillTotals, CartLine, Discount, compute_bill
from posterm.domain.errors import ValidationError
from posterm.domain.money import MAX_QUANTITY, CashRounding
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender

WHOLE_UNITS = ("pcs", "dozen")


@dataclass(frozen=True)
class BillItem:
    product_id: int
    code: str
    name: str
    unit: str
    sold_by_weight: bool
    list_price: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    hsn_code: str
    quantity: Decimal
    line_discount: Discount | None = None
    label_code: str = ""  # the price label scanned for this line, if any

    @property
    def price_overridden(self) -> bool:
        return self.unit_price != self.list_price

    def as_cart_line(self) -> CartLine:
        return CartLine(
            self.product_id,
            self.name,
            self.unit_price,
            self.quantity,
            self.tax_rate,
            self.line_discount,
        )


def check_quantity(item: BillItem, quantity: Decimal) -> Decimal:
    """Refuses zero, negative, absurd or fractional-piece quantities, naming the product."""
    if quantity <= 0:
        raise ValidationError("quantity", f"must be more than zero ({item.name})")
    if quantity > MAX_QUANTITY:
        raise ValidationError("quantity", f"at most {MAX_QUANTITY} ({item.name})")
    if item.unit in WHOLE_UNITS and not item.sold_by_weight and quantity != quantity.to_integral():
        raise ValidationError("quantity", f"{item.name} is sold in whole {item.unit}")
    return quantity


@dataclass
class OpenBill:
    id: UUID = field(default_factory=uuid4)
    items: list[BillItem] = field(default_factory=list)
    bill_discount: Discount | None = None
    customer_id: int | None = None
    customer_name: str = ""
    note: str = ""

    # --- changes: each is checked against the whole bill before it is kept ---------------

    def add(self, item: BillItem, *, merge: bool = True) -> int:
        """Adds a line (or more of the same product at the same price); returns its index."""
        check_quantity(item, item.quantity)
        if merge:
            for index, existing in enumerate(self.items):
                if (
                    existing.product_id == item.product_id
                    and existing.unit_price == item.unit_price
                    and existing.line_discount is None
                    and item.line_discount is None
                ):
                    self.set_quantity(index, existing.quantity + item.quantity)
                    return index
        self._try(lambda items: items.append(item))
        return len(self.items) - 1

    def set_quantity(self, index: int, quantity: Decimal) -> None:
        item = self.items[index]
        check_quantity(item, quantity)
        self._replace(index, replace(item, quantity=quantity))

    def set_price(self, index: int, price: Decimal) -> None:
        if price < 0:
            raise ValidationError("price", "must not be negative")
        self._replace(index, replace(self.items[index], unit_price=price))

    def set_line_discount(self, index: int, discount: Discount | None) -> None:
        self._replace(index, replace(self.items[index], line_discount=discount))

    def remove(self, index: int) -> BillItem:
        item = self.items[index]
        self._try(lambda items: items.pop(index))
        return item

    def set_bill_discount(self, discount: Discount | None) -> None:
        previous = self.bill_discount
        self.bill_discount = discount
        try:
            self.totals(True, CashRounding.NONE)
        except ValidationError:
            self.bill_discount = previous
            raise

    def attach_customer(self, customer_id: int | None, name: str = "") -> None:
        self.customer_id, self.customer_name = customer_id, name if customer_id else ""

    def clear(self) -> None:
        """Empties the bill and gives it a new id (a new sale, never a retry of the old one)."""
        self.__init__()  # type: ignore[misc]

    def _replace(self, index: int, item: BillItem) -> None:
        self._try(lambda items: items.__setitem__(index, item))

    def _try(self, change) -> None:
        candidate = list(self.items)
        change(candidate)
        # A discount may no longer fit once a line shrinks: validate the bill as it would be.
        compute_bill([i.as_cart_line() for i in candidate], self.bill_discount, True)
        self.items = candidate

    # --- reading ---------------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        return not self.items

    def totals(self, prices_include_tax: bool, cash_rounding: CashRounding) -> BillTotals:
        return compute_bill(
            [item.as_cart_line() for item in self.items],
            self.bill_discount,
            prices_include_tax,
            cash_rounding,
        )

    def to_request(self, tenders: list[Tender] | tuple[Tender, ...]) -> CheckoutRequest:
        return CheckoutRequest(
            cart_id=self.id,
            lines=[
                SaleLineRequest(
                    item.product_id,
                    item.quantity,
                    item.unit_price if item.price_overridden else None,
                    item.line_discount,
                    item.label_code,
                )
                for item in self.items
            ],
            bill_discount=self.bill_discount,
            customer_id=self.customer_id,
            tenders=tenders,
            note=self.note,
        )

    # --- saving ----------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "id": str(self.id),
                "items": [_item_to_dict(item) for item in self.items],
                "bill_discount": _discount_to_dict(self.bill_discount),
                "customer_id": self.customer_id,
                "customer_name": self.customer_name,
                "note": self.note,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> OpenBill:
        data = json.loads(text)
        return cls(
            id=UUID(data["id"]),
            items=[_item_from_dict(item) for item in data["items"]],
            bill_discount=_discount_from_dict(data.get("bill_discount")),
            customer_id=data.get("customer_id"),
            customer_name=data.get("customer_name", ""),
            note=data.get("note", ""),
        )


_DECIMALS = ("list_price", "unit_price", "tax_rate", "quantity")


def _item_to_dict(item: BillItem) -> dict[str, Any]:
    data = {
        "product_id": item.product_id,
        "code": item.code,
        "name": item.name,
        "unit": item.unit,
        "sold_by_weight": item.sold_by_weight,
        "hsn_code": item.hsn_code,
        "line_discount": _discount_to_dict(item.line_discount),
        "label_code": item.label_code,
    }
    data.update({key: str(getattr(item, key)) for key in _DECIMALS})
    return data


def _item_from_dict(data: dict[str, Any]) -> BillItem:
    values = dict(data)
    for key in _DECIMALS:
        values[key] = Decimal(values[key])
    values["line_discount"] = _discount_from_dict(values.get("line_discount"))
    return BillItem(**values)


def _discount_to_dict(discount: Discount | None) -> dict[str, str] | None:
    if discount is None:
        return None
    return {"kind": discount.kind.value, "value": str(discount.value)}


def _discount_from_dict(data: dict[str, str] | None) -> Discount | None:
    if not data:
        return None
    return Discount(data["kind"], Decimal(data["value"]))
