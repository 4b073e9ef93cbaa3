"""Defects found using the till as a cashier and an owner would, at 80x24: each test here
failed before its fix."""

from __future__ import annotations

import uuid
from decimal import Decimal

from textual.widgets import DataTable

from posterm.data.models import Product, Shift
from posterm.domain.permissions import Actor, Role
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import auth, checkout
from posterm.ui.screens.past_shifts import PastShiftsScreen
from tests.ui.conftest import log_in, scanner_burst, settle, type_text
from tests.ui.test_billing import ATTA, shop  # noqa: F401 (the fixture)
from tests.ui.test_sales_screen import open_sales, sold  # noqa: F401 (the fixture)

D = Decimal


def _owner() -> Actor:
    owner = auth.authenticate("owner", "secret")
    return Actor(owner.id, owner.username, Role.OWNER, "till-1")


def _sell(actor: Actor, count: int) -> None:
    product = Product.get(Product.code == "SALT")
    for _ in range(count):
        checkout.checkout(
            actor,
            CheckoutRequest(
                uuid.uuid4(),
                [SaleLineRequest(product.id, D(1))],
                tenders=[Tender("cash", D(28))],
            ),
        )


# --- lists read a page at a time: PageDown reads the next page -----------------------------


async def test_pagedown_reads_the_next_page_of_the_sales_list(sold):  # noqa: F811
    app = sold
    Product.update(stock=D(100)).where(Product.code == "SALT").execute()
    _sell(_owner(), 50)  # 52 bills today: a page of 50, then 2 more
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 50
        for _ in range(5):  # the table pages down; at its last row the next page comes
            await pilot.press("pagedown")
            await settle(pilot)
        assert table.row_count == 52
        assert len(app.screen.sales) == 52


async def test_pagedown_reads_the_next_page_of_past_shifts(sold):  # noqa: F811
    from datetime import UTC, datetime, timedelta

    app = sold
    owner = _owner()
    now = datetime.now(UTC)
    for index in range(53):
        Shift.create(
            terminal="till-1",
            user=owner.user_id,
            status="closed",
            opened_at=now - timedelta(minutes=2 * index + 1),
            closed_at=now - timedelta(minutes=2 * index),
            closed_by=owner.user_id,
            opening_float=D(0),
            expected_cash=D(100),
            counted_cash=D(100),
            variance=D(0),
        )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)  # logged in
        app.push_screen(PastShiftsScreen())
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 50
        for _ in range(5):
            await pilot.press("pagedown")
            await settle(pilot)
        assert table.row_count == 53


# --- billing -------------------------------------------------------------------------------


async def test_a_recalled_bill_with_a_changed_price_asks_a_manager_again_at_payment(shop):  # noqa: F811
    """The approval of a price change belongs to the screen's bill; held and recalled, the
    bill kept the price but not the approval, and payment was refused with no way on."""
    from posterm.data.models import Sale
    from posterm.domain.permissions import command_line_actor
    from posterm.ui.modals.override import OverrideModal

    app = shop()
    cli = command_line_actor("tester", "till-1")
    auth.create_user(cli, "asha", Role.CASHIER, "pw1234", "4321")
    auth.create_user(cli, "boss", Role.MANAGER, "pw5678", "5678")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "asha", "pw1234")
        await scanner_burst(pilot, ATTA)
        await pilot.press("f3")  # the price: a manager approves
        await settle(pilot)
        assert isinstance(app.screen, OverrideModal)
        for text in ("boss", "5678", "damaged pack"):
            await type_text(pilot, text)
            await pilot.press("enter")
            await settle(pilot)
        await type_text(pilot, "250")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f7")  # hold, then recall
        await type_text(pilot, "later")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.bill.items[0].unit_price == D(250)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("enter")  # exact cash
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, OverrideModal), app.screen.query_one("#billing-status")
        for text in ("boss", "5678", "damaged pack"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
    sale = Sale.get()
    assert sale.total == D(250) and sale.approved_by.username == "boss"


# --- at 80 columns: every key in the footer shows, no table scrolls sideways ---------------


def assert_fits_80_columns(screen) -> None:
    from textual.widgets._footer import FooterKey

    keys = list(screen.query(FooterKey))
    palette = [key for key in keys if key.has_class("-command-palette")]
    assert keys and palette
    limit = palette[0].region  # docked at the right of the first row, over what is under it
    for key in keys:
        if key in palette:
            continue
        region = key.region
        right = limit.x if region.y == limit.y else 80
        assert region.width and region.right <= right, (key.key_display, key.description)
        assert len(f"{key.key_display} {key.description}") <= region.width, key.description
    for table in screen.query(DataTable):
        assert not table.show_horizontal_scrollbar, table.id


async def test_the_sales_list_return_and_no_receipt_screens_fit_80_columns(sold):  # noqa: F811
    from posterm.ui.screens.return_without_receipt import NoReceiptReturnScreen
    from posterm.ui.screens.returns import ReturnScreen

    app = sold
    Product.update(stock=D(100)).where(Product.code == "SALT").execute()
    _sell(_owner(), 30)  # a scrollbar on the list
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        assert_fits_80_columns(app.screen)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ReturnScreen)
        assert_fits_80_columns(app.screen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f9")  # the owner needs no approval
        await settle(pilot)
        assert isinstance(app.screen, NoReceiptReturnScreen)
        assert_fits_80_columns(app.screen)


async def test_past_shifts_fit_80_columns(sold):  # noqa: F811
    from datetime import UTC, datetime, timedelta

    app = sold
    owner = _owner()
    now = datetime.now(UTC)
    for index in range(30):
        Shift.create(
            terminal="counter-12",
            user=owner.user_id,
            status="closed",
            opened_at=now - timedelta(minutes=2 * index + 1),
            closed_at=now - timedelta(minutes=2 * index),
            closed_by=owner.user_id,
            expected_cash=D("123456.00"),
            counted_cash=D("120000.00"),
            variance=D("-3456.00"),
        )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        app.push_screen(PastShiftsScreen())
        await settle(pilot)
        assert_fits_80_columns(app.screen)


async def test_a_prompt_with_brackets_shows_them(sold):  # noqa: F811
    """The dates prompt ends "dd-mm-yyyy [dd-mm-yyyy]": read as markup, the range was lost."""
    from textual.widgets import Label

    from posterm.ui.modals.value import ValueModal

    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ValueModal)
        shown = [str(label.render()) for label in app.screen.query(Label)]
        assert any("dd-mm-yyyy [dd-mm-yyyy]" in text for text in shown), shown


# --- returns -------------------------------------------------------------------------------


async def test_a_return_quantity_above_what_was_sold_is_refused_in_its_window(sold):  # noqa: F811
    from textual.widgets import Label

    from posterm.ui.modals.value import ValueModal
    from posterm.ui.screens.returns import ReturnScreen

    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        await pilot.press("f6")  # the newest bill: 3 of Tata Salt
        await settle(pilot)
        assert isinstance(app.screen, ReturnScreen)
        for typed, refused in (("5", "at most 3"), ("1.5", "whole")):
            await pilot.press("f2")
            await settle(pilot)
            await type_text(pilot, typed)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ValueModal), typed
            assert refused in str(app.screen.query_one("#value-error", Label).render())
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "2")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReturnScreen)
        assert "56.00" in str(app.screen.query_one("#return-total", Label).render())


async def test_the_sales_list_shows_a_return_and_a_void_printed_once_their_slips_are(sold):  # noqa: F811
    import asyncio

    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("f3", "f10")  # the whole line back
        await settle(pilot)
        await settle(pilot)
        bills = [sale.bill_number for sale in app.screen.sales]
        app.screen.query_one(DataTable).move_cursor(row=bills.index("BILL-2026-000001"))
        await pilot.press("f7")
        await type_text(pilot, "wrong customer")
        await pilot.press("enter")
        for _ in range(50):
            await asyncio.sleep(0.1)
            await settle(pilot)
            printed = app.printer_file.read_bytes()
            slips = [sale for sale in app.screen.sales if sale.kind != "sale"]
            both = b"RET-" in printed and b"VOID-" in printed and len(slips) == 2
            if both and all(sale.printed for sale in slips):
                break
        kinds = {sale.kind: sale.printed for sale in app.screen.sales if sale.kind != "sale"}
        assert kinds == {"return": True, "void": True}, kinds


async def test_payment_says_its_keys_and_a_upi_amount_above_what_is_left(shop):  # noqa: F811
    from textual.widgets import Label

    from posterm.ui.modals.payment import PaymentModal

    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)  # 285.00
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, PaymentModal)
        shown = " ".join(str(label.render()) for label in app.screen.query(Label))
        assert "F4: on account" in shown and "F8: undo" in shown and "Up/Down" in shown
        await type_text(pilot, "100")
        await pilot.press("enter")  # 100 in cash: 185.00 still due
        await pilot.press("down")  # UPI
        await type_text(pilot, "200")
        await pilot.press("enter")
        await settle(pilot)
        error = str(app.screen.query_one("#payment-error", Label).render())
        assert "UPI 200.00 is more than the 185.00 still due" in error, error
        assert app.screen.region.right <= 80


def _one_line(label) -> None:
    """A Label whose text fits its width: it shows on one line, not wrapped."""
    text = str(label.render())
    assert "\n" not in text and len(text) <= label.content_region.width, text


async def test_billing_windows_fit_one_line_and_show_money_at_two_places(shop):  # noqa: F811
    from textual.widgets import Label, OptionList

    from posterm.domain.permissions import command_line_actor
    from posterm.ui.modals.confirm import ConfirmModal
    from posterm.ui.modals.override import OverrideModal
    from posterm.ui.modals.pick import PickModal
    from posterm.ui.modals.value import ValueModal

    app = shop()
    auth.create_user(command_line_actor("tester", "till-1"), "asha", Role.CASHIER, "pw1234")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "asha", "pw1234")
        await scanner_burst(pilot, ATTA)
        await pilot.press("f3")  # a cashier: the manager's window
        await settle(pilot)
        assert isinstance(app.screen, OverrideModal)
        _one_line(app.screen.query(Label).last())
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert app.screen.detail == "1 line will be removed."
        await pilot.press("n")
        await pilot.press("f7")
        await type_text(pilot, "Mrs Rao from the corner house, comes back at six")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        options = app.screen.query_one(OptionList)
        prompt = str(options.get_option_at_index(0).prompt)
        assert len(prompt) <= options.scrollable_content_region.width, prompt
    owner_app = shop(fresh=True)
    async with owner_app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "1 line." in str(owner_app.screen.query_one("#billing-status").render())
        await pilot.press("f3")  # the owner changes prices without asking
        await settle(pilot)
        assert isinstance(owner_app.screen, ValueModal)
        shown = [str(label.render()) for label in owner_app.screen.query(Label)]
        assert "Unit price (list price 285.00)" in shown, shown
        assert owner_app.screen.query_one("#value").value == "285.00"


async def test_a_discounted_bill_keeps_its_total_and_each_discount_in_view(shop):  # noqa: F811
    """A 45% discount with cash rounding: the figures line wrapped and pushed the TOTAL out of
    the panel; a long name cut the line's discount figure in half."""
    from posterm.data.models import TaxRate
    from posterm.domain.barcodes import make_ean13
    from posterm.domain.permissions import command_line_actor
    from posterm.services.settings import set_setting
    from posterm.ui.widgets.bill_view import BillTable, TotalsPanel

    app = shop()
    set_setting(command_line_actor("tester", "till-1"), "cash_rounding", "1.00")
    long_name = make_ean13("890100000009")
    Product.create(
        code="BASMATI",
        name="Kisan Choice Premium Basmati Rice 5kg",
        search_name="basmati",
        barcode=long_name,
        tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
        price=D("745.00"),
        stock=D(10),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        await scanner_burst(pilot, long_name)
        await pilot.press("f5")
        await type_text(pilot, "45%")
        await pilot.press("enter")
        await settle(pilot)
        panel = str(app.screen.query_one(TotalsPanel).render()).splitlines()
        assert len(panel) == 2 and all(len(line) <= 78 for line in panel), panel
        assert "Round" in panel[0] and panel[1].rstrip().endswith("TOTAL ₹567.00"), panel
        table = app.screen.query_one(BillTable)
        name = str(table.get_row_at(1)[1])
        assert len(name) <= 29 and name.endswith("(-335.25)"), name


# --- reports -------------------------------------------------------------------------------


def test_the_dashboards_top_sellers_fit_its_line():
    from datetime import date

    from posterm.services.reports import Dashboard
    from posterm.ui.screens.reports import dashboard_text

    board = Dashboard(
        day=date(2026, 12, 1),
        net_sales=D("1000.00"),
        bills=3,
        tenders=(("cash", D("1000.00")),),
        credit_owed=D(0),
        customers_owing=0,
        low_stock=0,
        expiring=0,
        new_customers=0,
        top_items=(
            ("Annapurna Gold Atta 5kg", D(3), D("855.00")),
            ("Kisan Choice Premium Basmati Rice 5kg", D(1), D("745.00")),
            ("Chakki Atta (Loose)", D("0.5"), D("21.00")),
        ),
        trend=(),
    )
    top = dashboard_text(board, 78).splitlines()[3]
    assert len(top) <= 78, top
    assert top.startswith("Top today: Annapurna Gold Atta 5kg 855.00, Kisan Choice"), top
    assert top.endswith(" 745.00"), top  # whole entries only: no name without its figure


async def test_a_receipt_on_screen_shows_its_keys_and_scrolls_from_the_keyboard(sold):  # noqa: F811
    from textual.containers import VerticalScroll
    from textual.widgets import Label

    from posterm.ui.modals.receipt import ReceiptModal

    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReceiptModal)
        keys = app.screen.query(Label).last()
        assert "Escape: close" in str(keys.render())
        dialog = app.screen.query_one("#receipt").region
        assert dialog.contains_region(keys.region) and keys.region.bottom <= 24
        scroll = app.screen.query_one(VerticalScroll)
        await pilot.press("pagedown")
        await settle(pilot)
        assert scroll.scroll_y > 0


async def test_a_refused_weight_says_what_is_wrong(shop):  # noqa: F811
    from textual.widgets import Label

    from posterm.ui.modals.value import ValueModal

    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_text(pilot, "toor")  # sold by weight: the weight window
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ValueModal)
        await pilot.press("enter")  # nothing typed
        assert str(app.screen.query_one("#value-error", Label).render()) == "Weight is required."
        await type_text(pilot, "0")
        await pilot.press("enter")
        error = str(app.screen.query_one("#value-error", Label).render())
        assert error == "Weight must be more than zero.", error


async def test_attaching_a_customer_asks_what_to_type_before_saying_none_was_found(shop):  # noqa: F811
    from textual.widgets import OptionList

    from posterm.ui.modals.pick import PickModal

    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        options = app.screen.query_one(OptionList)
        first = str(options.get_option_at_index(0).prompt)
        assert first.startswith("Type a phone number"), first
        await type_text(pilot, "zzz")
        await settle(pilot)
        assert str(options.get_option_at_index(0).prompt).startswith("No customer found")


async def test_a_change_that_succeeds_replaces_an_earlier_refusal_on_the_status_line(shop):  # noqa: F811
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        await pilot.press("f2")
        await type_text(pilot, "1.5")  # sold in whole pieces: refused
        await pilot.press("enter")
        await settle(pilot)
        status = app.screen.query_one("#billing-status")
        assert status.has_class("error")
        await pilot.press("f2")
        await type_text(pilot, "2")
        await pilot.press("enter")
        await settle(pilot)
        assert not status.has_class("error")
        assert "whole" not in str(status.render()), status.render()
        assert str(status.render()) == "Quantity of Annapurna Atta 5kg: changed."


def _closed_shift(owner) -> None:
    """A shift of till-1 opened and closed just now, with nothing in the drawer."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    Shift.create(
        terminal="till-1",
        user=owner.user_id,
        status="closed",
        opened_at=now,
        closed_at=now,
        closed_by=owner.user_id,
        expected_cash=D(0),
        counted_cash=D(0),
        variance=D(0),
    )


async def test_past_shifts_narrowed_to_nothing_say_the_till_is_why(sold):  # noqa: F811
    from textual.widgets import Label

    app = sold
    _closed_shift(_owner())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        app.push_screen(PastShiftsScreen())
        await settle(pilot)
        await pilot.press("f3")
        await type_text(pilot, "till-9")
        await pilot.press("enter")
        await settle(pilot)
        status = str(app.screen.query_one("#past-shifts-status", Label).render())
        assert "till or cashier" in status and "F3/F4" in status, status
        assert len(status) <= 78


# --- shifts --------------------------------------------------------------------------------


async def test_the_blind_count_shows_its_total_the_same_way_before_and_after_typing():
    from textual.app import App
    from textual.widgets import Label

    from posterm.ui.modals.cash_count import CashCountModal

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(CashCountModal((D(500), D(100)), "₹"))

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        total = app.screen.query_one("#cash-count-total", Label)
        assert str(total.render()) == "Counted: ₹0.00"
        await type_text(pilot, "2")
        await pilot.pause()
        assert str(total.render()) == "Counted: ₹1,000.00"


async def test_the_sales_dates_are_the_stores_days_not_the_till_clocks(sold):  # noqa: F811
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from textual.widgets import Label

    from posterm.domain.permissions import command_line_actor
    from posterm.services.settings import set_setting

    app = sold
    here = datetime.now().date()  # the till's clock, in its own zone
    zone = next(
        name
        for name in ("Pacific/Kiritimati", "Etc/GMT+12")  # UTC+14, UTC-12: one is another day
        if datetime.now(ZoneInfo(name)).date() != here
    )
    set_setting(command_line_actor("tester", "till-1"), "timezone", zone)
    store_today = datetime.now(ZoneInfo(zone)).date()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "today")
        await pilot.press("enter")
        await settle(pilot)
        title = str(app.screen.query_one("#sales-title", Label).render())
        assert title == f"Sales on {store_today:%d-%m-%Y}", (title, zone)


async def test_cash_out_above_what_the_drawer_holds_is_asked_about_first(make_app):
    from posterm.data.models import CashMovement
    from posterm.ui.modals.cash_movement import CashMovementModal
    from posterm.ui.modals.confirm import ConfirmModal
    from posterm.ui.screens.shift import ShiftScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+t")
        await settle(pilot)
        await pilot.press("f2")  # a float of 2,000
        await settle(pilot)
        await type_text(pilot, "2000")
        await pilot.press("enter")
        await settle(pilot)

        async def cash_out(amount: str) -> None:
            await pilot.press("f4")
            await settle(pilot)
            assert isinstance(app.screen, CashMovementModal)
            await type_text(pilot, amount)
            await pilot.press("enter", "enter")
            await type_text(pilot, "to the safe")
            await pilot.press("enter")
            await settle(pilot)

        await cash_out("20000")  # a zero too many
        assert isinstance(app.screen, ConfirmModal)
        assert "Only ₹2,000.00 is expected in the drawer" in app.screen.question
        assert "leaves -₹18,000.00" in app.screen.detail
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ShiftScreen)
        assert CashMovement.select().count() == 0
        await cash_out("2000")  # all of it: no question
        assert isinstance(app.screen, ShiftScreen)
        assert CashMovement.get().amount == D(2000)
        await cash_out("1")  # beyond, and recorded when the cashier says so
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert CashMovement.select().count() == 2


async def test_an_empty_sales_list_says_what_to_do(sold):  # noqa: F811
    from textual.widgets import Label

    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        status = app.screen.query_one("#sales-status", Label)
        assert str(status.render()) == "2 bills"
        await pilot.press("f3")
        await type_text(pilot, "BILL-9")
        await pilot.press("enter")
        await settle(pilot)
        assert str(status.render()).startswith("No bills. F2 picks other dates")


async def test_a_report_of_one_row_and_one_closed_shift_say_so(sold):  # noqa: F811
    from textual.widgets import Label

    app = sold
    _closed_shift(_owner())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        await pilot.press("alt+r")
        await settle(pilot)
        await pilot.press("down", "down", "enter")  # sales by item: one product sold
        await settle(pilot)
        await settle(pilot)
        assert str(app.screen.query_one("#report-status", Label).render()) == "1 row"
        app.push_screen(PastShiftsScreen())
        await settle(pilot)
        status = str(app.screen.query_one("#past-shifts-status", Label).render())
        assert status.startswith("1 closed shift ·"), status


def test_report_figures_read_at_two_places_and_the_csv_keeps_them_exact():
    from datetime import date

    from posterm.domain.reports import Column, cell_text, csv_rows, make_report

    report = make_report(
        "sales-by-item",
        "Sales by item",
        date(2026, 12, 1),
        date(2026, 12, 1),
        (Column("Item"), Column("Qty", True), Column("Cost", True, True)),
        [("Chakki Atta (Loose)", D("0.500"), D("16.3550")), ("Salt", D(2), D("1234.5"))],
    )
    assert [cell_text(cell) for cell in report.rows[0]] == ["Chakki Atta (Loose)", "0.500", "16.36"]
    assert cell_text(report.totals[2]) == "1,250.86"
    assert cell_text(D("1234.50")) == "1,234.50"
    assert csv_rows(report)[1] == ["Chakki Atta (Loose)", "0.500", "16.3550"]


async def test_a_customers_advance_is_not_shown_as_owing_a_negative_amount(shop):  # noqa: F811
    from textual.widgets import OptionList

    from posterm.data.models import Customer

    app = shop()
    for code, name, phone, balance in [
        ("C1", "Meena Agarwal", "7973240481", D("-200")),
        ("C2", "Meena Iyer", "7973240482", D(0)),
        ("C3", "Meenakshi Rao", "7973240483", D("813")),
    ]:
        Customer.create(
            code=code, name=name, search_name=name.lower(), phone=phone, balance=balance
        )
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        await pilot.press("f6")
        await type_text(pilot, "meena")
        await settle(pilot)
        options = app.screen.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert shown[0].endswith("advance  200.00") and "owes" not in shown[0], shown
        assert shown[1].rstrip().endswith("7973240482"), shown
        assert shown[2].endswith("owes     813.00"), shown
        await pilot.press("enter")
        await settle(pilot)
        status = str(app.screen.query_one("#billing-status").render())
        assert status == "Customer: Meena Agarwal (advance 200.00).", status


async def test_the_refund_line_says_where_the_money_goes_in_words(sold):  # noqa: F811
    from textual.widgets import Label

    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("f3")
        total = app.screen.query_one("#return-total", Label)
        assert str(total.render()) == "Refund to cash (F5 changes): ₹84.00"
        await pilot.press("f5")
        assert str(total.render()).startswith("Refund to the bill's own payments (F5 changes)")
