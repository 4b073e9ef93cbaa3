"""Suppliers and goods received: plain values, the line arithmetic and the draft on screen.

A purchase line's `unit_cost` is before tax (what the goods cost the shop; GST paid on them is
input tax, kept apart in `tax_amount`). Amounts are rounded per line to the currency's minor
unit, like sales: net = quantity x unit cost, tax = net x rate (unless the invoice states its
own tax amount), line total = net + tax. The purchase total is the sum of the line totals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from posterm.domain.errors import ValidationError
from posterm.domain.money import (
    MAX_MONEY,
    MAX_QUANTITY,
    MONEY_PLACES,
    exact_context,
    format_quantity,
    quantize_money,
)

CURRENCY_PLACES = 2
WHOLE_UNITS = ("pcs", "dozen")
PAYMENT_METHODS = ("cash", "bank", "upi", "cheque", "card")
MAX_INVOICE = 40
MAX_BATCH = 40
MAX_LINES = 500


class FieldErrors(ValidationError):
    """Several fields of one form are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first, message = next(iter(errors.items()))
        super().__init__(first, message)
        self.errors = dict(errors)
        self.args = ("; ".join(f"{name}: {text}" for name, text in errors.items()),)


# --- suppliers -------------------------------------------------------------------------------

_PHONE = re.compile(r"[0-9+()\- ]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TAX_ID = re.compile(r"[A-Za-z0-9\-/ ]*")


@dataclass(frozen=True)
class SupplierInput:
    """What the supplier form holds, as typed."""

    name: str
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    tax_id: str = ""
    notes: str = ""

    def cleaned(self) -> SupplierInput:
        """The values tidied (spaces, upper-case tax id); FieldErrors names each bad one."""
        errors: dict[str, str] = {}
        name = " ".join(self.name.split())
        if not name:
            errors["name"] = "is required"
        elif len(name) > 120:
            errors["name"] = "at most 120 characters"
        contact = " ".join(self.contact_name.split())
        if len(contact) > 80:
            errors["contact_name"] = "at most 80 characters"
        phone = " ".join(self.phone.split())
        if len(phone) > 20:
            errors["phone"] = "at most 20 characters"
        elif not _PHONE.fullmatch(phone):
            errors["phone"] = "digits, spaces, + - ( ) only"
        email = self.email.strip()
        if len(email) > 120:
            errors["email"] = "at most 120 characters"
        elif email and not _EMAIL.fullmatch(email):
            errors["email"] = "not an e-mail address (name@example.com)"
        address = self.address.strip()
        if len(address) > 400:
            errors["address"] = "at most 400 characters"
        tax_id = " ".join(self.tax_id.split()).upper()
        if len(tax_id) > 32:
            errors["tax_id"] = "at most 32 characters"
        elif not _TAX_ID.fullmatch(tax_id):
            errors["tax_id"] = "letters, digits, - and / only"
        notes = self.notes.strip()
        if len(notes) > 500:
            errors["notes"] = "at most 500 characters"
        if errors:
            raise FieldErrors(errors)
        return SupplierInput(name, contact, phone, email, address, tax_id, notes)


@dataclass(frozen=True)
class SupplierInfo:
    id: int
    name: str
    contact_name: str
    phone: str
    email: str
    address: str
    tax_id: str
    notes: str
    status: str
    balance: Decimal  # what we owe them; negative is an advance paid

    @property
    def active(self) -> bool:
        return self.status == "active"

    def as_input(self) -> SupplierInput:
        return SupplierInput(
            self.name,
            self.contact_name,
            self.phone,
            self.email,
            self.address,
            self.tax_id,
            self.notes,
        )


@dataclass(frozen=True)
class SupplierEntryInfo:
    """One line of a supplier's ledger: positive raises what we owe, negative lowers it."""

    id: int
    at: datetime  # in the store's timezone
    kind: str  # purchase, payment, return, adjustment, opening
    amount: Decimal
    balance_after: Decimal
    purchase_id: int | None
    invoice_number: str
    method: str
    reference: str
    username: str
    note: str


@dataclass(frozen=True)
class SupplierPayment:
    supplier: SupplierInfo
    entry: SupplierEntryInfo
    advance: Decimal  # how much of it went beyond what was due (0 for a normal payment)


# --- purchases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseProduct:
    """A product as the receiving screen needs it: its cost and whether it tracks expiry."""

    id: int
    code: str
    name: str
    unit: str
    sold_by_weight: bool
    cost: Decimal
    tax_rate: Decimal
    track_expiry: bool
    stock: Decimal


@dataclass(frozen=True)
class PurchaseLineRequest:
    product_id: int
    quantity: Decimal
    unit_cost: Decimal  # before tax
    tax_rate: Decimal = Decimal(0)  # percent
    tax_amount: Decimal | None = None  # None: computed from the rate
    batch_number: str = ""
    expiry_date: date | None = None


@dataclass(frozen=True)
class PurchaseRequest:
    supplier_id: int
    invoice_number: str
    invoice_date: date
    lines: tuple[PurchaseLineRequest, ...]
    paid: Decimal = Decimal(0)
    method: str = "cash"
    reference: str = ""  # of the payment (cheque or UTR number); the invoice when empty
    update_cost: bool = True  # set each product's cost to this purchase's unit cost
    notes: str = ""
    draft_id: UUID | None = None  # the till's saved draft, removed with the purchase


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax_amount: Decimal
    total: Decimal


def check_money(value: Decimal, what: str, places: int = CURRENCY_PLACES) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError(what, "not a number")
    if value != quantize_money(value, places):
        raise ValidationError(what, f"at most {places} decimal places")
    if abs(value) > MAX_MONEY:
        raise ValidationError(what, "too large")


def line_amounts(
    quantity: Decimal, unit_cost: Decimal, tax_rate: Decimal, tax_amount: Decimal | None = None
) -> LineAmounts:
    with exact_context():
        net = quantize_money(quantity * unit_cost, CURRENCY_PLACES)
        tax = (
            tax_amount
            if tax_amount is not None
            else quantize_money(net * tax_rate / Decimal(100), CURRENCY_PLACES)
        )
        return LineAmounts(net, tax, net + tax)


def check_line(
    index: int,
    line: PurchaseLineRequest,
    product: PurchaseProduct,
    invoice_date: date,
) -> LineAmounts:
    """Refuses a bad line with the field and the product named; returns its amounts."""
    where = f"line {index} ({product.name})"
    quantity = line.quantity
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise ValidationError("quantity", f"not a number on {where}")
    if quantity <= 0:
        raise ValidationError("quantity", f"must be more than zero on {where}")
    if quantity > MAX_QUANTITY:
        raise ValidationError("quantity", f"at most {format_quantity(MAX_QUANTITY)} on {where}")
    if quantity != quantity.quantize(Decimal("0.001")):
        raise ValidationError("quantity", f"at most 3 decimal places on {where}")
    if product.unit in WHOLE_UNITS and not product.sold_by_weight and quantity != int(quantity):
        raise ValidationError("quantity", f"'{product.name}' comes in whole {product.unit}")
    check_money(line.unit_cost, "unit_cost", MONEY_PLACES)
    if line.unit_cost <= 0:
        raise ValidationError("unit_cost", f"must be more than zero on {where}")
    if not isinstance(line.tax_rate, Decimal) or not 0 <= line.tax_rate <= 100:
        raise ValidationError("tax_rate", f"must be between 0 and 100 on {where}")
    if line.tax_amount is not None:
        check_money(line.tax_amount, "tax_amount")
        if line.tax_amount < 0:
            raise ValidationError("tax_amount", f"must not be negative on {where}")
    if len(line.batch_number.strip()) > MAX_BATCH:
        raise ValidationError("batch_number", f"at most {MAX_BATCH} characters on {where}")
    if product.track_expiry and line.expiry_date is None:
        raise ValidationError("expiry_date", f"'{product.name}' tracks expiry: give the date")
    if line.expiry_date is not None and line.expiry_date < invoice_date:
        raise ValidationError(
            "expiry_date", f"{line.expiry_date:%d-%m-%Y} is before the invoice date on {where}"
        )
    return line_amounts(quantity, line.unit_cost, line.tax_rate, line.tax_amount)


@dataclass(frozen=True)
class PurchaseLineInfo:
    line_no: int
    product_id: int
    code: str
    name: str
    unit: str
    quantity: Decimal
    unit_cost: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    line_total: Decimal
    batch_number: str
    expiry_date: date | None
    batch_id: int | None


@dataclass(frozen=True)
class PurchaseSummary:
    id: int
    supplier_id: int
    supplier_name: str
    invoice_number: str
    invoice_date: date
    total: Decimal
    paid: Decimal
    line_count: int
    received_at: datetime  # in the store's timezone
    username: str


@dataclass(frozen=True)
class PurchaseDetail:
    id: int
    supplier: SupplierInfo  # as it is now (its balance included)
    invoice_number: str
    invoice_date: date
    lines: tuple[PurchaseLineInfo, ...]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    paid: Decimal
    method: str
    received_at: datetime  # in the store's timezone
    username: str
    notes: str

    @property
    def due(self) -> Decimal:
        return self.total - self.paid


# --- the draft on the receiving screen -------------------------------------------------------


@dataclass(frozen=True)
class DraftLine:
    product: PurchaseProduct
    quantity: Decimal
    unit_cost: Decimal
    tax_rate: Decimal
    tax_amount: Decimal | None = None
    batch_number: str = ""
    expiry_date: date | None = None

    @property
    def amounts(self) -> LineAmounts:
        return line_amounts(self.quantity, self.unit_cost, self.tax_rate, self.tax_amount)

    @property
    def needs_expiry(self) -> bool:
        return self.product.track_expiry and self.expiry_date is None


@dataclass
class ReceivingDraft:
    """Goods being received, saved as JSON on every change so closing the app loses nothing."""

    id: UUID = field(default_factory=uuid4)
    supplier_id: int | None = None
    supplier_name: str = ""
    invoice_number: str = ""
    invoice_date: date | None = None
    lines: list[DraftLine] = field(default_factory=list)
    update_cost: bool = True

    @property
    def is_empty(self) -> bool:
        return not self.lines and self.supplier_id is None and not self.invoice_number

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """(subtotal before tax, tax, total)."""
        amounts = [line.amounts for line in self.lines]
        net = sum((a.net for a in amounts), Decimal(0))
        tax = sum((a.tax_amount for a in amounts), Decimal(0))
        return net, tax, net + tax

    def add(self, product: PurchaseProduct, quantity: Decimal, unit_cost: Decimal) -> int:
        """Adds a line (or adds to the product's last line when it has no batch yet)."""
        for index in range(len(self.lines) - 1, -1, -1):
            line = self.lines[index]
            if line.product.id == product.id and not line.batch_number and not line.expiry_date:
                self.lines[index] = replace(line, quantity=line.quantity + quantity)
                return index
        self.lines.append(DraftLine(product, quantity, unit_cost, product.tax_rate))
        return len(self.lines) - 1

    def to_request(self, paid: Decimal, method: str, reference: str = "") -> PurchaseRequest:
        if self.supplier_id is None:
            raise ValidationError("supplier", "choose the supplier first")
        if self.invoice_date is None:
            raise ValidationError("invoice_date", "give the invoice date")
        return PurchaseRequest(
            supplier_id=self.supplier_id,
            invoice_number=self.invoice_number,
            invoice_date=self.invoice_date,
            lines=tuple(
                PurchaseLineRequest(
                    line.product.id,
                    line.quantity,
                    line.unit_cost,
                    line.tax_rate,
                    line.tax_amount,
                    line.batch_number,
                    line.expiry_date,
                )
                for line in self.lines
            ),
            paid=paid,
            method=method,
            reference=reference,
            update_cost=self.update_cost,
            draft_id=self.id,
        )

    def to_json(self) -> str:
        def product(p: PurchaseProduct) -> dict[str, Any]:
            return {
                "id": p.id,
                "code": p.code,
                "name": p.name,
                "unit": p.unit,
                "sold_by_weight": p.sold_by_weight,
                "cost": str(p.cost),
                "tax_rate": str(p.tax_rate),
                "track_expiry": p.track_expiry,
                "stock": str(p.stock),
            }

        return json.dumps(
            {
                "id": str(self.id),
                "supplier_id": self.supplier_id,
                "supplier_name": self.supplier_name,
                "invoice_number": self.invoice_number,
                "invoice_date": self.invoice_date.isoformat() if self.invoice_date else None,
                "update_cost": self.update_cost,
                "lines": [
                    {
                        "product": product(line.product),
                        "quantity": str(line.quantity),
                        "unit_cost": str(line.unit_cost),
                        "tax_rate": str(line.tax_rate),
                        "tax_amount": None if line.tax_amount is None else str(line.tax_amount),
                        "batch_number": line.batch_number,
                        "expiry_date": line.expiry_date.isoformat() if line.expiry_date else None,
                    }
                    for line in self.lines
                ],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ReceivingDraft:
        data = json.loads(text)

        def product(p: dict[str, Any]) -> PurchaseProduct:
            return PurchaseProduct(
                p["id"],
                p["code"],
                p["name"],
                p["unit"],
                p["sold_by_weight"],
                Decimal(p["cost"]),
                Decimal(p["tax_rate"]),
                p["track_expiry"],
                Decimal(p["stock"]),
            )

        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            id=UUID(data["id"]),
            supplier_id=data["supplier_id"],
            supplier_name=data["supplier_name"],
            invoice_number=data["invoice_number"],
            invoice_date=day(data["invoice_date"]),
            update_cost=data["update_cost"],
            lines=[
                DraftLine(
                    product(line["product"]),
                    Decimal(line["quantity"]),
                    Decimal(line["unit_cost"]),
                    Decimal(line["tax_rate"]),
                    None if line["tax_amount"] is None else Decimal(line["tax_amount"]),
                    line["batch_number"],
                    day(line["expiry_date"]),
                )
                for line in data["lines"]
            ],
        )


def parse_day(text: str, field_name: str = "date") -> date:
    """ "dd-mm-yyyy" (also dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd, and dd-mm-yy)."""
    value = text.strip()
    for pattern in ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%y", "%d/%m/%y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}", value):
        raise ValidationError(field_name, f"{value} is not a date on the calendar")
    raise ValidationError(field_name, "use dd-mm-yyyy")


def parse_invoice_number(text: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise ValidationError("invoice_number", "is required")
    if len(value) > MAX_INVOICE:
        raise ValidationError("invoice_number", f"at most {MAX_INVOICE} characters")
    return value
