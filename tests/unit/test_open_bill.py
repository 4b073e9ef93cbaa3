"""The bill on the till: merging scans, refusing bad changes whole, surviving a save."""

from __future__ import annotations

from decimal import Decimal

import pytest

from posterm.domain.cart import Discount
from posterm.domain.errors import ValidationError
from posterm.domain.money import CashRounding
from posterm.domain.open_bill import BillItem, OpenBill
from posterm.domain.sale import Tender


def item(product_id: int = 1, quantity: str = "1", price: str = "50.00", **kw) -> BillItem:
    values = dict(
        product_id=product_id,
        code=f"P{product_id}",
        name=f"Item {product_id}",
        unit="pcs",
        sold_by_weight=False,
        list_price=Decimal(price),
        unit_price=Decimal(price),
        tax_rate=Decimal(5),
        hsn_code="1006",
        quantity=Decimal(quantity),
    )
    values.update(kw)
    return BillItem(**values)


def test_scanning_the_same_product_again_adds_to_its_line():
    bill = OpenBill()
    assert bill.add(item(1)) == 0
    assert bill.add(item(2)) == 1
    assert bill.add(item(1, "2")) == 0
    assert [line.quantity for line in bill.items] == [Decimal(3), Decimal(1)]
    assert bill.add(item(1), merge=False) == 2


def test_bad_changes_leave_the_bill_as_it_was():
    bill = OpenBill()
    bill.add(item(1, price="10.00"))
    for change, message in [
        (lambda: bill.set_quantity(0, Decimal(0)), "must be more than zero"),
        (lambda: bill.set_quantity(0, Decimal("1.5")), "sold in whole pcs"),
        (lambda: bill.set_price(0, Decimal(-1)), "must not be negative"),
        (lambda: bill.set_line_discount(0, Discount.amount(Decimal(11))), "line_discount"),
        (lambda: bill.set_bill_discount(Discount.percent(Decimal(101))), "bill_discount"),
    ]:
        with pytest.raises(ValidationError, match=message):
            change()
    assert bill.items == [item(1, price="10.00")] and bill.bill_discount is None


def test_a_discount_that_no_longer_fits_blocks_shrinking_the_line():
    bill = OpenBill()
    bill.add(item(1, "3", price="10.00"))
    bill.set_bill_discount(Discount.amount(Decimal(25)))
    with pytest.raises(ValidationError):
        bill.set_quantity(0, Decimal(2))
    assert bill.items[0].quantity == 3


def test_weights_and_totals():
    bill = OpenBill()
    bill.add(item(7, "0.250", price="120.00", unit="kg", sold_by_weight=True))
    totals = bill.totals(True, CashRounding.STEP_1_00)
    assert totals.total_before_rounding == Decimal("30.00")
    assert totals.total_due == Decimal(30)


def test_json_round_trip_and_checkout_request():
    bill = OpenBill(customer_id=4, customer_name="Ravi", note="deliver")
    bill.add(item(1, "2"))
    bill.add(item(2, price="20.00"))
    bill.set_price(1, Decimal("18.00"))
    bill.set_line_discount(0, Discount.percent(Decimal(10)))
    bill.set_bill_discount(Discount.amount(Decimal(5)))
    again = OpenBill.from_json(bill.to_json())
    assert again == bill
    request = again.to_request([Tender("cash", Decimal(200))])
    assert request.cart_id == bill.id and request.customer_id == 4
    assert [line.unit_price for line in request.lines] == [None, Decimal("18.00")]


def test_clear_starts_a_new_bill():
    bill = OpenBill()
    old_id = bill.id
    bill.add(item(1))
    bill.clear()
    assert bill.is_empty and bill.id != old_id
