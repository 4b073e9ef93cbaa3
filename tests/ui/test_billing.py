"""The billing lane at 80x24: scan, quantities, search, weights, hold, pay, print, restore."""

from __future__ import annotations

from decimal import Decimal

import pytest

from posterm.data.models import HeldSale, Product, Sale, StockMovement, TaxRate
from posterm.domain.barcodes import make_ean13
from tests.ui.conftest import bill_lines as lines
from tests.ui.conftest import log_in, scanner_burst, settle, type_text

ATTA = make_ean13("890100000001")
SALT = make_ean13("890100000002")


@pytest.fixture
def shop(make_app, tmp_path):
    """A store with a few products; returns a factory for tills on it (printer to a file)."""
    printer = tmp_path / "printer.bin"
    first = make_app(printer=f"file:{printer}")
    owner_id = 1
    gst5 = TaxRate.get(TaxRate.name == "GST 5%")
    for code, name, barcode, price, unit, weight in [
        ("ATTA5", "Annapurna Atta 5kg", ATTA, "285.00", "pcs", False),
        ("SALT1", "Tata Salt 1kg", SALT, "28.00", "pcs", False),
        ("TOOR", "Toor Dal (Loose)", None, "155.00", "kg", True),
    ]:
        product = Product.create(
            code=code,
            name=name,
            search_name=f"{name.lower()} {code.lower()}",
            barcode=barcode,
            tax_rate=gst5,
            unit=unit,
            sold_by_weight=weight,
            price=Decimal(price),
            cost=Decimal(price) * Decimal("0.8"),
            stock=Decimal(50),
        )
        StockMovement.create(
            product=product,
            kind="opening",
            quantity=Decimal(50),
            stock_after=Decimal(50),
            user=owner_id,
        )

    def till(fresh: bool = False):
        if not fresh:
            return first
        from tests.ui.conftest import _FixedLabelApp

        return _FixedLabelApp(first.config)

    till.printer = printer
    return till


async def test_scans_quantities_and_merging(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        assert lines(app) == [("ATTA5", Decimal(1))]
        await scanner_burst(pilot, "3*" + SALT)
        await scanner_burst(pilot, ATTA)
        assert lines(app) == [("ATTA5", Decimal(2)), ("SALT1", Decimal(3))]
        # 2* alone waits for the next scan.
        await type_text(pilot, "2*")
        await pilot.press("enter")
        await scanner_burst(pilot, SALT)
        assert lines(app) == [("ATTA5", Decimal(2)), ("SALT1", Decimal(5))]


async def test_unknown_and_misread_barcodes_add_nothing(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, make_ean13("890999999999"))
        assert "No product" in str(app.screen.query_one("#billing-status").content)
        await scanner_burst(pilot, ATTA[:-1] + str((int(ATTA[-1]) + 1) % 10))
        assert "check digit" in str(app.screen.query_one("#billing-status").content)
        assert lines(app) == []


async def test_search_by_name_and_weighed_goods(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_text(pilot, "toor")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "0.250")
        await pilot.press("enter")
        await settle(pilot)
        assert lines(app) == [("TOOR", Decimal("0.250"))]
        await type_text(pilot, "1.5*tata")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#billing-status").content  # a message, not a crash
        assert lines(app) == [("TOOR", Decimal("0.250"))]  # salt is sold in whole pieces


async def test_hold_and_recall(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        await pilot.press("f7")
        await type_text(pilot, "Mrs Rao")
        await pilot.press("enter")
        await settle(pilot)
        assert lines(app) == []
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert lines(app) == [("ATTA5", Decimal(1))]


async def test_pay_cash_with_enter_prints_and_starts_a_new_bill(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        await scanner_burst(pilot, SALT)
        await pilot.press("enter")  # empty scan field: to payment
        await settle(pilot)
        await type_text(pilot, "500")
        await pilot.pause()
        assert "Change" in str(app.screen.query_one("#payment-status").content)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        status = str(app.screen.query_one("#billing-status").content)
        assert "BILL-" in status and "change" in status and "printed" in status
        assert lines(app) == []
    sale = Sale.get()
    assert (sale.total, sale.change_given, sale.printed) == (Decimal(313), Decimal(187), True)
    received = shop.printer.read_bytes()
    assert sale.bill_number.encode() in received


async def test_a_restart_brings_the_open_bill_back(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        await scanner_burst(pilot, "2*" + SALT)
        await settle(pilot)
    assert HeldSale.select().count() == 1
    again = shop(fresh=True)
    async with again.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        assert lines(again) == [("ATTA5", Decimal(1)), ("SALT1", Decimal(2))]


def test_empty_billing_screen(shop, snap_compare):
    async def logged_in(pilot):
        await log_in(pilot)

    assert snap_compare(shop(), terminal_size=(80, 24), run_before=logged_in)


def test_filled_billing_screen(shop, snap_compare):
    async def filled(pilot):
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        await scanner_burst(pilot, "3*" + SALT)

    assert snap_compare(shop(), terminal_size=(80, 24), run_before=filled)


async def test_locking_keeps_the_open_bill(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, ATTA)
        billing = app.screen
        await pilot.press("ctrl+l")
        await pilot.pause()
        await type_text(pilot, "secret")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is billing
        assert lines(app) == [("ATTA5", Decimal(1))]


async def test_every_billing_key_is_in_the_command_palette(shop):
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for wanted in (
            "Qty (F2)",
            "Price (F3)",
            "Hold (F7)",
            "Recall (F8)",
            "Pay (F10)",
            "Del line (DELETE)",
            "Lock the till",
            "Sales (Alt+S)",
        ):
            assert wanted in titles


async def test_search_results_come_a_page_at_a_time(shop):
    app = shop()
    gst5 = TaxRate.get(TaxRate.name == "GST 5%")
    Product.insert_many(
        [
            dict(
                code=f"BIS{n:03d}",
                name=f"Biscuit {n:03d}",
                search_name=f"biscuit {n:03d} bis{n:03d}",
                tax_rate=gst5,
                price=Decimal(10),
                stock=Decimal(0),
            )
            for n in range(45)
        ]
    ).execute()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_text(pilot, "biscuit")
        await settle(pilot)
        screen = app.screen
        assert len(screen.search_results) == 20
        for _ in range(20):
            await pilot.press("down")
        await settle(pilot)
        assert len(screen.search_results) == 40
        await pilot.press("enter")
        await settle(pilot)
        assert len(screen.bill.items) == 1
