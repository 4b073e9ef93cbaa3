"""Suppliers and receiving goods at 80x24: scan, pay part, see the due; a draft survives."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import DataTable

from posterm.data.models import Batch, Product, Purchase, Supplier
from posterm.domain.permissions import command_line_actor
from posterm.domain.purchases import SupplierInput
from posterm.services import suppliers
from posterm.ui.modals.receipt import ReceiptModal
from posterm.ui.modals.supplier_form import SupplierFormModal
from posterm.ui.screens.purchase import PurchaseScreen
from posterm.ui.screens.suppliers import SuppliersScreen
from tests.ui.conftest import settle, type_text
from tests.ui.test_billing import ATTA, SALT, log_in, scanner_burst, shop  # noqa: F401


def add_supplier(name: str = "Sharma Traders") -> None:
    suppliers.create_supplier(command_line_actor("tester", "till-1"), SupplierInput(name))


async def open_receiving(pilot) -> None:
    await log_in(pilot)
    await pilot.press("alt+p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SuppliersScreen)
    await pilot.press("f5")
    await settle(pilot)


def cell(screen, table_id: str, row: int, column: int) -> str:
    return str(screen.query_one(f"#{table_id}", DataTable).get_row_at(row)[column])


async def test_receive_two_scanned_products_pay_part_and_see_the_due(shop):  # noqa: F811
    app = shop()
    add_supplier()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_receiving(pilot)
        # The supplier under the cursor is taken; the invoice is asked for at once.
        await type_text(pilot, "INV-77")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # the invoice date: today
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PurchaseScreen)
        assert screen.draft.supplier_name == "Sharma Traders"

        await scanner_burst(pilot, ATTA)
        await type_text(pilot, "10*")
        await pilot.press("enter")
        await scanner_burst(pilot, SALT)
        assert [(li.product.code, li.quantity) for li in screen.draft.lines] == [
            ("ATTA5", Decimal(1)),
            ("SALT1", Decimal(10)),
        ]
        # Costs are the products' (228.00 and 22.40) plus their 5% tax.
        assert screen.draft.totals()[2] == Decimal("474.60")

        await pilot.press("f10")
        await settle(pilot)
        await type_text(pilot, "200")
        await pilot.press("enter")
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, ReceiptModal)
        assert "we owe 274.60 in all" in app.screen.text
        assert Supplier.get(Supplier.name == "Sharma Traders").balance == Decimal("274.60")
        assert Purchase.get().paid == Decimal(200)
        assert Batch.select().count() == 2
        assert Product.get(Product.code == "SALT1").stock == Decimal(60)

        await pilot.press("escape")  # the summary
        await pilot.press("escape")  # back to the suppliers
        await settle(pilot)
        assert isinstance(app.screen, SuppliersScreen)
        assert cell(app.screen, "suppliers-table", 0, 3) == "274.60"


async def test_goods_being_received_survive_closing_the_app(shop):  # noqa: F811
    add_supplier()
    async with shop().run_test(size=(80, 24)) as pilot:
        await open_receiving(pilot)
        await type_text(pilot, "A-1")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await scanner_burst(pilot, ATTA)
        await settle(pilot)

    async with shop(fresh=True).run_test(size=(80, 24)) as pilot:
        await open_receiving(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PurchaseScreen)
        assert (screen.draft.invoice_number, len(screen.draft.lines)) == ("A-1", 1)
        assert "Annapurna Atta" in cell(screen, "purchase-lines", 0, 1)
        assert not Purchase.select().exists()
        status = str(screen.query_one("#purchase-status").render())
        assert status == "Continuing the goods from Sharma Traders (1 line), saved earlier."


async def test_a_bad_supplier_form_names_each_field(shop):  # noqa: F811
    async with shop().run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+p")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, SupplierFormModal)
        await pilot.press("enter", "enter")  # no name
        await type_text(pilot, "call me")  # a phone that is not one
        await pilot.press("f10")
        await settle(pilot)
        assert "is required" in str(form.query_one("#name-error").render())
        assert "digits" in str(form.query_one("#phone-error").render())
        assert not Supplier.select().exists()


async def test_paying_a_supplier_from_their_ledger_asks_before_an_advance(shop):  # noqa: F811
    from posterm.ui.modals.confirm import ConfirmModal
    from posterm.ui.screens.supplier_ledger import SupplierLedgerScreen

    add_supplier()
    async with shop().run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+p")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SupplierLedgerScreen)
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "150")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)  # nothing is owed yet
        await pilot.press("y")
        await settle(pilot)
        ledger = pilot.app.screen
        assert isinstance(ledger, SupplierLedgerScreen)
        assert cell(ledger, "ledger-table", 0, 4) == "-150.00"
        assert "Advance with them 150.00" in str(ledger.query_one("#ledger-due").render())
        assert Supplier.get().balance == Decimal(-150)
        assert str(ledger.query_one("#ledger-status").render()) == "1 entry"


async def test_every_receiving_key_shows_in_the_footer_at_80_columns(shop):  # noqa: F811
    from tests.ui.conftest import hidden_footer_keys

    app = shop()
    add_supplier()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_receiving(pilot)
        await pilot.press("escape")  # no invoice number yet
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PurchaseScreen)
        assert "f8" in {key.key for key in screen.query("FooterKey")}
        assert hidden_footer_keys(screen) == []


async def test_two_sizes_of_a_long_name_read_apart_on_the_invoice(shop):  # noqa: F811
    from posterm.data.models import TaxRate
    from posterm.domain.barcodes import make_ean13

    app = shop()
    add_supplier()
    codes = []
    for number, size in enumerate(("1kg", "5kg"), start=1):
        name = f"Annapurna Gold Sona Masoori Rice {size}"
        codes.append(make_ean13(f"89010000010{number}"))
        Product.create(
            code=f"SONA{number}",
            name=name,
            search_name=name.lower(),
            barcode=codes[-1],
            tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
            price=Decimal(70),
            cost=Decimal(60),
        )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_receiving(pilot)
        await type_text(pilot, "INV-9")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for code in codes:
            await scanner_burst(pilot, code)
        screen = app.screen
        assert [cell(screen, "purchase-lines", row, 1) for row in (0, 1)] == [
            "Annapurna Gold… 1kg",
            "Annapurna Gold… 5kg",
        ]


async def test_an_advance_with_the_supplier_is_not_shown_as_a_negative_due(shop):  # noqa: F811
    from posterm.services import purchasing
    from posterm.ui.modals.supplier_payment import SupplierPaymentModal
    from posterm.ui.screens.supplier_ledger import SupplierLedgerScreen

    app = shop()
    add_supplier()
    from posterm.domain.permissions import Actor, Role
    from posterm.services import auth

    owner = auth.authenticate("owner", "secret")
    actor = Actor(owner.id, owner.username, Role.OWNER, "till-1")
    purchasing.pay_supplier(actor, Supplier.get().id, Decimal(500), "bank", allow_advance=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+p")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SupplierLedgerScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, SupplierPaymentModal)
        shown = " ".join(str(label.render()) for label in app.screen.query("Label"))
        assert "Advance with them 500.00." in shown and "-500" not in shown
        await pilot.press("escape")
        await pilot.press("f3")  # receive goods from them
        await settle(pilot)
        await pilot.press("escape")  # no invoice number yet
        await settle(pilot)
        assert isinstance(app.screen, PurchaseScreen)
        totals = str(app.screen.query_one("#purchase-totals").render())
        assert "advance with them 500.00" in totals and "owe -500" not in totals


async def test_an_invoice_date_in_the_future_is_refused_at_the_prompt(shop):  # noqa: F811
    from posterm.ui.modals.value import ValueModal

    app = shop()
    add_supplier()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_receiving(pilot)
        await type_text(pilot, "INV-8")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "01-01-2099")  # the date is selected: typing replaces it
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ValueModal)  # asked again, not taken
        error = str(app.screen.query_one("#value-error").render())
        assert error == "01-01-2099 is in the future."
        await pilot.press("ctrl+u", "enter")  # Enter alone: today
        await settle(pilot)
        assert isinstance(app.screen, PurchaseScreen)
        assert app.screen.draft.invoice_date is not None


async def test_enter_shows_in_the_ledger_and_purchases_footers(shop):  # noqa: F811
    from posterm.ui.screens.purchases import PurchasesScreen
    from posterm.ui.screens.supplier_ledger import SupplierLedgerScreen
    from tests.ui.conftest import hidden_footer_keys

    add_supplier()
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+p")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for kind in (SupplierLedgerScreen, PurchasesScreen):
            screen = app.screen
            assert isinstance(screen, kind)
            assert "enter" in {key.key for key in screen.query("FooterKey")}
            assert not [key for key in hidden_footer_keys(screen) if not key.startswith("^")]
            await pilot.press("f6")  # the ledger's purchases
            await settle(pilot)


async def test_the_suppliers_footer_cuts_no_key_in_half(shop):  # noqa: F811
    from tests.ui.conftest import hidden_footer_keys

    add_supplier()
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("alt+p")
        await settle(pilot)
        assert isinstance(app.screen, SuppliersScreen)
        assert hidden_footer_keys(app.screen) == []  # was "^q Qu" behind the palette key


async def test_the_lines_keep_their_width_while_the_search_is_open(shop):  # noqa: F811
    add_supplier()
    app = shop()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_receiving(pilot)
        await type_text(pilot, "A-1")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await scanner_burst(pilot, ATTA)
        await type_text(pilot, "sal")  # the search results open above the lines
        await settle(pilot)
        table = app.screen.query_one("#purchase-lines", DataTable)
        assert table.size.width == 80 and not table.show_horizontal_scrollbar
        assert "239.40" in table.render_line(1).text  # the amount, whole
