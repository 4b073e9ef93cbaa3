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
from tests.ui.conftest import settle
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
