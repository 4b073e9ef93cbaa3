"""The open bill survives anything, and parked bills come back exactly, on both databases."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from uuid import uuid4

import pytest

from posterm.data.models import AuditEvent, HeldSale
from posterm.domain.cart import Discount
from posterm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from posterm.domain.held import HeldBill
from posterm.domain.open_bill import BillItem, OpenBill
from posterm.domain.permissions import Actor, Role
from posterm.domain.sale import Tender
from posterm.services import checkout, held_sales, settings, system
from tests.conftest import actor_for


def _item(product, quantity: str = "1", price: str | None = None) -> BillItem:
    return BillItem(
        product_id=product.id,
        code=product.code,
        name=product.name,
        unit=product.unit,
        sold_by_weight=product.sold_by_weight,
        list_price=product.price,
        unit_price=Decimal(price) if price is not None else product.price,
        tax_rate=Decimal(5),
        hsn_code=product.hsn_code,
        quantity=Decimal(quantity),
    )


@pytest.fixture
def bill(make_product, make_customer) -> OpenBill:
    """A bill with everything a bill can carry: weights, overrides, discounts, a customer."""
    salt = make_product("Tata Salt 1kg", "28.00")
    dal = make_product("Toor Dal (Loose)", "155.00", stock="20", unit="kg", by_weight=True)
    oil = make_product("Fortune Oil 1L", "180.00")
    customer = make_customer("Ramesh Gupta")
    bill = OpenBill()
    bill.add(_item(salt, "2"))
    bill.add(_item(dal, "0.250"))
    bill.add(_item(oil, price="175.50"))
    bill.set_line_discount(0, Discount.percent(Decimal("10")))
    bill.set_bill_discount(Discount.amount(Decimal("5.00")))
    bill.attach_customer(customer.id, customer.name)
    bill.note = "deliver by 6 pm — ground floor"
    return bill


def _rows() -> list[HeldSale]:
    return list(HeldSale.select().order_by(HeldSale.id))


def till(owner: Actor, name: str) -> Actor:
    return replace(owner, terminal=name)


def test_the_open_bill_round_trips_exactly(owner, bill):
    held_sales.save_open_bill(owner, bill)
    restored = held_sales.restore_open_bill("till-1")
    assert restored == bill
    assert restored is not bill
    [row] = _rows()
    assert (row.status, row.terminal, row.user_id, row.customer_id) == (
        "open",
        "till-1",
        owner.user_id,
        bill.customer_id,
    )
    assert row.total == bill.totals(True, settings.load_settings().cash_rounding).total_due
    assert held_sales.restore_open_bill("till-2") is None


def test_the_total_follows_the_stores_tax_mode_and_rounding(owner, bill):
    settings.set_setting(owner, "prices_include_tax", "false")
    settings.set_setting(owner, "cash_rounding", "1.00")
    held_sales.save_open_bill(owner, bill)
    store = settings.load_settings()
    expected = bill.totals(False, store.cash_rounding).total_due
    assert expected == expected.to_integral_value()
    assert _rows()[0].total == expected


def test_every_change_updates_the_one_row(owner, bill):
    held_sales.save_open_bill(owner, bill)
    bill.set_quantity(0, Decimal(5))
    held_sales.save_open_bill(owner, bill)
    bill.remove(2)
    held_sales.save_open_bill(owner, bill)
    assert len(_rows()) == 1
    assert held_sales.restore_open_bill("till-1") == bill


def test_an_empty_bill_deletes_the_tills_open_row_only(owner, bill):
    other = OpenBill.from_json(bill.to_json())
    other.id = uuid4()
    held_sales.save_open_bill(till(owner, "till-2"), other)
    held_sales.save_open_bill(owner, bill)
    bill.set_bill_discount(None)
    for index in reversed(range(len(bill.items))):
        bill.remove(index)
    held_sales.save_open_bill(owner, bill)
    assert held_sales.restore_open_bill("till-1") is None
    assert [row.terminal for row in _rows()] == ["till-2"]


def test_a_new_bill_replaces_the_tills_old_open_bill(owner, bill):
    held_sales.save_open_bill(owner, bill)
    items = list(bill.items)
    bill.clear()  # a new id: a new sale
    bill.add(items[0])
    held_sales.save_open_bill(owner, bill)
    assert len(_rows()) == 1
    assert held_sales.restore_open_bill("till-1") == bill


def test_the_open_bill_survives_a_restart(owner, bill, db_url):
    held_sales.save_open_bill(owner, bill)
    system.close()
    system.open_store(db_url)
    assert held_sales.restore_open_bill("till-1") == bill


def test_held_bills_are_listed_and_recalled_exactly(owner, bill):
    held_sales.save_open_bill(owner, bill)
    held_sales.hold_bill(owner, bill, "  Ramesh's   order ")
    assert held_sales.restore_open_bill("till-1") is None  # the till starts a new bill
    [held] = held_sales.list_held()
    assert isinstance(held, HeldBill)
    assert (held.uuid, held.note, held.customer_name, held.item_count) == (
        bill.id,
        "Ramesh's order",
        "Ramesh Gupta",
        3,
    )
    assert (held.terminal, held.username) == ("till-1", "owner")
    assert held.total == bill.totals(True, settings.load_settings().cash_rounding).total_due
    assert held.saved_at.tzinfo is not None
    assert held_sales.list_held("ORDER") == [held]
    assert held_sales.list_held("gupta") == [held]
    assert held_sales.list_held("nobody") == []

    recalled = held_sales.recall_bill(till(owner, "till-2"), bill.id)
    assert recalled == bill
    assert held_sales.restore_open_bill("till-2") == bill
    assert held_sales.list_held() == []


def test_a_bill_open_on_another_till_is_refused(owner, bill):
    held_sales.hold_bill(owner, bill, "")
    held_sales.recall_bill(till(owner, "till-2"), bill.id)
    with pytest.raises(Conflict, match="open on till till-2"):
        held_sales.recall_bill(owner, bill.id)
    with pytest.raises(Conflict, match="open on till till-2"):
        held_sales.discard_bill(owner, bill.id)
    with pytest.raises(Conflict, match="open on till till-2"):
        held_sales.hold_bill(owner, bill, "")
    # Recalling a bill already open on this very till just gives it back.
    assert held_sales.recall_bill(till(owner, "till-2"), bill.id) == bill


def test_recall_never_drops_another_open_bill_of_the_till(owner, bill):
    held_sales.hold_bill(owner, bill, "first")
    second = OpenBill.from_json(bill.to_json())
    second.id = uuid4()
    held_sales.save_open_bill(owner, second)
    assert held_sales.recall_bill(owner, bill.id) == bill
    [aside] = held_sales.list_held()
    assert aside.uuid == second.id
    assert "set aside" in aside.note
    assert held_sales.restore_open_bill("till-1") == bill


def test_a_late_save_never_undoes_a_hold(owner, bill):
    held_sales.save_open_bill(owner, bill)
    held_sales.hold_bill(owner, bill, "parked")
    held_sales.save_open_bill(owner, bill)  # an autosave that was already on its way
    held_sales.save_open_bill(owner, OpenBill())  # the till's new, empty bill
    [row] = _rows()
    assert (row.status, row.note) == ("held", "parked")


def test_a_late_save_never_brings_back_a_paid_bill(owner, bill):
    held_sales.save_open_bill(owner, bill)
    total = bill.totals(True, settings.load_settings().cash_rounding).total_due
    checkout.checkout(owner, bill.to_request([Tender("cash", total)]))
    assert _rows() == []  # checkout removed it
    held_sales.save_open_bill(owner, bill)
    assert _rows() == []
    assert held_sales.restore_open_bill("till-1") is None
    with pytest.raises(Conflict, match="already paid"):
        held_sales.hold_bill(owner, bill, "")


def test_a_paid_bill_left_open_is_not_restored(owner, bill):
    total = bill.totals(True, settings.load_settings().cash_rounding).total_due
    checkout.checkout(owner, bill.to_request([Tender("cash", total)]))
    # As a save racing the checkout on PostgreSQL could leave it.
    HeldSale.create(uuid=bill.id, terminal="till-1", user=owner.user_id, cart=bill.to_json())
    assert held_sales.restore_open_bill("till-1") is None
    assert _rows() == []


def test_a_late_save_never_takes_a_bill_from_another_till(owner, bill):
    held_sales.hold_bill(owner, bill, "")
    held_sales.recall_bill(till(owner, "till-2"), bill.id)
    held_sales.save_open_bill(owner, bill)
    [row] = _rows()
    assert (row.status, row.terminal) == ("open", "till-2")


def test_discarding_a_held_bill_is_audited(owner, bill):
    held_sales.hold_bill(owner, bill, "never came back")
    held_sales.discard_bill(owner, bill.id)
    assert _rows() == []
    event = AuditEvent.select().where(AuditEvent.action == "held.discard").get()
    assert event.entity_id == str(bill.id)
    assert "never came back" in event.details
    held_sales.discard_bill(owner, bill.id)  # already gone: nothing to do
    with pytest.raises(NotFound):
        held_sales.recall_bill(owner, bill.id)


def test_holding_again_changes_the_note(owner, bill):
    held_sales.hold_bill(owner, bill, "one")
    held_sales.hold_bill(owner, bill, "two")
    assert [h.note for h in held_sales.list_held()] == ["two"]


def test_who_may_keep_bills(owner, bill):
    cashier = actor_for("cashier1", Role.CASHIER)
    held_sales.hold_bill(cashier, bill, "")
    assert held_sales.list_held()[0].username == "cashier1"
    staff = actor_for("staff1", Role.STAFF)
    for action in (
        lambda: held_sales.save_open_bill(staff, bill),
        lambda: held_sales.hold_bill(staff, bill, ""),
        lambda: held_sales.recall_bill(staff, bill.id),
        lambda: held_sales.discard_bill(staff, bill.id),
    ):
        with pytest.raises(PermissionDenied):
            action()
    with pytest.raises(Conflict, match="empty"):
        held_sales.hold_bill(owner, OpenBill(), "")
    nobody = Actor(None, "cli:root", Role.OWNER, "till-1")
    with pytest.raises(ValidationError, match="log in"):
        held_sales.save_open_bill(nobody, bill)
