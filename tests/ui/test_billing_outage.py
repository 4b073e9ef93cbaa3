"""PostgreSQL stopped and started again mid-bill, at 80x24, on a private server (issue 8): the
till shows a banner, keeps the bill, refuses what needs the database, and carries on by
itself once the server is back (the open bill saved, the sale made)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal

import pytest
from textual.worker import WorkerCancelled

from posterm.app import PostermApp
from posterm.config import Config
from posterm.data.models import Product, Sale, StockMovement, TaxRate
from posterm.domain.barcodes import make_ean13
from posterm.services import held_sales, system
from posterm.services.store import init_store
from posterm.ui import outage
from posterm.ui.background import database_thread
from posterm.ui.outage import BANNER_TEXT, DatabaseBanner
from tests.conftest import command_line_actor
from tests.private_postgres import outage_db_url, private_postgres  # noqa: F401 (fixtures)
from tests.ui.conftest import bill_lines as lines
from tests.ui.conftest import log_in, scanner_burst

ATTA = make_ean13("890100000001")
SALT = make_ean13("890100000002")
SUGAR = make_ean13("890100000003")


@pytest.fixture
def server(private_postgres):  # noqa: F811
    return private_postgres


@pytest.fixture
def till(outage_db_url, monkeypatch) -> PostermApp:  # noqa: F811
    """A store on the private server with three products; the reconnect loop tries quickly."""
    monkeypatch.setattr(outage, "RETRY_DELAYS", (0.2, 0.4))
    init_store(command_line_actor("tester"), "Test Store", "owner", "secret", "1234")
    gst5 = TaxRate.get(TaxRate.name == "GST 5%")
    for code, name, barcode, price in [
        ("ATTA5", "Annapurna Atta 5kg", ATTA, "285.00"),
        ("SALT1", "Tata Salt 1kg", SALT, "28.00"),
        ("SUGAR1", "Sugar 1kg", SUGAR, "48.00"),
    ]:
        product = Product.create(
            code=code,
            name=name,
            search_name=f"{name.lower()} {code.lower()}",
            barcode=barcode,
            tax_rate=gst5,
            price=Decimal(price),
            cost=Decimal(price) * Decimal("0.8"),
            stock=Decimal(50),
        )
        StockMovement.create(product=product, kind="opening", quantity=50, stock_after=50, user=1)
    system.close()
    return PostermApp(Config(database_url=outage_db_url, terminal="till-1"))


async def settle(pilot) -> None:
    """Waits for the database calls and the redraw, but not for the reconnect loop (which
    runs until the server is back)."""
    for _ in range(2):
        for worker in list(pilot.app.workers):
            if worker.group != "database-reconnect":
                with contextlib.suppress(WorkerCancelled):
                    await worker.wait()
        await pilot.pause()


async def scan(pilot, code: str) -> None:
    await scanner_burst(pilot, code, wait=settle)


def status(app) -> str:
    return str(app.screen.query_one("#billing-status").content)


def saved_lines() -> list[tuple[str, Decimal]]:
    with system.connection():
        bill = held_sales.restore_open_bill("till-1")
    return [] if bill is None else [(item.code, item.quantity) for item in bill.items]


async def until(pilot, condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
        await pilot.pause()


async def test_the_till_keeps_the_bill_while_postgres_is_down_and_carries_on(till, server):
    app = till
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await scan(pilot, ATTA)
        await scan(pilot, SALT)
        assert saved_lines() == [("ATTA5", 1), ("SALT1", 1)]
        # Healthy: no banner, and nothing running to watch the server.
        assert not app.screen.query(DatabaseBanner)
        assert not [w for w in app.workers if w.group == "database-reconnect"]

        server.stop()  # mid-bill, as `systemctl stop postgresql` would

        # Paying first: the checkout finds the server gone and fails whole; the bill stays.
        await pilot.press("enter")  # empty scan field: to payment
        await settle(pilot)
        await pilot.press("enter")  # exact cash
        await settle(pilot)
        assert "payment not confirmed; bill kept" in status(app)
        banner = app.screen.query_one(DatabaseBanner)
        assert str(banner.content) == BANNER_TEXT
        assert lines(app) == [("ATTA5", 1), ("SALT1", 1)]

        # Another of an item on the bill is added from memory; a new item waits.
        await scan(pilot, SALT)
        assert lines(app) == [("ATTA5", 1), ("SALT1", 2)]
        await scan(pilot, SUGAR)
        assert f"{SUGAR} not added" in status(app)
        assert lines(app) == [("ATTA5", 1), ("SALT1", 2)]
        # The change made while down could not be saved; paying is refused at once.
        await pilot.press("f10")
        await settle(pilot)
        assert "pay when it is back" in status(app)
        banner = app.screen.query_one(DatabaseBanner)
        assert (banner.region.y, banner.region.width, banner.region.height) == (0, 80, 1)

        server.start()

        await until(pilot, lambda: not app.screen.query(DatabaseBanner))
        await settle(pilot)
        assert not database_thread.refusing_calls
        assert saved_lines() == [("ATTA5", 1), ("SALT1", 2)]  # the save that waited
        assert "The database is back" in status(app)

        await scan(pilot, SUGAR)  # scanning works again
        assert lines(app) == [("ATTA5", 1), ("SALT1", 2), ("SUGAR1", 1)]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # exact cash
        await settle(pilot)
        await settle(pilot)
        assert "BILL-" in status(app)
        assert lines(app) == []
    with system.connection():
        sale = Sale.get()
        assert sale.total == Decimal("389.00")  # 285 + 2 x 28 + 48
        assert Sale.select().count() == 1


async def test_a_till_closed_while_postgres_is_down_leaves_no_loop_behind(till, server):
    app = till
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        server.stop()
        await scan(pilot, ATTA)
        assert f"{ATTA} not added" in status(app)
        assert app.screen.query(DatabaseBanner) and database_thread.refusing_calls
        [loop] = [w for w in app.workers if w.group == "database-reconnect"]
        assert loop.is_running
    # The loop stopped with the till, and database calls are no longer refused: the next
    # till (or the next test) starts clean.
    deadline = time.monotonic() + 5
    while database_thread.refusing_calls and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not database_thread.refusing_calls
    server.start()
