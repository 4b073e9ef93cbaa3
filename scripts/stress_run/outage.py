"""Outage: the PostgreSQL server stopped and started again under a till ringing up sales.

A private server (private_pg.py, never the shared one) holds the store. A till rings up bills
as the billing screen does: every change saved as the open bill (services.held_sales), then
paid through checkout, each call on the till's own database thread (ui/background.py's
DatabaseThread, so a dropped link turns into DatabaseUnreachable exactly as at the till).
When a call finds the server gone the till keeps its bill, waits for the server as
ui/outage.py's reconnect loop does (same pauses, same check) and repeats the call: the same
save, or the checkout of the same cart. Nobody restarts the till.

Each outage is a `pg_ctl stop` (`-m fast`, as `systemctl stop` does, or `-m immediate`, a
crash of the server) held until the till has noticed, then `pg_ctl start`. It lands either
at a random moment of the loop, or in the middle of a checkout: the till's checkout waits,
its transaction open with the sale written and the stock not yet, until the server is gone.

Checked after each one, with the till paused on a saved bill: the till sold again by itself,
every call that failed failed with DatabaseUnavailable and nothing else, every sale the till
was told committed is stored, each cart retried is exactly one sale, the open bill stored is
the till's, no partial sale, and the doctor is clean.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TypeVar

from posterm.data.models import Sale
from posterm.domain.errors import DatabaseUnavailable
from posterm.domain.open_bill import OpenBill
from posterm.domain.permissions import Actor
from posterm.services import checkout, held_sales, system
from posterm.services.settings import load_settings
from posterm.ui.background import DatabaseThread
from posterm.ui.outage import RETRY_DELAYS

from . import invariants, tills
from .private_pg import PrivatePostgres, server_bin_dir
from .results import ScenarioResult
from .shop import Shop, set_up_shop

T = TypeVar("T")
OPENING_STOCK = Decimal(99_999)  # about outages, not running out
CREDIT_LIMIT = Decimal(99_999_999)
SALES_BETWEEN = 3  # sales the till makes between outages (and after each, before the checks)
NOTICE_TIMEOUT = 15  # seconds the till may take to run into a stopped server
CARRY_ON_TIMEOUT = 30  # seconds it may take to sell again once the server is back
PAUSE_TIMEOUT = 30
# Outage n is OUTAGES[(n - 1) % 4]: the short run's two cover both stop modes and both places.
OUTAGES = (
    ("fast", "mid-checkout"),
    ("immediate", "anywhere"),
    ("immediate", "mid-checkout"),
    ("fast", "anywhere"),
)


def available() -> bool:
    return server_bin_dir() is not None


def run(outages: int, seed: int, down_seconds: tuple[float, float]) -> ScenarioResult:
    result = ScenarioResult("outage", "postgresql")
    started = time.monotonic()
    rng = random.Random(seed)
    bin_dir = server_bin_dir()
    if bin_dir is None:
        result.errors.append("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        return result
    server = PrivatePostgres(bin_dir)
    till: _Till | None = None
    try:
        server.start()
        system.open_store(server.url)
        shop = set_up_shop(1, opening_stock=OPENING_STOCK, credit_limit=CREDIT_LIMIT)
        till = _Till(shop.cashiers[0], shop, seed)
        system.close()
        till.start()
        for n in range(1, outages + 1):
            if not _outage(n, server, till, rng, down_seconds, result):
                break
        if server.running:
            _finish(till, result)
    except RuntimeError as error:  # pg_ctl or initdb failed: nothing to check
        result.errors.append(str(error))
    finally:
        if till is not None:
            till.stop()
        system.close()
        server.destroy()
    result.seconds = time.monotonic() - started
    return result


def _outage(
    n: int,
    server: PrivatePostgres,
    till: _Till,
    rng: random.Random,
    down_seconds: tuple[float, float],
    result: ScenarioResult,
) -> bool:
    """One stop and start of the server, then the checks; False when the run cannot go on."""
    if not till.wait_for_sales(till.sales + SALES_BETWEEN, CARRY_ON_TIMEOUT):
        result.errors.append(f"before outage {n}: the till made no sale ({till.died or 'stuck'})")
        return False
    mode, place = OUTAGES[(n - 1) % len(OUTAGES)]
    failures_before = till.failures
    if place == "mid-checkout" and not till.hold_next_checkout(NOTICE_TIMEOUT):
        result.errors.append(f"outage {n}: the till's checkout never reached the held point")
        return False
    till.server_down.set()
    server.stop(mode)
    till.server_stopped.set()
    result.faults += 1
    result.details[f"outages: pg_ctl stop -m {mode}"] += 1
    result.details[f"outages: {place}"] += 1
    time.sleep(rng.uniform(*down_seconds))
    deadline = time.monotonic() + NOTICE_TIMEOUT
    while till.failures == failures_before and time.monotonic() < deadline:
        time.sleep(0.05)
    if till.failures == failures_before:
        result.errors.append(f"outage {n}: the till never ran into the stopped server")
    server.start()
    till.server_stopped.clear()
    till.server_down.clear()
    back = time.monotonic()
    sales_then = till.sales
    if not till.wait_for_sales(sales_then + SALES_BETWEEN, CARRY_ON_TIMEOUT):
        result.violations.append(
            f"outage {n}: the till did not sell again by itself within {CARRY_ON_TIMEOUT} s "
            f"of the server coming back ({till.died or 'stuck'})"
        )
        return False
    seconds_to_sell = till.first_sale_after(back) - back
    result.details["most seconds from restart to the next sale"] = max(
        result.details["most seconds from restart to the next sale"], round(seconds_to_sell, 1)
    )
    _check(n, till, result)
    return True


def _check(n: int, till: _Till, result: ScenarioResult) -> None:
    """With the till paused on a saved bill: everything it was told is so, nothing broke."""
    bill_json = till.pause(PAUSE_TIMEOUT)
    if bill_json is None:
        result.violations.append(f"after outage {n}: the till did not pause within the timeout")
        till.resume()
        return
    try:
        system.forget_idle_connections()  # pooled links from before the restart are dead
        with system.connection():
            found = invariants.missing_sales(till.committed)
            for cart in till.retried_carts:
                count = Sale.select().where(Sale.uuid == cart).count()
                if count != 1:
                    found.append(f"cart {cart} was retried and is {count} sales, not one")
            stored = held_sales.restore_open_bill(till.actor.terminal)
            if stored is None or stored.to_json() != bill_json:
                found.append("the open bill stored is not the one the till holds")
            found.extend(invariants.violations())
        result.violations.extend(f"after outage {n}: {problem}" for problem in found)
        result.details["carts retried after an outage, each one sale"] = len(till.retried_carts)
    finally:
        system.close()
        till.resume()


def _finish(till: _Till, result: ScenarioResult) -> None:
    till.stop()
    result.operations = till.saves + till.sales
    result.details["bill saves"] = till.saves
    result.details["sales reported committed"] = till.sales
    result.details["calls failed cleanly (DatabaseUnavailable)"] = till.failures
    for what, count in till.failed_calls.items():
        result.details[f"{what}s failed cleanly"] = count
    result.details["of which while the server was up"] = till.failures_while_up
    result.violations.extend(till.unclean)
    if till.died:
        result.errors.append(f"the till died: {till.died}")
    system.forget_idle_connections()
    with system.connection():
        stored = Sale.select().where(Sale.kind == "sale").count()
    system.close()
    result.details["sales in the database"] = stored
    if stored != till.sales:  # one till: every sale stored is one it was told of, once
        result.violations.append(f"{stored} sales stored, but the till was told of {till.sales}")


class _Till(threading.Thread):
    """The till: a thread of this process, ringing up and paying bills until stopped."""

    def __init__(self, actor: Actor, shop: Shop, seed: int) -> None:
        super().__init__(name="stress-outage-till", daemon=True)
        self.actor, self.shop = actor, shop
        self.rng = random.Random(seed)
        self.calls = DatabaseThread("stress-outage-database")
        self.server_down = threading.Event()  # set by the controller while it is stopped
        self.server_stopped = threading.Event()  # ... once pg_ctl stop has returned
        self.failed_calls: Counter[str] = Counter()
        self._hold_checkout = threading.Event()
        self._checkout_held = threading.Event()
        self.committed: list[tuple[int, str]] = []  # (sale id, cart) the till was told of
        self.commit_times: list[float] = []
        self.retried_carts: set[str] = set()
        self.saves = 0
        self.failures = 0
        self.failures_while_up = 0
        self.unclean: list[str] = []  # calls that failed with something else
        self.died = ""
        self._stopping = threading.Event()
        self._pause_asked = threading.Event()
        self._paused = threading.Event()
        self._resumed = threading.Event()
        self._paused_bill = ""
        self._progress = threading.Condition()

    @property
    def sales(self) -> int:
        return len(self.committed)

    # --- the controller's side ---

    def wait_for_sales(self, count: int, timeout: float) -> bool:
        with self._progress:
            return (
                self._progress.wait_for(lambda: self.sales >= count or bool(self.died), timeout)
                and self.sales >= count
            )

    def hold_next_checkout(self, timeout: float) -> bool:
        """Makes the till's next checkout wait, inside its transaction, for server_stopped;
        True once one is waiting there."""
        self._checkout_held.clear()
        self._hold_checkout.set()
        return self._checkout_held.wait(timeout)

    def first_sale_after(self, moment: float) -> float:
        return next(t for t in self.commit_times if t > moment)

    def pause(self, timeout: float) -> str | None:
        """Asks the till to stop at its next saved bill; that bill as JSON, or None."""
        self._resumed.clear()
        self._pause_asked.set()
        if not self._paused.wait(timeout):
            return None
        return self._paused_bill

    def resume(self) -> None:
        self._pause_asked.clear()
        self._paused.clear()
        self._resumed.set()

    def stop(self) -> None:
        self._stopping.set()
        self.resume()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=CARRY_ON_TIMEOUT)

    # --- the till's own ---

    def run(self) -> None:
        self._patch_checkout()
        try:
            self._ring_up_and_pay()
        except _Stopped:
            pass
        except BaseException as error:  # reported by the controller
            self.died = f"{type(error).__name__}: {error}"
            with self._progress:
                self._progress.notify_all()

    def _ring_up_and_pay(self) -> None:
        products = self._call("load products", lambda: tills.load_products(self.shop.product_ids))
        settings = self._call("load settings", load_settings)
        while True:
            bill = OpenBill()
            for _ in range(self.rng.randint(1, 4)):
                tills.random_change(self.rng, bill, products)
                self._save(bill)
            style = self.rng.choice(tills.TENDER_STYLES)
            if style in ("credit", "part credit"):
                bill.attach_customer(self.shop.customer_ids[0], "outage customer")
                self._save(bill)
            if self._pause_asked.is_set():
                self._paused_bill = bill.to_json()
                self._paused.set()
                self._resumed.wait()
            total = tills.total_due(bill, settings)
            paid = tills.tenders(self.rng, style, total, bill.customer_id is not None)
            request, cart = bill.to_request(paid), str(bill.id)
            sale = self._call("checkout", partial(checkout.checkout, self.actor, request), cart)
            with self._progress:
                self.committed.append((sale.id, cart))
                self.commit_times.append(time.monotonic())
                self._progress.notify_all()

    def _save(self, bill: OpenBill) -> None:
        self._call("open-bill save", lambda: held_sales.save_open_bill(self.actor, bill))
        self.saves += 1

    def _call(self, what: str, call: Callable[[], T], cart: str | None = None) -> T:
        """Runs `call` on the till's database thread until it goes through; while the server
        is gone, waits for it as the till's reconnect loop does and repeats the same call."""
        while True:
            if self._stopping.is_set():
                raise _Stopped
            try:
                return self.calls.submit(call).result()
            except DatabaseUnavailable as error:
                self.failures += 1
                self.failed_calls[what] += 1
                if not self.server_down.is_set():
                    self.failures_while_up += 1
                if cart is not None:
                    self.retried_carts.add(cart)
                self._wait_for_server(str(error))
            except Exception as error:
                self.unclean.append(
                    f"{what} failed with {type(error).__name__}: {error} (not DatabaseUnavailable)"
                )
                self._wait_for_server(str(error))

    def _wait_for_server(self, reason: str) -> None:
        """ui/outage.py's loop: refuse calls, drop the dead pooled links, try with growing
        pauses until the server answers, then take calls again."""
        self.calls.refuse_calls(reason)
        system.forget_idle_connections()
        attempt = 0
        while not self._stopping.is_set():
            time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            attempt += 1
            if system.database_answers():
                break
        self.calls.accept_calls()

    def _patch_checkout(self) -> None:
        """Checkout writes the sale and its lines, then the stock: a held checkout waits just
        before the stock, so the server goes away with the transaction half done."""
        write_stock = checkout._write_stock

        def held_write_stock(*args, **kwargs):
            if self._hold_checkout.is_set():
                self._hold_checkout.clear()
                self._checkout_held.set()
                self.server_stopped.wait(NOTICE_TIMEOUT)
            return write_stock(*args, **kwargs)

        checkout._write_stock = held_write_stock


class _Stopped(Exception):
    """The controller is done with the till."""
