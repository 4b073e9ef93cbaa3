"""The shift screen at 80x24: open with a float, sell, pay out, close with a count, see the
variance, and the Z report reaches the (file) printer and is kept on the shift."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from textual.widgets import Label, Static

from posterm.data.models import CashMovement, Product, Shift, StockMovement, TaxRate
from posterm.domain.permissions import Actor, Role
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import auth, checkout
from posterm.ui.modals.cash_count import CashCountModal
from posterm.ui.modals.cash_movement import CashMovementModal
from posterm.ui.screens.billing import BillingScreen
from posterm.ui.screens.shift import ShiftScreen
from tests.ui.conftest import settle, type_text

D = Decimal


@pytest.fixture
def till(make_app, tmp_path):
    printer = tmp_path / "printer.bin"
    app = make_app(printer=f"file:{printer}")
    owner = auth.authenticate("owner", "secret")
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
    app.printer_file = printer
    app.salt = salt
    app.owner = Actor(owner.id, owner.username, Role.OWNER, "till-1")
    return app


def text_of(app, selector: str, kind=Label) -> str:
    return str(app.screen.query_one(selector, kind).render())


async def test_open_sell_pay_out_and_close_with_a_count(till):
    app = till
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "owner")
        await pilot.press("enter")
        await type_text(pilot, "secret")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)

        await pilot.press("alt+t")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert "no shift open" in text_of(app, "#shift-title")

        await pilot.press("f2")  # open with a float of 500
        await settle(pilot)
        await type_text(pilot, "500")
        await pilot.press("enter")
        await settle(pilot)
        shift = Shift.get()
        assert shift.status == "open" and shift.opening_float == D(500)
        assert "float ₹500.00" in text_of(app, "#shift-title")

        # A sale of 3 x 28.00 paid with 100 in cash: the drawer keeps 84.
        checkout.checkout(
            app.owner,
            CheckoutRequest(
                uuid.uuid4(), [SaleLineRequest(app.salt.id, D(3))], tenders=[Tender("cash", D(100))]
            ),
        )

        await pilot.press("f5")  # payout
        await settle(pilot)
        assert isinstance(app.screen, CashMovementModal)
        await type_text(pilot, "40")
        await pilot.press("enter")
        await type_text(pilot, "milk")
        await pilot.press("enter")
        await type_text(pilot, "milk boy")
        await pilot.press("enter")
        await settle(pilot)
        assert CashMovement.get().amount == D(40)
        assert "Payouts: ₹40.00 recorded" in text_of(app, "#shift-status")
        report = text_of(app, "#shift-report", Static)
        assert "X REPORT" in report and "544.00" in report  # 500 + 84 - 40

        await pilot.press("f8")  # close: count 500 + 20 + 20 = 540, 4.00 short
        await settle(pilot)
        assert isinstance(app.screen, CashCountModal)
        await pilot.press("enter")  # 2000: none
        await type_text(pilot, "1")
        await pilot.press("enter")
        await pilot.press("enter", "enter", "enter")  # 200, 100, 50: none; then 20:
        await type_text(pilot, "2")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert "₹4.00 short" in text_of(app, "#shift-title")
        shift = Shift.get_by_id(shift.id)
        assert shift.status == "closed"
        assert (shift.expected_cash, shift.counted_cash, shift.variance) == (
            D(544),
            D(540),
            D(-4),
        )
        assert "Z REPORT" in shift.z_report
        for _ in range(50):  # the print queue's thread writes the file
            if app.printer_file.exists() and b"Z REPORT" in app.printer_file.read_bytes():
                break
            await asyncio.sleep(0.1)
        printed = app.printer_file.read_bytes()
        assert b"Z REPORT" in printed and b"VARIANCE" in printed
