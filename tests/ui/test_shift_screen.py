"""The shift screen at 80x24: open with a float, sell, pay out, close with a count, see the
variance, and the Z report reaches the (file) printer and is kept on the shift."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from textual.widgets import Label, Static

from posterm.data.models import CashMovement, Product, Sale, Shift, StockMovement, TaxRate
from posterm.domain.barcodes import make_ean13
from posterm.domain.permissions import Actor, Role
from posterm.services import auth
from posterm.ui.modals.cash_count import CashCountModal
from posterm.ui.modals.cash_movement import CashMovementModal
from posterm.ui.screens.billing import BillingScreen
from posterm.ui.screens.shift import ShiftScreen
from tests.ui.conftest import log_in, settle, type_text
from tests.ui.test_billing import scanner_burst

D = Decimal
SALT_BARCODE = make_ean13("890100000002")


@pytest.fixture
def till(make_app, tmp_path):
    printer = tmp_path / "printer.bin"
    app = make_app(printer=f"file:{printer}")
    owner = auth.authenticate("owner", "secret")
    salt = Product.create(
        code="SALT1",
        barcode=SALT_BARCODE,
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
        await log_in(pilot)
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

        # A sale on the billing screen: 3 x 28.00 scanned, paid with 100 in cash; the
        # drawer keeps 84 (16 went back as change).
        await pilot.press("alt+b")
        await settle(pilot)
        await scanner_burst(pilot, "3*" + SALT_BARCODE)
        await pilot.press("enter")  # empty scan field: to payment
        await settle(pilot)
        await type_text(pilot, "100")
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        sale = Sale.get()
        assert (sale.total, sale.change_given, sale.shift_id) == (D(84), D(16), shift.id)
        await pilot.press("alt+t")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)

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


async def test_a_manager_closes_another_tills_shift_and_reprints_its_z_report(till):
    from posterm.data.models import AuditEvent
    from posterm.ui.modals.document import DocumentModal
    from posterm.ui.modals.pick import PickModal
    from posterm.ui.screens.past_shifts import PastShiftsScreen
    from tests.conftest import actor_for

    app = till
    bina = actor_for("bina", Role.CASHIER)
    bina = Actor(bina.user_id, bina.username, bina.role, "till-2")
    from posterm.services import shifts

    other = shifts.open_new_shift(bina, "200")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+t")
        await settle(pilot)
        assert "no shift open" in text_of(app, "#shift-title")  # this till, till-1

        await pilot.press("f9")  # every till's open shifts
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await type_text(pilot, "bina")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert "till till-2 · bina" in text_of(app, "#shift-title")
        assert "ANOTHER TILL" in text_of(app, "#shift-title")
        assert "200.00" in text_of(app, "#shift-report", Static)

        await pilot.press("f5")  # cash moves belong to the till itself
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert "till-2 itself" in text_of(app, "#shift-status")

        await pilot.press("f8")  # close it: 100 + 50 counted, 50.00 short
        await settle(pilot)
        assert isinstance(app.screen, CashCountModal)
        await pilot.press("enter", "enter", "enter")  # 2000, 500, 200: none
        await type_text(pilot, "1")
        await pilot.press("enter")
        await type_text(pilot, "1")
        await pilot.press("f10")
        await settle(pilot)
        assert "₹50.00 short" in text_of(app, "#shift-title")
        closed = Shift.get_by_id(other.id)
        assert closed.status == "closed" and closed.variance == D(-50)
        assert closed.closed_by.username == "owner"
        close = AuditEvent.get(AuditEvent.action == "shift.close")
        assert close.username == "owner" and '"till-2"' in close.details

        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"All tills (F9)", "Past shifts (F10)"} <= set(titles)
        await pilot.press("f10")  # past shifts
        await settle(pilot)
        assert isinstance(app.screen, PastShiftsScreen)
        table = app.screen.query_one("#past-shifts-table")
        assert table.row_count == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DocumentModal)
        assert "Z REPORT" in app.screen.text and "by owner" in app.screen.text
        await pilot.press("f5")  # reprint
        for _ in range(50):  # the close printed one; the reprint makes two
            await asyncio.sleep(0.1)
            if app.printer_file.read_bytes().count(b"Z REPORT") >= 2:
                break
        assert app.printer_file.read_bytes().count(b"Z REPORT") == 2
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert "no shift open" in text_of(app, "#shift-title")
