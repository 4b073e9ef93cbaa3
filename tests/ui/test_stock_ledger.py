"""The stock ledger screens at 80x24: adjust from the palette, see it in the kardex, count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import DataTable, ProgressBar

from posterm.data.models import Product, StockCount, StockMovement, TaxRate
from posterm.services import auth
from posterm.ui.modals.adjust_stock import AdjustStockModal
from posterm.ui.modals.find_product import FindProductModal
from posterm.ui.modals.import_products import ImportProductsModal
from posterm.ui.screens.kardex import KardexScreen
from posterm.ui.screens.stock_alerts import StockAlertsScreen
from posterm.ui.screens.stock_count import StockCountScreen
from tests.ui.conftest import log_in, settle, type_text


@pytest.fixture
def shop(make_app):
    app = make_app()
    owner = auth.authenticate("owner", "secret")
    for code, name, stock in (("SALT", "Tata Salt 1kg", 20), ("SOAP", "Lux Soap", 3)):
        product = Product.create(
            code=code,
            name=name,
            search_name=f"{name.lower()} {code.lower()}",
            tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
            price=Decimal(28),
            stock=Decimal(stock),
            min_stock=Decimal(5),
        )
        StockMovement.create(
            product=product,
            kind="opening",
            quantity=Decimal(stock),
            stock_after=Decimal(stock),
            user=owner.id,
        )
    return app


async def palette(pilot, command: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await type_text(pilot, command)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot)


async def test_adjust_stock_from_the_palette_then_see_it_in_the_kardex(shop):
    app = shop
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await palette(pilot, "Adjust stock")
        assert isinstance(app.screen, FindProductModal)
        await type_text(pilot, "tata")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AdjustStockModal)
        await type_text(pilot, "-3")
        await pilot.press("down")  # count correction -> damaged
        await pilot.press("tab")
        await type_text(pilot, "torn bags")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, AdjustStockModal)
        salt = Product.get(Product.code == "SALT")
        assert salt.stock == Decimal(17)
        moved = StockMovement.select().order_by(StockMovement.id.desc()).get()
        assert (moved.kind, moved.reason, moved.note) == ("adjustment", "damaged", "torn bags")

        await palette(pilot, "Stock movements of a product")
        await type_text(pilot, "SALT")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, KardexScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[1:4] == ["Adjust", "-3", "17"] and first[4].startswith("ADJ-")
        assert first[5] == "Damaged"
        assert "torn bags" in str(app.screen.query_one("#kardex-status").content)
        # F2 adjusts from the kardex too; a refusal stays in the modal.
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "0")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AdjustStockModal)
        assert "must" in str(app.screen.query_one("#adjust-error").content)
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, KardexScreen)


async def test_count_scan_review_and_post(shop):
    app = shop
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await palette(pilot, "Stock count")
        await pilot.press("enter")  # no count is open: a new one, with the suggested name
        await settle(pilot)
        assert isinstance(app.screen, StockCountScreen)
        for code in ("SALT", "SALT", "4*SOAP"):
            await type_text(pilot, code)
            await pilot.press("enter")
            await settle(pilot)
        screen = app.screen
        assert [str(c) for c in screen.query_one(DataTable).get_row_at(0)][3:] == ["2", "-18"]
        await pilot.press("f5")
        await settle(pilot)
        assert screen.query_one(DataTable).row_count == 2
        await pilot.press("f10")
        await pilot.press("y")
        await settle(pilot)
        assert StockCount.get().status == "posted"
        assert [p.stock for p in Product.select().order_by(Product.code)] == [
            Decimal(2),
            Decimal(4),
        ]
        assert screen.count is None and screen.query_one(DataTable).row_count == 0


async def test_alerts_and_import_with_bad_rows(shop, tmp_path):
    app = shop
    bad = tmp_path / "bad.csv"
    bad.write_text("code;name;price\nNEW1;Apple;10\nNEW2;;x\n", encoding="utf-8")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await palette(pilot, "Stock alerts")
        assert isinstance(app.screen, StockAlertsScreen)
        table = app.screen.query_one(DataTable)
        assert [str(table.get_row_at(0)[0])] == ["Lux Soap"]  # 3 <= min 5
        await pilot.press("escape")
        await palette(pilot, "Import products")
        assert isinstance(app.screen, ImportProductsModal)
        await type_text(pilot, str(bad))
        await pilot.press("enter")
        await settle(pilot)
        summary = str(app.screen.query_one("#import-summary").content)
        assert summary == "1 problem found: nothing was imported."
        errors = str(app.screen.query_one("#import-error-list").content)
        assert "row 3, price: 'x' is not a plain number" in errors
        assert not Product.select().where(Product.code == "NEW1").exists()
        bad.write_text("code;name;price\nNEW1;Apple;10\n", encoding="utf-8")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(ProgressBar).percentage == 1
        assert Product.select().where(Product.code == "NEW1").exists()


async def test_the_count_footer_shows_f10_post_at_80_columns(shop):
    from tests.ui.conftest import hidden_footer_keys

    app = shop
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await palette(pilot, "Stock count")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StockCountScreen)
        keys = {key.key: key for key in screen.query("FooterKey")}
        assert keys["f10"].description == "Post"
        assert hidden_footer_keys(screen) == []  # no key cut off ("^q" without its name)


async def test_enter_on_an_alert_opens_its_movements(shop):
    from tests.ui.conftest import hidden_footer_keys

    app = shop
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await palette(pilot, "Stock alerts")
        alerts = app.screen
        assert isinstance(alerts, StockAlertsScreen)
        assert "enter" in {key.key for key in alerts.query("FooterKey")}
        assert hidden_footer_keys(alerts) == []
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, KardexScreen)
        assert app.screen.product_id == Product.get(Product.code == "SOAP").id


async def test_the_import_window_does_not_animate_while_it_waits(shop):
    app = shop
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await palette(pilot, "Import products")
        assert isinstance(app.screen, ImportProductsModal)
        bar = app.screen.query_one(ProgressBar)
        assert bar.total is not None and bar.percentage == 0  # not the endless pulse


async def test_a_category_of_one_product_says_product(shop):
    from textual.widgets import OptionList

    from posterm.data.models import Category
    from posterm.ui.modals.pick import PickModal

    spices = Category.create(name="Spices")
    Product.update(category=spices).where(Product.code == "SALT").execute()
    app = shop
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await palette(pilot, "Stock count")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        options = app.screen.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(line.startswith("Spices") and line.endswith(" 1 product") for line in shown)


async def test_without_colour_the_movements_and_low_stock_stay_readable(shop):
    from textual.widgets import DataTable as Table

    from posterm.ui.screens.stock import StockScreen

    app = shop
    app.no_color = True  # as NO_COLOR=1 sets it (Textual then draws greys only)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+k")
        await settle(pilot)
        stock = app.screen
        assert isinstance(stock, StockScreen)
        soap = [str(row.code) for row in stock.rows].index("SOAP")  # 3, under its minimum 5
        low = stock.query_one(Table).get_row_at(soap)[2]
        styles = " ".join(str(span.style) for span in low.spans)
        assert "red" not in styles and "underline" in styles
        await palette(pilot, "Adjust stock")
        await type_text(pilot, "tata")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "-3")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("down", "f11")  # Tata Salt, under Lux Soap
        await settle(pilot)
        assert isinstance(app.screen, KardexScreen)
        change = app.screen.query_one(Table).get_row_at(0)[2]
        assert str(change) == "-3" and "red" not in str(change.style)


async def test_a_new_count_is_named_with_the_shops_day_not_the_machines(shop):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from posterm.domain.permissions import Actor, Role
    from posterm.services.settings import set_setting
    from posterm.ui.modals.value import ValueModal

    # A zone whose day differs from UTC's now: ahead in the UTC evening, behind in the morning.
    zone = "Pacific/Kiritimati" if datetime.now(UTC).hour >= 10 else "Pacific/Pago_Pago"
    owner = auth.authenticate("owner", "secret")
    set_setting(Actor(owner.id, "owner", Role.OWNER, "till-1"), "timezone", zone)
    shop_day = datetime.now(ZoneInfo(zone)).date()
    app = shop
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await palette(pilot, "Stock count")
        assert isinstance(app.screen, ValueModal)
        assert app.screen.query_one("#value").value == f"Count {shop_day:%d-%m-%Y}"
