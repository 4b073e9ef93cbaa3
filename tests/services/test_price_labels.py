"""A price label's price is the pack's own: a cashier sells at it without a manager."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from posterm.domain.barcodes import make_ean13
from posterm.domain.errors import PermissionDenied
from posterm.domain.open_bill import BillItem, OpenBill
from posterm.domain.permissions import Role
from posterm.domain.sale import Tender
from posterm.services import catalog, checkout
from tests.conftest import actor_for


def test_price_label_is_not_an_override_but_a_typed_price_is(owner, make_product):
    cheese = make_product("Paneer (cut)", "400.00", unit="kg", by_weight=True)
    cheese.code = "2300042"
    cheese.save()
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    label = make_ean13("230004201999")  # this pack: 19.99
    found = catalog.lookup_barcode(label)
    bill = OpenBill()
    bill.add(
        BillItem(
            found.product.id,
            found.product.code,
            found.product.name,
            "kg",
            True,
            found.product.price,
            found.price,
            Decimal(5),
            "",
            Decimal(1),
            label_code=label,
        )
    )
    sale = checkout.checkout(cashier, bill.to_request([Tender("cash", Decimal(20))]))
    assert sale.total == Decimal("19.99") and sale.lines[0].price_overridden is False

    typed = OpenBill()
    typed.add(
        BillItem(
            found.product.id,
            found.product.code,
            found.product.name,
            "kg",
            True,
            found.product.price,
            Decimal("19.99"),
            Decimal(5),
            "",
            Decimal(1),
        )
    )
    with pytest.raises(PermissionDenied):
        checkout.checkout(cashier, typed.to_request([Tender("cash", Decimal(20))]))
    # A label of another product does not lend its price either.
    other = typed.to_request([Tender("cash", Decimal(20))])
    forged = other.lines[0].__class__(
        other.lines[0].product_id, Decimal(1), Decimal("19.99"), None, make_ean13("230009901999")
    )
    with pytest.raises(PermissionDenied):
        checkout.checkout(
            cashier, other.__class__(uuid.uuid4(), [forged], tenders=[Tender("cash", Decimal(20))])
        )
