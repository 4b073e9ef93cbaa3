"""Customers and credit at 80x24: take a payment and see the new balance, print a statement,
a write-off with a manager's PIN, a credit sale above the limit refused and then approved,
and the customer form naming bad fields and offering the customer whose phone was typed."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import DataTable, Label

from posterm.data.models import CreditEntry, Customer, Product, StockMovement, TaxRate
from posterm.domain.permissions import Actor, Role
from posterm.domain.sale import CheckoutRequest, SaleLineRequest
from posterm.services import auth, checkout
from posterm.ui.modals.customer_form import CustomerFormModal
from posterm.ui.modals.document import DocumentModal
from posterm.ui.modals.override import OverrideModal
from posterm.ui.screens.billing import BillingScreen
from posterm.ui.screens.credit import CreditScreen
from posterm.ui.screens.customers import CustomersScreen
from tests.ui.conftest import log_in as log_in_as
from tests.ui.conftest import settle, type_text

D = Decimal


@pytest.fixture
def udhaar(make_app, tmp_path):
    """A store where Ramesh owes 560.00 since 2024 (limit 1000) and Sunita 84.00; printer to a
    file."""
    printer = tmp_path / "printer.bin"
    app = make_app(printer=f"file:{printer}")
    owner = auth.authenticate("owner", "secret")
    actor = Actor(owner.id, owner.username, Role.OWNER, "till-1")
    auth.create_user(actor, "asha", Role.CASHIER, "asha-pw", "2222")
    auth.create_user(actor, "mina", Role.MANAGER, "mina-pw", "9999")
    salt = Product.create(
        code="SALT1",
        name="Tata Salt 1kg",
        search_name="tata salt 1kg salt1",
        tax_rate=TaxRate.get(TaxRate.name == "GST 0%"),
        price=D(28),
        stock=D(100),
    )
    StockMovement.create(
        product=salt, kind="opening", quantity=D(100), stock_after=D(100), user=owner.id
    )
    people = {}
    for n, (name, quantity) in enumerate((("Ramesh Gupta", 20), ("Sunita Rao", 3)), start=1):
        customer = Customer.create(
            code=f"C{n:04d}",
            name=name,
            search_name=f"{name.lower()} c{n:04d}",
            phone=f"98765{n:05d}",
            credit_limit=D(1000),
        )
        checkout.checkout(
            actor,
            CheckoutRequest(
                uuid.uuid4(), [SaleLineRequest(salt.id, D(quantity))], customer_id=customer.id
            ),
            # Long ago, so the snapshot's dates and ageing never change.
            sold_at=datetime(2024, 1, 15 + n, 10, 30, tzinfo=ZoneInfo("Asia/Kolkata")),
        )
        people[name] = customer
    app.printer_file = printer
    app.people = people
    return app


async def log_in(pilot, user: str = "owner", password: str = "secret") -> None:
    await log_in_as(pilot, user, password)
    assert isinstance(pilot.app.screen, BillingScreen)


def status_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).render())


async def open_credit(pilot) -> CreditScreen:
    await pilot.press("alt+u")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CreditScreen)
    return screen


async def test_take_a_payment_and_see_the_new_balance(udhaar):
    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        screen = await open_credit(pilot)
        assert "2 owe ₹644.00" in status_of(app, "#credit-totals")
        assert screen.chosen.name == "Ramesh Gupta"
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("down")  # UPI
        await type_text(pilot, "500")
        await pilot.press("enter")
        await type_text(pilot, "UTR42")
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert "Ramesh Gupta owes ₹60.00" in status_of(app, "#credit-status")
        assert "owes ₹60.00" in status_of(app, "#credit-customer")
        ledger = screen.query_one("#credit-ledger", DataTable)
        newest = [str(cell) for cell in ledger.get_row_at(0)]
        assert newest[1:] == ["Payment", "UPI UTR42", "-500.00", "60.00"]
        assert "2 owe ₹144.00" in status_of(app, "#credit-totals")
        assert Customer.get_by_id(app.people["Ramesh Gupta"].id).balance == D(60)
        printed = app.printer_file.read_bytes()
        assert b"PAYMENT RECEIVED" in printed and b"60.00" in printed


async def test_a_payment_above_the_balance_is_refused_with_the_reason(udhaar):
    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await open_credit(pilot)
        await pilot.press("down")  # Sunita, who owes 84.00
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await type_text(pilot, "100")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert "owes only ₹84.00; the store takes no advances" in status_of(app, "#credit-status")
        assert Customer.get_by_id(app.people["Sunita Rao"].id).balance == D(84)
        # The status line holds one row of 80 columns: the whole reason is in a notice too.
        notices = [n.message for n in app._notifications]
        assert any(m.endswith("(setting allow_customer_advance).") for m in notices)


async def test_print_a_statement_and_show_the_reminder(udhaar):
    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await open_credit(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("enter")  # the last 30 days
        await settle(pilot)
        assert isinstance(app.screen, DocumentModal)
        assert "STATEMENT OF ACCOUNT" in app.screen.text and "560.00" in app.screen.text
        await pilot.press("f5")
        await settle(pilot)
        assert b"STATEMENT OF ACCOUNT" in app.printer_file.read_bytes()
        assert "printed" in status_of(app, "#document-status")
        await pilot.press("escape")
        await pilot.press("f7")
        await settle(pilot)
        assert "Ramesh Gupta" in app.screen.text and "₹560.00 is due" in app.screen.text


async def test_a_cashier_writes_off_only_with_a_managers_pin(udhaar):
    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "asha", "asha-pw")
        await open_credit(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, OverrideModal)
        await type_text(pilot, "mina")
        await pilot.press("enter")
        await type_text(pilot, "9999")
        await pilot.press("enter")
        await type_text(pilot, "moved away")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "60")
        await pilot.press("enter")
        await type_text(pilot, "moved away, settled")
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert "Written off ₹60.00" in status_of(app, "#credit-status")
        entry = CreditEntry.select().order_by(CreditEntry.id.desc()).get()
        assert (entry.kind, entry.amount, entry.approved_by.username) == (
            "write_off",
            D(-60),
            "mina",
        )


async def test_a_credit_sale_above_the_limit_is_refused_then_allowed_by_a_manager_pin(udhaar):
    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "asha", "asha-pw")
        await pilot.press("f6")
        await settle(pilot)
        await type_text(pilot, "ramesh")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "20*SALT1")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("f4")  # all of it on account: 560 + 560 is above the 1000 limit
        await settle(pilot)
        assert isinstance(app.screen, OverrideModal), status_of(app, "#billing-status")
        assert Customer.get_by_id(app.people["Ramesh Gupta"].id).balance == D(560)
        await type_text(pilot, "mina")
        await pilot.press("enter")
        await type_text(pilot, "9999")
        await pilot.press("enter")
        await type_text(pilot, "regular, pays monthly")
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)
        assert Customer.get_by_id(app.people["Ramesh Gupta"].id).balance == D(1120)
        entry = CreditEntry.select().order_by(CreditEntry.id.desc()).get()
        assert (entry.kind, entry.approved_by.username) == ("sale", "mina")


async def test_customer_form_names_bad_fields_and_offers_the_phones_owner(udhaar):
    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+c")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert app.screen.query_one(DataTable).row_count == 2
        await type_text(pilot, "98765 00002")
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 1
        await pilot.press("ctrl+u")
        await type_text(pilot, "9123")
        await settle(pilot)
        await pilot.press("f2")  # the typed digits fill the phone
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerFormModal)
        await pilot.press("f10")
        await settle(pilot)
        error = status_of(app, "#customer-form-error")
        assert "Name: must not be empty" in error and "Phone: a phone number has" in error
        assert form.query_one("#label-phone", Label).has_class("error")
        await type_text(pilot, "Kiran Bedi")  # the first bad field has the focus
        form.query_one("#field-phone").value = "+91 98765-00002"
        await pilot.press("f10")
        await settle(pilot)
        error = str(form.query_one("#customer-form-error", Label).render())
        assert "Phone 98765 00002 already belongs to Sunita Rao (C0002)." in error
        await pilot.press("y")
        await settle(pilot)
        assert form.customer_id == app.people["Sunita Rao"].id
        assert form.query_one("#field-name").value == "Sunita Rao"
        await pilot.press("escape")
        await settle(pilot)
        assert Customer.select().count() == 2


def test_credit_screen_snapshot(udhaar, snap_compare):
    async def run_before(pilot) -> None:
        await log_in(pilot)
        await open_credit(pilot)
        await settle(pilot)

    assert snap_compare(udhaar, terminal_size=(80, 24), run_before=run_before)


async def test_finding_a_customer_asks_for_text_before_saying_none_was_found(udhaar):
    from textual.widgets import OptionList

    from posterm.ui.modals.pick import PickModal

    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await open_credit(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        options = app.screen.query_one(OptionList)
        first = str(options.get_option_at_index(0).prompt)
        assert first == "Type a phone number, a name or a customer code."  # not "none found"
        await type_text(pilot, "zzz")
        await settle(pilot)
        assert str(options.get_option_at_index(0).prompt) == "No customer found."
        await pilot.press("ctrl+u")
        await type_text(pilot, "sun")
        await settle(pilot)
        assert "Sunita Rao" in str(options.get_option_at_index(0).prompt)


async def test_a_customers_top_items_fit_one_line_with_their_amounts(udhaar):
    owner = auth.authenticate("owner", "secret")
    actor = Actor(owner.id, owner.username, Role.OWNER, "till-1")
    lines = []
    for n, name in enumerate(
        ("Sunmoon Filtered Groundnut Oil 1L", "Amrit Dairy Salted Butter 500g", "Zandu Balm 8ml"),
        start=1,
    ):
        product = Product.create(
            code=f"LONG{n}",
            name=name,
            search_name=name.lower(),
            tax_rate=TaxRate.get(TaxRate.name == "GST 0%"),
            price=D(1000 - 100 * n),
            stock=D(10),
        )
        lines.append(SaleLineRequest(product.id, D(1)))
    checkout.checkout(
        actor, CheckoutRequest(uuid.uuid4(), lines, customer_id=app_person(udhaar).id)
    )
    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+c")
        await settle(pilot)
        await type_text(pilot, "ramesh")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        summary = str(app.screen.query_one("#history-summary", Label).render())
        top = summary.splitlines()[1]
        assert top.startswith("Top: Sunmoon Filtered Groun… 1L (900.00), ")
        assert len(top) <= 78 and top.endswith(")")  # no item cut off without its amount


def app_person(app):
    return app.people["Ramesh Gupta"]


async def test_enter_shows_in_the_customer_history_footer(udhaar):
    from tests.ui.conftest import hidden_footer_keys

    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+c")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert "enter" in {key.key for key in screen.query("FooterKey")}
        assert hidden_footer_keys(screen) == []
        await pilot.press("enter")  # the bill of the highlighted line
        await settle(pilot)
        from posterm.ui.modals.receipt import ReceiptModal

        assert isinstance(app.screen, ReceiptModal)


async def test_the_credit_footer_cuts_no_key_in_half(udhaar):
    from tests.ui.conftest import hidden_footer_keys

    app = udhaar
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        screen = await open_credit(pilot)
        assert hidden_footer_keys(screen) == []  # was "^q Qu" behind the palette key
