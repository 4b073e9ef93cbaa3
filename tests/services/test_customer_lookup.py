"""Finding a customer at the till by phone, name, code or card."""

from __future__ import annotations

from posterm.data.models import Customer
from posterm.services import customers


def test_find_by_phone_name_code_and_card(make_customer):
    ramesh = make_customer("Ramesh Gupta")
    make_customer("Sita Ram")
    Customer.update(card_barcode="CARD0001").where(Customer.id == ramesh.id).execute()
    assert [c.name for c in customers.find_customers(ramesh.phone[-5:])] == ["Ramesh Gupta"]
    assert [c.name for c in customers.find_customers("rame")] == ["Ramesh Gupta"]
    assert [c.name for c in customers.find_customers("ram")] == ["Ramesh Gupta", "Sita Ram"]
    assert customers.customer_by_card("CARD0001").id == ramesh.id
    assert customers.customer_by_card(ramesh.code).id == ramesh.id
    assert customers.customer_by_card("nope") is None
