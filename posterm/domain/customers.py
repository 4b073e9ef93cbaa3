"""The customer book's rules: what a customer record may hold, checked field by field.

`check_customer` reads what was typed into the form and returns clean values, or raises
`CustomerInvalid` naming every bad field at once, so the form can mark them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from posterm.domain.errors import Conflict, ValidationError
from posterm.domain.money import parse_money
from posterm.domain.phones import normalise_phone

STATUSES: tuple[str, ...] = ("active", "inactive", "blocked")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/]{0,31}")


class CustomerInvalid(ValidationError):
    """Several fields of a customer form are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(first, errors[first])
        self.errors = dict(errors)
        self.args = ("; ".join(f"{field}: {message}" for field, message in errors.items()),)

    def __str__(self) -> str:
        return str(self.args[0])


class DuplicateCustomer(Conflict):
    """The phone number (or card) already belongs to another customer, named here to open."""

    def __init__(self, field: str, value: str, customer_id: int, name: str, code: str) -> None:
        super().__init__(f"{field.title()} {value} already belongs to {name} ({code}).")
        self.field = field
        self.customer_id = customer_id
        self.customer_name = name


@dataclass(frozen=True)
class CustomerForm:
    """What was typed into the customer form, as text. A blank credit limit takes the default."""

    name: str
    phone: str = ""
    email: str = ""
    address: str = ""
    tax_id: str = ""
    credit_limit: str = ""
    status: str = "active"
    notes: str = ""
    code: str = ""  # blank: the next free code is given
    card_barcode: str = ""


@dataclass(frozen=True)
class CustomerFields:
    """A customer form's clean values, ready to store."""

    name: str
    phone: str | None
    email: str
    address: str
    tax_id: str
    credit_limit: Decimal
    status: str
    notes: str
    code: str
    card_barcode: str | None


def check_customer(form: CustomerForm, default_limit: Decimal) -> CustomerFields:
    errors: dict[str, str] = {
        name: "contains a NUL character"
        for name, value in vars(form).items()
        if isinstance(value, str) and "\x00" in value
    }
    if errors:  # nothing else can be said of such a form, and no database can store it
        raise CustomerInvalid(errors)

    def field(name: str, parse):
        try:
            return parse()
        except ValidationError as error:
            errors[name] = error.message
            return None

    name = " ".join(form.name.split())
    if not name:
        errors["name"] = "must not be empty"
    elif len(name) > 120:
        errors["name"] = "at most 120 characters"
    phone = field("phone", lambda: normalise_phone(form.phone))
    email = form.email.strip()
    if email and (len(email) > 120 or not _EMAIL.fullmatch(email)):
        errors["email"] = f"'{email[:40]}' is not an email address"
    address = form.address.strip()
    if len(address) > 400:
        errors["address"] = "at most 400 characters"
    tax_id = form.tax_id.strip().upper()
    if len(tax_id) > 32:
        errors["tax_id"] = "at most 32 characters"
    limit_text = form.credit_limit.strip()
    limit = (
        default_limit
        if not limit_text
        else field("credit_limit", lambda: parse_money(limit_text, "credit_limit"))
    )
    status = form.status.strip().lower()
    if status not in STATUSES:
        errors["status"] = f"must be one of {', '.join(STATUSES)}"
    notes = form.notes.strip()
    if len(notes) > 1000:
        errors["notes"] = "at most 1000 characters"
    code = form.code.strip().upper()
    if code and not _CODE.fullmatch(code):
        errors["code"] = "letters, digits, '-', '_' or '/', at most 32"
    card = form.card_barcode.strip()
    if card and not _CODE.fullmatch(card):
        errors["card_barcode"] = "letters, digits, '-', '_' or '/', at most 32"
    if errors:
        raise CustomerInvalid(errors)
    return CustomerFields(
        name=name,
        phone=phone,
        email=email,
        address=address,
        tax_id=tax_id,
        credit_limit=limit if limit is not None else default_limit,
        status=status,
        notes=notes,
        code=code,
        card_barcode=card or None,
    )


@dataclass(frozen=True)
class Customer:
    """One customer, everything the customer screen shows and edits."""

    id: int
    code: str
    name: str
    phone: str
    email: str
    address: str
    tax_id: str
    card_barcode: str
    credit_limit: Decimal
    status: str
    notes: str
    balance: Decimal
    loyalty_points: Decimal

    def to_form(self) -> CustomerForm:
        return CustomerForm(
            name=self.name,
            phone=self.phone,
            email=self.email,
            address=self.address,
            tax_id=self.tax_id,
            credit_limit=f"{self.credit_limit:.2f}",
            status=self.status,
            notes=self.notes,
            code=self.code,
            card_barcode=self.card_barcode,
        )


@dataclass(frozen=True)
class TopItem:
    name: str
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PurchaseSummary:
    """What a customer has bought: returns and voids are netted out of the totals."""

    total_spent: Decimal
    visits: int  # sales not voided
    first_visit: date | None
    last_visit: date | None
    top_items: tuple[TopItem, ...]
