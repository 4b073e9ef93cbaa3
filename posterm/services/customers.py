"""Finding a customer at the till: by phone, name, code or their card's barcode.

(The customers issue grows this into the full customer book.)
"""

from __future__ import annotations

from peewee import fn

from posterm.data.models import Customer
from posterm.domain.errors import NotFound
from posterm.domain.products import CustomerInfo


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
    """Customers whose phone contains the digits typed, or whose name or code starts so."""
    text = " ".join(text.lower().split())[:40]
    query = Customer.select().where(Customer.deleted_at.is_null())
    digits = "".join(ch for ch in text if ch.isdigit())
    if text and digits == text.replace(" ", "") and len(digits) >= 3:
        query = query.where(Customer.phone.contains(digits))
    elif text:
        starts = (Customer.search_name >= text) & (Customer.search_name < text + "\uffff")
        query = query.where(
            starts | Customer.search_name.contains(f" {text}") | (fn.LOWER(Customer.code) == text)
        )
    return [_info(c) for c in query.order_by(Customer.name).limit(limit)]


def customer_by_card(code: str) -> CustomerInfo | None:
    code = code.strip()
    customer = Customer.get_or_none((Customer.card_barcode == code) | (Customer.code == code))
    return _info(customer) if customer is not None else None


def get_customer(customer_id: int) -> CustomerInfo:
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        raise NotFound(f"No customer with id {customer_id}.")
    return _info(customer)
