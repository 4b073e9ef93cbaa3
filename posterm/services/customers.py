"""Finding a customer at the till: by phone, name, code or the barcode of their card.

(A minimal start: the customers issue grows this into the full customer book.)
Soft-deleted customers are never found; blocked or inactive ones are, with their status, so
the till can say why it refuses them credit.
"""

from __future__ import annotations

from peewee import Case

from posterm.data.models import Customer
from posterm.domain.errors import NotFound, ValidationError
from posterm.domain.products import CustomerInfo, next_prefix, search_text
from posterm.services.catalog import clean_code

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
    )


def find_customers(text: str, limit: int = 10) -> list[CustomerInfo]:
    """Customers for what the cashier typed, best first, at most `limit`.

    Digits (3 or more; spaces, "+" and "-" ignored) match anywhere in the phone number, so the
    last digits are enough; any text matches the start of the name or of a word in it, and
    the code exactly. Exact code or phone matches come first, then by name.
    """
    if not 1 <= limit <= MAX_FIND:
        raise ValidationError("limit", f"must be between 1 and {MAX_FIND}")
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
        condition |= Customer.phone.contains(digits)
    exact = Customer.code.in_((code, code.upper())) | (Customer.phone == (digits or code))
    query = (
        Customer.select()
        .where(Customer.deleted_at.is_null() & condition)
        .order_by(Case(None, ((exact, 0),), 1), Customer.search_name, Customer.id)
        .limit(limit)
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
