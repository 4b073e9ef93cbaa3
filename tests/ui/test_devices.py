"""Counter hardware in the till at 80x24: wedge bursts from any focus and refused in modals,
serial scans, the printer on the fake network printer (off, then back), no-sale drawer."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from textual import events

from posterm.data.models import AuditEvent, Product, Sale, StockMovement, TaxRate
from posterm.domain.barcodes import make_ean13
from posterm.hardware.fakes.printer import FakeNetworkPrinter
from posterm.ui.devices import DeviceScan
from posterm.ui.modals.payment import PaymentModal
from posterm.ui.modals.value import ValueModal
from posterm.ui.screens.billing import BillingScreen
from tests.ui.conftest import settle, type_text
from tests.ui.test_billing import log_in

SALT = make_ean13("890100000002")
UI_BUDGET = 0.100


@pytest.fixture
def dead_port():
    fake = FakeNetworkPrinter()
    port = fake.port
    fake.close()
    return port


@pytest.fixture
def till(make_app):
    def build(**config):
        app = make_app(**config)
        product = Product.create(
            code="SALT1",
            name="Tata Salt 1kg",
            search_name="tata salt 1kg salt1",
            barcode=SALT,
            tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
            unit="pcs",
            price=Decimal("28.00"),
            cost=Decimal("22.00"),
            stock=Decimal(50),
        )
        StockMovement.create(
            product=product, kind="opening", quantity=Decimal(50), stock_after=Decimal(50), user=1
        )
        return app

    return build


async def burst(pilot, code: str, gap: float = 0.002) -> None:
    """A wedge scanner's keys, `gap` seconds apart by their timestamps, then Enter."""
    at = time.monotonic()
    for character in [*code, None]:
        event = events.Key("enter", "\r") if character is None else events.Key(character, character)
        event.time = at
        at += gap
        pilot.app.post_message(event)
    await pilot.pause()
    await settle(pilot)


def items(app) -> list[tuple[str, Decimal]]:
    billing = next(s for s in app.screen_stack if isinstance(s, BillingScreen))
    return [(item.code, item.quantity) for item in billing.bill.items]


async def test_a_burst_is_a_scan_whatever_has_the_focus(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_text(pilot, "ta")  # a search half typed
        app.screen.query_one("#bill-lines").focus()
        await burst(pilot, SALT)
        assert items(app) == [("SALT1", Decimal(1))]
        assert app.screen.query_one("#scan").value == "ta"  # the typed text is kept


def post_keys(app, keys: str, gap: float = 0.002, then: str | None = None) -> None:
    """Characters `gap` seconds apart by their timestamps, then the key `then` if given."""
    at = time.monotonic()
    events_ = [events.Key(character, character) for character in keys]
    if then is not None:
        events_.append(events.Key(then, "\r" if then == "enter" else None))
    for event in events_:
        event.time = at
        at += gap
        app.post_message(event)


async def test_a_scans_digits_never_reach_the_scan_field(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        field = app.screen.query_one("#scan")
        seen: list[str] = []
        field.watch(field, "value", lambda value: seen.append(value), init=False)
        await burst(pilot, SALT)
        assert items(app) == [("SALT1", Decimal(1))]
        # Only the first digit was typed (before the burst was known), then taken back out.
        assert seen == [SALT[0], ""]


async def test_quick_keys_that_stop_are_typed_in_order(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        post_keys(app, "tat")  # as quick as a scanner, but no Enter follows
        await pilot.pause(0.1)
        await settle(pilot)
        assert app.screen.query_one("#scan").value == "tat"
        assert items(app) == []


async def test_quick_keys_then_a_slow_one_keep_their_order(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        post_keys(app, "ta")
        slow = events.Key("s", "s")
        slow.time = time.monotonic() + 0.5  # half a second after them by its timestamp
        app.post_message(slow)
        await pilot.pause(0.1)
        await settle(pilot)
        assert app.screen.query_one("#scan").value == "tas"


async def test_a_quick_burst_too_short_for_a_scan_is_typed_then_entered(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        post_keys(app, "3*", then="enter")  # shorter than a code: a person's quick "3*" Enter
        await pilot.pause(0.1)
        await settle(pilot)
        assert items(app) == []
        await burst(pilot, SALT)  # the quantity typed first applies to the next scan
        assert items(app) == [("SALT1", Decimal(3))]


async def test_typing_in_a_window_is_left_alone(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await burst(pilot, SALT)
        await pilot.press("f3")
        await settle(pilot)
        app.screen.query_one("#value").value = ""
        await burst(pilot, "3000.50", gap=0.120)  # a person typing a price, then Enter
        assert isinstance(app.screen, BillingScreen)
        assert app.screen.bill.items[0].unit_price == Decimal("3000.50")
        assert not any("ignored" in str(n.message) for n in app._notifications)


async def test_a_burst_in_a_price_window_is_refused_and_types_nothing(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await burst(pilot, SALT)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, ValueModal)
        before = app.screen.query_one("#value").value
        await burst(pilot, SALT)
        assert isinstance(app.screen, ValueModal)  # the burst's Enter did not confirm it
        assert app.screen.query_one("#value").value == before
        assert any("ignored" in str(n.message) for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert items(app) == [("SALT1", Decimal(1))]


async def test_a_burst_never_becomes_a_payment(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await burst(pilot, SALT)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, PaymentModal)
        await burst(pilot, SALT)
        assert isinstance(app.screen, PaymentModal) and app.screen.tenders == []
        assert app.screen.query_one("#amount").value == ""
        assert Sale.select().count() == 0


async def test_a_serial_scan_reaches_the_bill(till):
    app = till()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        app.post_message(DeviceScan("3*" + SALT))
        await settle(pilot)
        assert items(app) == [("SALT1", Decimal(3))]


async def test_a_sale_with_the_printer_off_then_a_reprint(till, dead_port):
    app = till(printer=f"network:127.0.0.1:{dead_port}", printer_timeout=2)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await burst(pilot, SALT)
        await pilot.press("enter")  # empty scan field: payment
        await settle(pilot)
        started = time.perf_counter()
        await pilot.press("enter")  # exact cash: checkout, then the print is queued
        await settle(pilot)
        sale = Sale.get()
        assert sale.total == Decimal("28.00")
        billing = app.screen
        for _ in range(100):
            if "NOT printed" in str(billing.query_one("#billing-status").render()):
                break
            await pilot.pause(0.05)
        assert "NOT printed" in str(billing.query_one("#billing-status").render())
        assert not Sale.get_by_id(sale.id).printed
        del started

        # Printing from the UI thread only queues the work, even with the printer off.
        from posterm.ui.receipts import print_in_background

        reports: list[tuple[str, bool]] = []
        started = time.perf_counter()
        print_in_background(billing, app.config, sale.id, lambda m, e: reports.append((m, e)))
        assert time.perf_counter() - started < UI_BUDGET

        with FakeNetworkPrinter(dead_port) as fake:  # the printer is switched on
            for _ in range(100):
                if len(reports) == 1:
                    break
                await pilot.pause(0.05)
            reports.clear()
            started = time.perf_counter()
            print_in_background(
                billing, app.config, sale.id, lambda m, e: reports.append((m, e)), reprint=True
            )
            assert time.perf_counter() - started < UI_BUDGET
            assert fake.wait_for_jobs(1)
            for _ in range(100):
                if reports:
                    break
                await pilot.pause(0.05)
            assert reports == [("printed.", False)]
            assert Sale.get_by_id(sale.id).printed
            assert sale.bill_number in " ".join(fake.printed_jobs[-1].decoded.text_lines)


async def test_cash_sale_kicks_the_drawer_and_no_sale_opens_it(till):
    with FakeNetworkPrinter() as fake:
        app = till(printer=fake.address)
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot)
            await burst(pilot, SALT)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert fake.wait_for_jobs(2)
            assert fake.printed_jobs[0].decoded.drawer_kicks == 1
            await pilot.press("f12")  # no sale: the owner may
            await settle(pilot)
            assert fake.wait_for_jobs(3)
            assert fake.printed_jobs[2].decoded.drawer_kicks == 1
            assert AuditEvent.select().where(AuditEvent.action == "drawer.no_sale").count() == 1


async def test_paper_out_is_shown_when_the_next_sale_starts(till):
    with FakeNetworkPrinter() as fake:
        app = till(printer=fake.address)
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot)
            fake.paper = "out"
            await burst(pilot, SALT)  # the first line of a new bill asks the printer
            for _ in range(100):
                if any("out of paper" in str(n.message) for n in app._notifications):
                    break
                await pilot.pause(0.05)
            assert any("out of paper" in str(n.message) for n in app._notifications)


async def test_a_weighed_item_takes_the_scales_stable_weight(till, tmp_path):
    from posterm.hardware.fakes.serial_devices import FakeScale
    from posterm.ui.modals.weigh import ScaleWeightModal

    with FakeScale(tmp_path / "ttyScale") as scale:
        app = till(scale=f"serial:{tmp_path / 'ttyScale'}")
        Product.create(
            code="TOOR",
            name="Toor Dal (Loose)",
            search_name="toor dal loose toor",
            barcode=make_ean13("890100000009"),
            tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
            unit="kg",
            sold_by_weight=True,
            price=Decimal("155.00"),
            cost=Decimal("120.00"),
            stock=Decimal(0),
        )
        scale.motion, scale.weight = True, Decimal("0.750")
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot)
            await burst(pilot, make_ean13("890100000009"))
            assert isinstance(app.screen, ScaleWeightModal)
            for _ in range(60):
                if "motion" in str(app.screen.query_one("#value-error").render()):
                    break
                await pilot.pause(0.05)
            assert "in motion" in str(app.screen.query_one("#value-error").render())
            scale.motion = False  # it settles
            for _ in range(60):
                if isinstance(app.screen, BillingScreen):
                    break
                await pilot.pause(0.05)
            assert items(app) == [("TOOR", Decimal("0.750"))]


async def test_a_weight_can_still_be_typed_with_a_scale(till, tmp_path):
    from posterm.hardware.fakes.serial_devices import FakeScale

    with FakeScale(tmp_path / "ttyScale") as scale:
        app = till(scale=f"serial:{tmp_path / 'ttyScale'}")
        Product.create(
            code="TOOR",
            name="Toor Dal (Loose)",
            search_name="toor dal loose toor",
            barcode=make_ean13("890100000009"),
            tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
            unit="kg",
            sold_by_weight=True,
            price=Decimal("155.00"),
            cost=Decimal("120.00"),
            stock=Decimal(0),
        )
        scale.over_capacity = True  # never a stable weight
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot)
            await burst(pilot, make_ean13("890100000009"))
            await type_text(pilot, "0.5")
            await pilot.press("enter")
            await settle(pilot)
            assert items(app) == [("TOOR", Decimal("0.500"))]
