"""The open bill of a till and parked bills, on both databases: nothing is ever lost."""

from __future__ import annotations

from decimal import Decimal

import pytest

from posterm.data.models import HeldSale
from posterm.domain.errors import Conflict, NotFound
from posterm.domain.open_bill import BillItem, OpenBill
from posterm.domain.permissions import Actor
from posterm.services import held_sales, system


def bill_with(product, quantity: str = "2") -> OpenBill:
    bill = OpenBill(customer_name="")
    bill.add(
        BillItem(
            product.id,
            product.code,
            product.name,
            "pcs",
            False,
            product.price,
            product.price,
            Decimal(5),
            "",
            Decimal(quantity),
        )
    )
    return bill


def test_open_bill_is_saved_replaced_and_restored(owner, make_product, db_url):
    product = make_product()
    bill = bill_with(product)
    held_sales.save_open_bill(owner, bill)
    bill.set_quantity(0, Decimal(5))
    held_sales.save_open_bill(owner, bill)
    assert HeldSale.select().count() == 1
    system.close()
    system.open_store(db_url)  # a restart: a new connection
    restored = held_sales.restore_open_bill(owner.terminal)
    assert restored == bill
    assert held_sales.restore_open_bill("another-till") is None


def test_an_empty_bill_removes_the_open_row(owner, make_product):
    bill = bill_with(make_product())
    held_sales.save_open_bill(owner, bill)
    bill.clear()
    held_sales.save_open_bill(owner, bill)
    assert HeldSale.select().count() == 0


def test_hold_list_recall_and_conflicts(owner, make_product):
    product = make_product()
    parked = bill_with(product, "1")
    held_sales.hold_bill(owner, parked, "Mrs Rao")
    held = held_sales.list_held("rao")
    assert [(h.note, h.item_count) for h in held] == [("Mrs Rao", 1)]
    assert held_sales.list_held("nobody") == []
    recalled = held_sales.recall_bill(owner, held[0].uuid)
    assert recalled == parked
    other_till = Actor(owner.user_id, owner.username, owner.role, "till-2")
    with pytest.raises(Conflict, match="open on till"):
        held_sales.recall_bill(other_till, held[0].uuid)
    held_sales.discard_bill(owner, held[0].uuid)
    with pytest.raises(NotFound):
        held_sales.recall_bill(owner, held[0].uuid)
    with pytest.raises(Conflict):
        held_sales.hold_bill(owner, OpenBill(), "empty")
