"""Finding customers at the till, on both databases: phone digits, name, code, loyalty card."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from posterm.data.models import Customer
from posterm.domain.errors import NotFound, ValidationError
from posterm.domain.products import CustomerInfo
from posterm.services import customers


@pytest.fixture
def book(make_customer) -> dict[str, Customer]:
    made = {
        name: make_customer(name)
        for name in ("Ramesh Gupta", "Rita Sharma", "Anil Ramesh Kumar", "Sunita Rao")
    }
    made["Sunita Rao"].card_barcode = "2900000012345"
    made["Sunita Rao"].save()
    return made


def _names(found: list[CustomerInfo]) -> list[str]:
    return [c.name for c in found]


def test_a_customer_comes_back_as_plain_values(book):
    ramesh = book["Ramesh Gupta"]
    [found] = customers.find_customers("ramesh g")
    assert found == CustomerInfo(
        id=ramesh.id,
        code=ramesh.code,
        name="Ramesh Gupta",
        phone=ramesh.phone,
        status="active",
        balance=Decimal(0),
        credit_limit=Decimal(1000),
    )
    assert customers.get_customer(ramesh.id) == found


def test_by_name_start_or_word_start(book):
    assert _names(customers.find_customers("ri")) == ["Rita Sharma"]
    assert _names(customers.find_customers("r")) == [
        "Anil Ramesh Kumar",
        "Ramesh Gupta",
        "Rita Sharma",
        "Sunita Rao",
    ]
    assert _names(customers.find_customers("RAMESH")) == ["Anil Ramesh Kumar", "Ramesh Gupta"]
    assert _names(customers.find_customers("rao")) == ["Sunita Rao"]
    assert customers.find_customers("  ") == []


def test_by_phone_digits_anywhere(book):
    rita = book["Rita Sharma"]
    assert _names(customers.find_customers(rita.phone)) == ["Rita Sharma"]
    assert _names(customers.find_customers(rita.phone[-4:])) == ["Rita Sharma"]
    spaced = f"{rita.phone[:5]} {rita.phone[5:]}"
    assert _names(customers.find_customers(spaced)) == ["Rita Sharma"]
    assert len(customers.find_customers("98765")) == 4
    assert len(customers.find_customers("98765", limit=2)) == 2


def test_an_exact_code_comes_first(book):
    sunita = book["Sunita Rao"]
    sunita.code = "RA"
    sunita.save()
    assert _names(customers.find_customers("ra")) == [
        "Sunita Rao",
        "Anil Ramesh Kumar",
        "Ramesh Gupta",
    ]


def test_deleted_customers_are_never_found(book):
    rita = book["Rita Sharma"]
    rita.deleted_at = datetime.now(UTC)
    rita.status = "deleted"
    rita.save()
    assert _names(customers.find_customers("rita")) == []
    assert customers.customer_by_card(rita.code) is None
    with pytest.raises(NotFound):
        customers.get_customer(rita.id)


def test_blocked_customers_are_found_with_their_status(book):
    ramesh = book["Ramesh Gupta"]
    ramesh.status = "blocked"
    ramesh.save()
    assert customers.find_customers("ramesh g")[0].status == "blocked"


def test_a_loyalty_card_or_a_code_names_its_customer(book):
    sunita = book["Sunita Rao"]
    assert customers.customer_by_card("2900000012345").id == sunita.id
    assert customers.customer_by_card(" 2900000 012345 ").id == sunita.id
    assert customers.customer_by_card(book["Rita Sharma"].code).name == "Rita Sharma"
    assert customers.customer_by_card("8901058000290") is None
    assert customers.customer_by_card("") is None


def test_a_card_wins_over_another_customers_code(book):
    ramesh, rita = book["Ramesh Gupta"], book["Rita Sharma"]
    rita.card_barcode = ramesh.code
    rita.save()
    assert customers.customer_by_card(ramesh.code).id == rita.id


def test_limits(book):
    with pytest.raises(ValidationError):
        customers.find_customers("r", limit=0)
    with pytest.raises(NotFound):
        customers.get_customer(999_999)
