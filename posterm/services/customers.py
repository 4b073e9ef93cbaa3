"""The customer book: finding a customer at the till (by phone, name, code or the barcode of
their card), creating and editing customers, and what each has bought.

Phone numbers are stored normalised (`posterm.domain.phones`), so one number is one customer.
Soft-deleted customers are never found; blocked or inactive ones are, with their status, so
the till can say why it refuses them credit.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from peewee import Case, fn

from posterm.data.database import for_update, write_transaction
from posterm.data.fields import sum_of, utc_now
from posterm.data.models import Customer, Sale, SaleLine
from posterm.domain.customers import Customer as CustomerRecord
from posterm.domain.customers import (
    CustomerFields,
    CustomerForm,
    DuplicateCustomer,
    PurchaseSummary,
    TopItem,
    check_customer,
)
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.money import quantize_money
from posterm.domain.permissions import Actor, Permission
from posterm.domain.phones import format_phone, normalise_phone
from posterm.domain.products import CustomerInfo, next_prefix, search_key, search_text
from posterm.services import audit
from posterm.services.catalog import clean_code
from posterm.services.settings import load_settings

if TYPE_CHECKING:
    from posterm.domain.returns import SaleSummary

MAX_FIND = 100
_MIN_PHONE_DIGITS = 3


def _info(customer: Customer) -> CustomerInfo:
    return CustomerInfo(
        id=customer.id,
        code=customer.code,
        name=customer.name,
        phone=customer.phone or "",
        status=customer.status,
        balance=customer.balance,
        credit_limit=customer.credit_limit,
        loyalty_points=customer.loyalty_points,
    )


def find_customers(text: str, limit: int = 10, offset: int = 0) -> list[CustomerInfo]:
    """Customers for what the cashier typed, best first, at most `limit`.

    Digits (3 or more; spaces, "+" and "-" ignored) match anywhere in the phone number, so the
    last digits are enough; any text matches the start of the name or of a word in it, and
    the code exactly. Exact code or phone matches come first, then by name.
    """
    if not 1 <= limit <= MAX_FIND:
        raise ValidationError("limit", f"must be between 1 and {MAX_FIND}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")
    typed = text.strip()[:60]
    name = search_text(typed)
    if not name:
        return []
    code = clean_code(typed)
    digits = "".join(ch for ch in code if ch.isdigit())
    is_phone = len(digits) >= _MIN_PHONE_DIGITS and not code.strip("0123456789+-")
    upper = next_prefix(name)
    condition = (
        ((Customer.search_name >= name) & (Customer.search_name < upper))
        | Customer.search_name.contains(" " + name)
        | Customer.code.in_((code, code.upper()))
    )
    if is_phone:
        if len(digits) > 10:
            # "+91 98765 43210" is stored as its national digits.
            with contextlib.suppress(ValidationError):
                digits = (normalise_phone(typed) or digits).lstrip("+")
        condition |= Customer.phone.contains(digits)
    exact = Customer.code.in_((code, code.upper())) | (Customer.phone == (digits or code))
    query = (
        Customer.select()
        .where(Customer.deleted_at.is_null() & condition)
        .order_by(Case(None, ((exact, 0),), 1), Customer.search_name, Customer.id)
        .limit(limit)
        .offset(offset)
    )
    return [_info(customer) for customer in query]


def customer_by_card(code: str) -> CustomerInfo | None:
    """The customer whose loyalty card (or code) was scanned, or None."""
    code = clean_code(code)
    if not code:
        return None
    customer = (
        Customer.select()
        .where(
            Customer.deleted_at.is_null()
            & ((Customer.card_barcode == code) | (Customer.code == code))
        )
        # A card barcode that equals another customer's code names the card's owner.
        .order_by(Case(None, ((Customer.card_barcode == code, 0),), 1))
        .first()
    )
    return _info(customer) if customer is not None else None


def get_customer(customer_id: int) -> CustomerInfo:
    customer = Customer.get_or_none((Customer.id == customer_id) & Customer.deleted_at.is_null())
    if customer is None:
        raise NotFound(f"No customer with id {customer_id}.")
    return _info(customer)


def list_customers(text: str = "", limit: int = 50, offset: int = 0) -> list[CustomerInfo]:
    """One page of the customer book: everyone by name, or those matching `text` best first."""
    if text.strip():
        return find_customers(text, limit=limit, offset=offset)
    if not 1 <= limit <= MAX_FIND or offset < 0:
        raise ValidationError("limit", f"must be between 1 and {MAX_FIND}")
    query = (
        Customer.select()
        .where(Customer.deleted_at.is_null())
        .order_by(Customer.search_name, Customer.id)
        .limit(limit)
        .offset(offset)
    )
    return [_info(customer) for customer in query]


# --- the customer book: create and edit ------------------------------------------------------


def customer_detail(customer_id: int) -> CustomerRecord:
    """Everything about one customer that the customer screen shows and edits."""
    return _record(_row(customer_id))


def _row(customer_id: int) -> Customer:
    if not isinstance(customer_id, int):
        raise NotFound(f"No customer with id {customer_id!r}.")
    customer = Customer.get_or_none((Customer.id == customer_id) & Customer.deleted_at.is_null())
    if customer is None:
        raise NotFound(f"No customer with id {customer_id}.")
    return customer


def _record(customer: Customer) -> CustomerRecord:
    return CustomerRecord(
        id=customer.id,
        code=customer.code,
        name=customer.name,
        phone=customer.phone or "",
        email=customer.email,
        address=customer.address,
        tax_id=customer.tax_id,
        card_barcode=customer.card_barcode or "",
        credit_limit=customer.credit_limit,
        status=customer.status,
        notes=customer.notes,
        balance=customer.balance,
        loyalty_points=customer.loyalty_points,
    )


def new_customer_form() -> CustomerForm:
    """A blank form with the store's default credit limit filled in."""
    return CustomerForm(name="", credit_limit=f"{load_settings().default_credit_limit:.2f}")


def create_customer(actor: Actor, form: CustomerForm) -> CustomerRecord:
    """Adds a customer; raises CustomerInvalid (every bad field) or DuplicateCustomer."""
    actor.require(Permission.MANAGE_CUSTOMERS)
    fields = check_customer(form, load_settings().default_credit_limit)
    with write_transaction():
        _check_unique(fields, None)
        code = fields.code or _next_code()
        if Customer.select().where(Customer.code == code).exists():
            raise Conflict(f"Code {code} is taken; choose another or leave it blank.")
        customer = Customer.create(
            code=code,
            search_name=search_key(fields.name, code),
            **_values(fields),
        )
        audit.record(
            actor,
            "customer.create",
            entity="customer",
            entity_id=code,
            details={"name": fields.name, "phone": fields.phone, "limit": fields.credit_limit},
        )
    return _record(customer)


def update_customer(actor: Actor, customer_id: int, form: CustomerForm) -> CustomerRecord:
    """Saves an edited customer; the audit log keeps what changed."""
    actor.require(Permission.MANAGE_CUSTOMERS)
    fields = check_customer(form, load_settings().default_credit_limit)
    with write_transaction():
        customer = for_update(Customer.select().where(Customer.id == customer_id)).first()
        if customer is None or customer.deleted_at is not None:
            raise NotFound(f"No customer with id {customer_id}.")
        _check_unique(fields, customer.id)
        code = fields.code or customer.code
        if code != customer.code and Customer.select().where(Customer.code == code).exists():
            raise Conflict(f"Code {code} is taken; choose another.")
        before = _record(customer)
        values = _values(fields)
        Customer.update(
            code=code,
            search_name=search_key(fields.name, code),
            updated_at=utc_now(),
            **values,
        ).where(Customer.id == customer.id).execute()
        after = _record(Customer.get_by_id(customer.id))
        changed = {
            name: [str(getattr(before, name)), str(getattr(after, name))]
            for name in (*values, "code")
            if getattr(before, name) != getattr(after, name)
        }
        if changed:
            audit.record(
                actor,
                "customer.update",
                entity="customer",
                entity_id=code,
                details=changed,
            )
    return after


def _values(fields: CustomerFields) -> dict:
    return {
        "name": fields.name,
        "phone": fields.phone,
        "email": fields.email,
        "address": fields.address,
        "tax_id": fields.tax_id,
        "card_barcode": fields.card_barcode,
        "credit_limit": fields.credit_limit,
        "status": fields.status,
        "notes": fields.notes,
    }


def _check_unique(fields: CustomerFields, own_id: int | None) -> None:
    for name, column, value in (
        ("phone", Customer.phone, fields.phone),
        ("card", Customer.card_barcode, fields.card_barcode),
    ):
        if value is None:
            continue
        query = Customer.select().where(column == value)
        if own_id is not None:
            query = query.where(Customer.id != own_id)
        other = query.first()
        if other is not None:
            shown = format_phone(value) if name == "phone" else value
            raise DuplicateCustomer(name, shown, other.id, other.name, other.code)


def _next_code() -> str:
    """C0001, C0002 ...: the first number past the customers already in the book."""
    number = Customer.select().count() + 1
    while Customer.select().where(Customer.code == f"C{number:04d}").exists():
        number += 1
    return f"C{number:04d}"


# --- what they bought ------------------------------------------------------------------------

TOP_ITEMS = 5


def purchase_history(customer_id: int, limit: int = 50, offset: int = 0) -> list[SaleSummary]:
    """One page of the customer's bills (sales, returns, voids), newest first."""
    from posterm.services.sales import list_sales

    _row(customer_id)
    return list_sales(customer_id=customer_id, limit=limit, offset=offset)


def purchase_summary(customer_id: int) -> PurchaseSummary:
    """Total spent (returns and voids netted), visits, first and last visit, top items."""
    _row(customer_id)
    zone = ZoneInfo(load_settings().timezone)
    mine = Sale.customer == customer_id
    total = Sale.select(sum_of(Sale.total)).where(mine).scalar() or Decimal(0)
    voided = Sale.select(Sale.original).where(mine & (Sale.kind == "void"))
    visits = Sale.select().where(mine & (Sale.kind == "sale") & Sale.id.not_in(voided))
    first = visits.order_by(Sale.created_at).first()
    last = visits.order_by(Sale.created_at.desc()).first()
    amount = sum_of(SaleLine.line_total)
    top = (
        SaleLine.select(SaleLine.name, sum_of(SaleLine.quantity), amount)
        .join(Sale, on=(SaleLine.sale == Sale.id))
        .where(mine)
        .group_by(SaleLine.name)
        .having(fn.SUM(SaleLine.quantity) > 0)
        .order_by(fn.SUM(SaleLine.line_total).desc(), SaleLine.name)
        .limit(TOP_ITEMS)
        .tuples()
    )
    return PurchaseSummary(
        total_spent=_short(total),
        visits=visits.count(),
        first_visit=first.created_at.astimezone(zone).date() if first else None,
        last_visit=last.created_at.astimezone(zone).date() if last else None,
        top_items=tuple(TopItem(name, quantity, _short(value)) for name, quantity, value in top),
    )


def _short(value: Decimal) -> Decimal:
    return quantize_money(value, 2)
