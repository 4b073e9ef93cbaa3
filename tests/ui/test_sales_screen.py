"""The sales list at 80x24: today's bills, reprint, a return and a void from the keyboard."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from textual.widgets import DataTable

from posterm.data.models import Product, Sale, StockMovement, TaxRate
from posterm.domain.permissions import Actor, Role
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import auth, checkout
from posterm.ui.screens.returns import ReturnScreen
from posterm.ui.screens.sales import SalesScreen, parse_day_range
from tests.ui.conftest import log_in, settle, type_text


@pytest.fixture
def sold(make_app, tmp_path):
    printer = tmp_path / "printer.bin"
    app = make_app(printer=f"file:{printer}")
    owner = auth.authenticate("owner", "secret")
    actor = Actor(owner.id, owner.username, Role.OWNER, "till-1")
    product = Product.create(
        code="SALT",
        name="Tata Salt 1kg",
        search_name="tata salt 1kg salt",
        tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
        price=Decimal(28),
        stock=Decimal(20),
    )
    StockMovement.create(
        product=product,
        kind="opening",
        quantity=Decimal(20),
        stock_after=Decimal(20),
        user=owner.id,
    )
    for quantity in (2, 3):
        checkout.checkout(
            actor,
            CheckoutRequest(
                uuid.uuid4(),
                [SaleLineRequest(product.id, Decimal(quantity))],
                tenders=[Tender("cash", Decimal(100))],
            ),
        )
    app.printer_file = printer
    return app


async def open_sales(pilot) -> None:
    await log_in(pilot)
    await pilot.press("alt+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SalesScreen)


async def test_list_reprint_return_and_void(sold):
    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        assert app.screen.query_one(DataTable).row_count == 2
        await pilot.press("f5")
        await settle(pilot)
        assert app.printer_file.read_bytes().count(b"BILL-") >= 1
        # Return the whole of the newest bill's only line.
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, ReturnScreen)
        await pilot.press("f3")
        await pilot.press("f10")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, SalesScreen)
        kinds = sorted(sale.kind for sale in Sale.select())
        assert kinds == ["return", "sale", "sale"]
        # Void the other sale, giving a reason.
        table = app.screen.query_one(DataTable)
        bills = [app.screen.sales[i].bill_number for i in range(table.row_count)]
        table.move_cursor(row=bills.index(min(b for b in bills if b.startswith("BILL-"))))
        await pilot.press("f7")
        await type_text(pilot, "wrong customer")
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(sale.kind for sale in Sale.select()) == ["return", "sale", "sale", "void"]
    from posterm.services.doctor import run_checks

    assert all(check.ok for check in run_checks())


def test_day_ranges():
    from datetime import date

    today = date(2026, 11, 23)
    assert parse_day_range("", today) == (today, today)
    assert parse_day_range("7", today) == (date(2026, 11, 17), today)
    assert parse_day_range("01-11-2026 05-11-2026", today) == (date(2026, 11, 1), date(2026, 11, 5))
    with pytest.raises(Exception, match="dd-mm-yyyy"):
        parse_day_range("yesterday-ish", today)


async def test_return_without_receipt_needs_a_manager_for_a_cashier(sold):
    app = sold
    owner = auth.authenticate("owner", "secret")
    by = Actor(owner.id, "owner", Role.OWNER, "till-1")
    auth.create_user(by, "asha", Role.CASHIER, "pw1234", "1111")
    auth.create_user(by, "mina", Role.MANAGER, "pw1234", "9999")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "asha", "pw1234")
        await pilot.press("alt+s")
        await settle(pilot)
        await pilot.press("f9")
        await pilot.pause()
        for text in ("mina", "9999", "customer had no bill"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "SALT")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f10")
        await type_text(pilot, "unopened")
        await pilot.press("enter")
        await settle(pilot)
    document = Sale.get(Sale.kind == "return")
    assert (document.total, document.approved_by_id) == (
        Decimal(-28),
        auth.authenticate("mina", "pw1234").id,
    )


async def test_opening_a_returned_bill_lists_its_return(sold):
    app = sold
    from posterm.domain.returns import ReturnLineRequest, ReturnRequest
    from posterm.services import returns

    owner = auth.authenticate("owner", "secret")
    actor = Actor(owner.id, "owner", Role.OWNER, "till-1")
    first = Sale.select().order_by(Sale.id).first()
    line = first.lines.get()
    returns.make_return(
        actor,
        ReturnRequest(uuid.uuid4(), first.bill_number, [ReturnLineRequest(line.id, Decimal(1))]),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=[s.bill_number for s in app.screen.sales].index(first.bill_number))
        await pilot.press("enter")
        await settle(pilot)
        text = str(app.screen.query_one("#receipt-text").content)
        assert "Return RET-" in text and first.bill_number in text
