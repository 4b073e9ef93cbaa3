"""The stock screen at 80x24: find, create, edit (a bad field named beside it), deactivate,
print labels to a file printer, and create an unknown barcode's product from the till."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import DataTable, Label

from posterm.data.models import AuditEvent, Product, StockMovement, TaxRate
from posterm.domain.barcodes import make_ean13
from posterm.domain.permissions import Role
from posterm.hardware.fakes.escpos_decode import decode
from posterm.services import auth
from posterm.ui.modals.product_form import ProductFormModal
from posterm.ui.screens.billing import BillingScreen
from posterm.ui.screens.stock import StockScreen
from tests.ui.conftest import settle, type_text
from tests.ui.test_billing import scanner_burst

SALT = "8901058000290"
NEW_BARCODE = make_ean13("890777766665")


@pytest.fixture
def shop(make_app, tmp_path):
    printer = tmp_path / "printer.bin"
    app = make_app(printer=f"file:{printer}")
    gst5 = TaxRate.get(TaxRate.name == "GST 5%")
    for n, (code, name, barcode, price) in enumerate(
        [
            ("SALT1", "Tata Salt 1kg", SALT, "28.00"),
            ("ATTA5", "Annapurna Atta 5kg", make_ean13("890172500001"), "285.00"),
            ("MAGGI", "Maggi Masala Noodles 70g", make_ean13("890105800001"), "14.00"),
        ],
        start=1,
    ):
        product = Product.create(
            code=code,
            name=name,
            search_name=f"{name.lower()} {code.lower()}",
            barcode=barcode,
            tax_rate=gst5,
            price=Decimal(price),
            stock=Decimal(10 * n),
            min_stock=Decimal(15),
        )
        StockMovement.create(
            product=product, kind="opening", quantity=product.stock, stock_after=product.stock,
            user=1,
        )  # fmt: skip
    app.printer_file = printer
    return app


async def log_in(pilot, username: str = "owner", password: str = "secret") -> None:
    await settle(pilot)
    await type_text(pilot, username)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)


async def open_stock(pilot) -> StockScreen:
    await log_in(pilot)
    await pilot.press("alt+k")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StockScreen)
    return screen


def codes(screen: StockScreen) -> list[str]:
    return [row.code for row in screen.rows]


async def test_the_list_finds_sorts_and_filters(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        assert codes(stock) == ["ATTA5", "MAGGI", "SALT1"]
        assert stock.query_one(DataTable).row_count == 3
        await type_text(pilot, "noodl")
        await settle(pilot)
        assert codes(stock) == ["MAGGI"]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f5")  # lowest stock first
        await settle(pilot)
        assert codes(stock) == ["SALT1", "ATTA5", "MAGGI"]
        assert "lowest stock first" in str(stock.query_one("#stock-title", Label).content)
        await pilot.press("down")
        assert stock.selected_product_id == Product.get(Product.code == "ATTA5").id


async def test_create_a_product_from_the_form(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ProductFormModal)
        await type_text(pilot, "Parle-G Biscuits 100g")
        await pilot.press("enter")  # code: left blank, the next free one is given
        await pilot.press("enter")
        await type_text(pilot, NEW_BARCODE)
        for _ in range(4):  # category, unit, by weight, then price
            await pilot.press("tab")
        await type_text(pilot, "10")
        await pilot.press("enter")
        await type_text(pilot, "8.5")
        await pilot.press("f2")
        await settle(pilot)
        assert pilot.app.screen is stock
        product = Product.get(Product.barcode == NEW_BARCODE)
        assert (product.name, product.price, product.cost, product.code) == (
            "Parle-G Biscuits 100g",
            Decimal(10),
            Decimal("8.5"),
            "P000004",
        )
        assert codes(stock) == ["P000004"]  # found, so it shows whatever page it is on


async def test_edit_names_a_bad_field_beside_it_then_saves(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        await type_text(pilot, "salt")
        await settle(pilot)
        assert codes(stock) == ["SALT1"]
        await pilot.press("enter")  # Enter in the find field edits the highlighted product
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ProductFormModal)
        price = form.query_one("#pf-price")
        price.value = "28.123"
        form.query_one("#pf-barcodes").value = make_ean13("890172500001")  # Atta's barcode
        await pilot.press("f2")
        await settle(pilot)
        assert pilot.app.screen is form
        error = str(form.query_one("#pf-price-error", Label).content)
        assert error == "at most 2 decimal places"
        assert "already a barcode of Annapurna Atta 5kg" in str(
            form.query_one("#pf-barcodes-error", Label).content
        )
        price.value = "30"
        form.query_one("#pf-barcodes").value = f"{SALT} 1234"
        await pilot.press("f2")
        await settle(pilot)
        assert pilot.app.screen is stock
        assert Product.get(Product.code == "SALT1").price == Decimal(30)
        assert [(row.code, row.price) for row in stock.rows] == [("SALT1", Decimal(30))]


async def test_deactivate_and_reactivate_with_a_confirm(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        await pilot.press("f7")
        await pilot.press("y")
        await settle(pilot)
        assert Product.get(Product.code == "ATTA5").status == "inactive"
        assert codes(stock) == ["MAGGI", "SALT1"]
        await pilot.press("f4")  # the inactive ones
        await settle(pilot)
        assert codes(stock) == ["ATTA5"]
        await pilot.press("f7")
        await pilot.press("n")  # changed their mind
        await settle(pilot)
        assert Product.get(Product.code == "ATTA5").status == "inactive"
        await pilot.press("f7")
        await pilot.press("y")
        await settle(pilot)
        assert Product.get(Product.code == "ATTA5").status == "active"


async def test_labels_of_chosen_products_reach_the_file_printer(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        await open_stock(pilot)
        await pilot.press("f8")  # Atta: 2 labels
        await pilot.press("backspace")
        await type_text(pilot, "2")
        await pilot.press("enter")
        await pilot.press("down", "f8")  # Maggi: 1, then print the list
        await pilot.press("f2")
        await settle(pilot)
    printed = decode(shop.printer_file.read_bytes())
    assert printed.barcodes == [
        ("EAN13", make_ean13("890172500001")),
        ("EAN13", make_ean13("890172500001")),
        ("EAN13", make_ean13("890105800001")),
    ]
    assert printed.cuts == 3
    assert "Maggi Masala Noodles 70g" in printed.text_lines


async def test_every_stock_key_is_in_the_command_palette(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        titles = {command.title for command in shop.get_system_commands(stock)}
        for wanted in (
            "Edit (F2)",
            "New (F3)",
            "Filter (F6)",
            "Labels (F8)",
            "Tax rates (F10)",
            "Categories (F9)",
        ):
            assert wanted in titles
        assert "Stock (Alt+K)" in titles


async def test_an_unknown_barcode_becomes_a_product_on_the_bill(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scanner_burst(pilot, NEW_BARCODE)
        status = str(pilot.app.screen.query_one("#billing-status", Label).content)
        assert status == f"No product with barcode {NEW_BARCODE}. F11: create it."
        await pilot.press("f11")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, ProductFormModal)
        assert form.query_one("#pf-barcodes").value == NEW_BARCODE
        await type_text(pilot, "Good Day Cookies")
        form.query_one("#pf-price").value = "30"
        await pilot.press("f2")
        await settle(pilot)
        billing = pilot.app.screen
        assert isinstance(billing, BillingScreen)
        assert [(i.name, i.quantity) for i in billing.bill.items] == [
            ("Good Day Cookies", Decimal(1))
        ]
        assert AuditEvent.select().where(AuditEvent.action == "product.create").count() == 1


async def test_a_cashier_is_not_offered_the_shortcut(shop):
    owner = auth.authenticate("owner", "secret")
    from posterm.domain.permissions import Actor

    auth.create_user(Actor(owner.id, "owner", Role.OWNER), "ravi", Role.CASHIER, "pw1234")
    async with shop.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "ravi", "pw1234")
        await scanner_burst(pilot, NEW_BARCODE)
        status = str(pilot.app.screen.query_one("#billing-status", Label).content)
        assert status == f"No product with barcode {NEW_BARCODE}."
        await pilot.press("f11")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BillingScreen)
        assert not Product.select().where(Product.barcode == NEW_BARCODE).exists()


def test_stock_screen(shop, snap_compare):
    async def opened(pilot):
        await open_stock(pilot)

    assert snap_compare(shop, terminal_size=(80, 24), run_before=opened)


async def test_every_stock_key_shows_in_the_footer_at_80_columns(shop):
    from tests.ui.conftest import hidden_footer_keys

    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        await settle(pilot)
        shown = {key.key for key in stock.query("FooterKey")}
        for key in ("f9", "f10", "f11", "f12", "ctrl+n", "ctrl+r", "ctrl+o"):
            assert key in shown
        assert hidden_footer_keys(stock) == []


def _two_sizes() -> None:
    gst5 = TaxRate.get(TaxRate.name == "GST 5%")
    for code, size in (("SONA1", "1kg"), ("SONA5", "5kg")):
        name = f"Annapurna Gold Sona Masoori Rice {size}"
        Product.create(
            code=code,
            name=name,
            search_name=f"{name.lower()} {code.lower()}",
            tax_rate=gst5,
            price=Decimal(70),
            stock=Decimal(0),
            min_stock=Decimal(5),
        )


async def test_two_sizes_of_a_long_name_read_apart_in_the_list_and_alerts(shop):
    from posterm.ui.screens.stock_alerts import StockAlertsScreen

    _two_sizes()
    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        await type_text(pilot, "sona")
        await settle(pilot)
        table = stock.query_one(DataTable)
        names = [str(table.get_row_at(row)[1]) for row in range(table.row_count)]
        assert names == ["Annapurna Gold Sona Maso… 1kg", "Annapurna Gold Sona Maso… 5kg"]
        await pilot.press("ctrl+r")  # low stock: both are under their minimum
        await settle(pilot)
        alerts = pilot.app.screen
        assert isinstance(alerts, StockAlertsScreen)
        table = alerts.query_one(DataTable)
        low = [str(table.get_row_at(row)[0]) for row in range(table.row_count)]
        assert "Annapurna Gold Sona Masoori R… 1kg" in low
        assert "Annapurna Gold Sona Masoori R… 5kg" in low


async def test_an_empty_status_says_so_instead_of_offering_a_new_product(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        await pilot.press("f4")  # inactive: there are none
        await settle(pilot)
        status = str(stock.query_one("#stock-status", Label).content)
        assert status == "No inactive product matches: F4 status, F6 filter."


async def test_one_label_on_the_list_is_one_label(shop):
    async with shop.run_test(size=(80, 24)) as pilot:
        stock = await open_stock(pilot)
        await pilot.press("f8", "enter")  # one label of the highlighted product
        await settle(pilot)
        status = str(stock.query_one("#stock-status", Label).content)
        assert status.endswith(" · 1 label to print (F8)")
