"""The scan path at 80x24: the open bill is saved as it changes and before the till is left,
the bill table changes only the rows that changed, and stale searches cost no query."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

from textual import events

from posterm.data.models import HeldSale
from posterm.domain.open_bill import OpenBill
from posterm.ui.background import database_thread
from posterm.ui.screens.billing import BillingScreen
from posterm.ui.widgets.bill_view import BillTable
from tests.ui import test_billing
from tests.ui.conftest import post_burst, settle
from tests.ui.test_billing import ATTA, SALT, lines, log_in, scanner_burst

shop = test_billing.shop  # the same store and tills as the billing tests


def saved_lines(terminal: str = "till-1") -> list[tuple[str, Decimal]]:
    row = HeldSale.get_or_none((HeldSale.terminal == terminal) & (HeldSale.status == "open"))
    if row is None:
        return []
    return [(item.code, item.quantity) for item in OpenBill.from_json(row.cart).items]


async def burst_until_shown(pilot, code: str, rows: int) -> None:
    """A scanner burst, waiting only until the line is in the table (no settling)."""
    post_burst(pilot.app, code)
    table = pilot.app.screen.query_one(BillTable)
    for _ in range(2000):
        if table.row_count == rows:
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the line never showed")


def table_texts(table: BillTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


async def test_a_scan_is_saved_after_the_next_paint_without_more_input(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        screen = app.screen
        await burst_until_shown(pilot, ATTA, rows=1)
        await pilot.pause()  # one paint, nothing typed
        await settle(pilot)
        assert screen.saved_changes == screen.changes
        assert saved_lines() == [("ATTA5", Decimal(1))]


async def test_changes_before_one_paint_share_one_save(shop, monkeypatch):
    from posterm.services import held_sales

    saves: list[int] = []
    real = held_sales.save_open_bill

    def counted(actor, bill):
        saves.append(len(bill.items))
        return real(actor, bill)

    monkeypatch.setattr(held_sales, "save_open_bill", counted)
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        screen: BillingScreen = app.screen
        await scanner_burst(pilot, ATTA)
        saves.clear()
        for quantity in (2, 3, 4):  # three changes before the next paint
            screen.bill.set_quantity(0, Decimal(quantity))
            screen.changed()
        await settle(pilot)
        assert saves == [1]
        assert saved_lines() == [("ATTA5", Decimal(4))]


async def test_leaving_the_till_saves_a_change_the_paint_never_saved(shop, monkeypatch):
    # As if the process were told to quit before the next paint: the bill must still reach
    # the database before the app is gone.
    monkeypatch.setattr(BillingScreen, "_autosave", lambda self: None)
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await burst_until_shown(pilot, ATTA, rows=1)
        await burst_until_shown(pilot, SALT, rows=2)
        assert app.screen.saved_changes < app.screen.changes
    assert saved_lines() == [("ATTA5", Decimal(1)), ("SALT1", Decimal(1))]


async def test_payment_and_lock_save_the_bill_first(shop, monkeypatch):
    monkeypatch.setattr(BillingScreen, "_autosave", lambda self: None)
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        billing = app.screen
        await burst_until_shown(pilot, ATTA, rows=1)
        await pilot.press("f10")  # the payment modal covers the bill
        await settle(pilot)
        assert saved_lines() == [("ATTA5", Decimal(1))]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is billing
        await burst_until_shown(pilot, "2*" + SALT, rows=2)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert saved_lines() == [("ATTA5", Decimal(1)), ("SALT1", Decimal(2))]


async def test_the_table_changes_only_the_rows_that_changed(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        screen: BillingScreen = app.screen
        table = screen.query_one(BillTable)
        await scanner_burst(pilot, ATTA)
        await scanner_burst(pilot, SALT)
        salt_row = table.get_row("1")
        await scanner_burst(pilot, ATTA)  # merges into line 1
        assert all(a is b for a, b in zip(table.get_row("1"), salt_row, strict=True))
        assert table_texts(table) == [
            ["1", "Annapurna Atta 5kg", "2", "285.00", "570.00"],
            ["2", "Tata Salt 1kg", "1", "28.00", "28.00"],
        ]
        await pilot.press("f5")  # a bill discount changes every amount
        await pilot.press("1", "0", "%", "enter")
        await settle(pilot)
        totals = screen.bill.totals(
            screen.settings.prices_include_tax, screen.settings.cash_rounding
        )
        assert [row[4] for row in table_texts(table)] == [
            f"{line.line_total:.2f}" for line in totals.lines
        ]
        assert "(-" in table_texts(table)[0][1]
        await pilot.press("up")
        await pilot.press("delete")  # the first line goes; the rest renumber
        await settle(pilot)
        assert lines(app) == [("SALT1", Decimal(1))]
        (only,) = table_texts(table)
        assert (only[0], only[2]) == ("1", "1") and only[1].startswith("Tata Salt 1kg (-")
        await pilot.press("f9", "y")
        await settle(pilot)
        assert table.row_count == 0
        await scanner_burst(pilot, SALT)
        assert table_texts(table) == [["1", "Tata Salt 1kg", "1", "28.00", "28.00"]]


async def test_a_search_for_text_typed_over_costs_no_query(shop, monkeypatch):
    from posterm.services import catalog

    searched: list[str] = []
    real = catalog.search_products

    def counted(text, **kwargs):
        searched.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(catalog, "search_products", counted)
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        screen: BillingScreen = app.screen
        busy = threading.Event()
        # Hold the database thread while the keys arrive, as a slow query would.
        database_thread.submit(lambda: busy.wait(10), connect=False)
        for character in "toor":
            app.post_message(events.Key(character, character))
        await pilot.pause()
        busy.set()
        await settle(pilot)
        assert searched == ["toor"]
        assert [product.code for product in screen.search_results] == ["TOOR"]


async def test_a_name_with_brackets_shows_as_typed(shop):
    from posterm.data.models import Product, TaxRate
    from posterm.domain.barcodes import make_ean13

    barcode = make_ean13("890100000009")
    Product.create(
        code="PEPSI",
        name="Pepsi [500ml] [bold]x",
        search_name="pepsi 500ml pepsi",
        barcode=barcode,
        tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
        price=Decimal(40),
        stock=Decimal(5),
    )
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, barcode)
        table = app.screen.query_one(BillTable)
        drawn = table.render_line(1).text  # the first row, under the header
        assert "Pepsi [500ml] [bold]x" in drawn


async def test_each_search_result_fits_one_line_with_its_price(shop):
    from posterm.data.models import Product, TaxRate
    from posterm.ui.widgets.product_search import ProductSearchList

    for number in range(12):  # more than the popup shows: its scrollbar takes two columns
        Product.create(
            code=f"LONGNAME{number:02d}",
            name=f"Zandu Balm Extra Strength Ayurvedic Pain Relief {number:02d}",
            search_name=f"zandu balm extra strength ayurvedic pain relief longname{number:02d}",
            tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
            price=Decimal("12345.50"),
            stock=Decimal(5),
        )
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        for character in "zandu":
            await pilot.press(character)
        await settle(pilot)
        results = app.screen.query_one(ProductSearchList)
        assert results.option_count == 12
        assert results.virtual_size.height == results.option_count  # no result wraps
        first = results.render_line(0).text
        assert "12,345.50" in first and "LONGNAME00" in first
