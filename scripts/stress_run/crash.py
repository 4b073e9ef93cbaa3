"""Crash: kill -9 a till at random points of its checkout loop, restart it, check everything.

The till rings up bills as the billing screen does, saving the open bill after every change
(services.held_sales, the billing screen's autosave) and paying through checkout. Its
journal (journal.py) says what it was told: each bill saved, each sale committed.

Kills land three ways, in turn at random:
- timer: SIGKILL after a random sleep, wherever the loop happens to be;
- statement: the till kills itself just before the Nth SQL statement of a checkout (N at
  random), so the kill lands inside the checkout's transaction;
- after commit: right after checkout returned, before the till could note the sale.

After each kill, before the till restarts: every sale the journal calls committed is in the
database, no sale is partial, the doctor is clean, and the open bill restores exactly as last
saved (or as the save in flight left it; no bill when the checkout in flight committed).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
import time
import traceback
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from posterm.data.models import Sale, database
from posterm.domain.open_bill import OpenBill
from posterm.domain.permissions import Actor
from posterm.services import checkout, held_sales, system
from posterm.services.settings import load_settings

from . import invariants, journal, stores, tills
from .results import ScenarioResult
from .shop import set_up_shop

OPENING_STOCK = Decimal(99_999)  # the crash loop is about kills, not running out
CREDIT_LIMIT = Decimal(99_999_999)
KILL_MODES = {"timer": 45, "statement": 45, "after commit": 10}
TIMER_MAX_SECONDS = 0.4
# A checkout runs 19 to 22 statements, all inside its write transaction (BEGIN is not one of
# them); an N past the end of one lands in the next.
STATEMENTS_MAX = 22
START_TIMEOUT = 20  # seconds a restarted till may take to restore its bill
SELF_KILL_TIMEOUT = 10


def run(url: str, database_name: str, kills: int, seed: int, tmp: Path) -> ScenarioResult:
    result = ScenarioResult("crash", database_name)
    started = time.monotonic()
    rng = random.Random(seed)
    system.open_store(url)
    shop = set_up_shop(1, opening_stock=OPENING_STOCK, credit_limit=CREDIT_LIMIT)
    stores.release()
    actor = shop.cashiers[0]
    path = tmp / "journal.jsonl"
    for n in range(kills):
        mode = rng.choices(list(KILL_MODES), weights=list(KILL_MODES.values()))[0]
        statement = rng.randint(1, STATEMENTS_MAX) if mode == "statement" else None
        starts = _starts(path)  # counted before the fork: the till may note its start at once
        pid = _fork_till(url, actor, shop, path, seed * 100_000 + n, mode, statement)
        problem = _kill(pid, path, starts, mode, rng, result)
        if problem:
            result.errors.append(f"kill {n + 1}: {problem}")
            continue
        result.faults += 1
        result.details[f"kills: {mode}"] += 1
        system.open_store(url, upgrade_schema=False)
        try:
            _check_after_kill(n + 1, path, actor.terminal, result)
        finally:
            stores.release()
    system.open_store(url, upgrade_schema=False)
    records = journal.read(path)
    result.operations = sum(1 for r in records if r["kind"] in ("saved", "committed"))
    result.details["bill saves reported"] = sum(1 for r in records if r["kind"] == "saved")
    result.details["sales reported committed"] = sum(1 for r in records if r["kind"] == "committed")
    result.details["sales in the database"] = Sale.select().where(Sale.kind == "sale").count()
    stores.release()
    result.seconds = time.monotonic() - started
    return result


def _fork_till(url, actor, shop, path, seed, mode, statement) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    try:
        _till(url, actor, shop, path, seed, mode, statement)
    except BaseException:
        traceback.print_exc()
    os._exit(1)  # the loop never ends by itself: reaching here is an error


def _kill(
    pid: int, path: Path, starts: int, mode: str, rng: random.Random, result: ScenarioResult
) -> str:
    """Kills the till as `mode` says; returns what went wrong, or ""."""
    started, status = _wait_for_start(pid, path, starts)
    if not started:
        if status is None:
            _reap(pid, force=True)
        return f"the till did not start within {START_TIMEOUT} s (or died: see its traceback)"
    if status is None:  # still running (a busy machine may let a till kill itself already)
        if mode == "timer":
            time.sleep(rng.uniform(0, TIMER_MAX_SECONDS))
            os.kill(pid, signal.SIGKILL)
        status = _reap(pid, force=False, timeout=SELF_KILL_TIMEOUT)
    if status is None:
        _reap(pid, force=True)
        return f"the {mode} kill did not happen within {SELF_KILL_TIMEOUT} s"
    if not os.WIFSIGNALED(status) or os.WTERMSIG(status) != signal.SIGKILL:
        return f"the till ended by itself ({os.waitstatus_to_exitcode(status)})"
    last = journal.read(path)[-1]["kind"]
    where = {
        "saving": "during an open-bill save",
        "paying": "during a checkout",
        "hook": "inside a checkout transaction",
        "committed": "after a commit, before the till noted it",
    }.get(last, "between saves")
    if mode == "after commit":
        where = "after a commit, before the till noted it"
    result.details[f"landed {where}"] += 1
    return ""


def _starts(path: Path) -> int:
    return sum(1 for record in journal.read(path) if record["kind"] == "start")


def _wait_for_start(pid: int, path: Path, starts: int) -> tuple[bool, int | None]:
    """Waits until the (re)started till has restored its bill and noted it (its start number
    `starts` + 1). Returns whether it did, and its wait status if it has ended already."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if _starts(path) > starts:
            return True, status if done else None
        if done:
            return False, status
        time.sleep(0.005)
    return False, None


def _reap(pid: int, *, force: bool, timeout: float = 5) -> int | None:
    """Waits for the till to end (SIGKILL first when `force`); its wait status, or None."""
    if force:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)


# --- after a kill ----------------------------------------------------------------------------


def _check_after_kill(n: int, path: Path, terminal: str, result: ScenarioResult) -> None:
    records = journal.read(path)
    committed = [(r["sale"], r["cart"]) for r in records if r["kind"] == "committed"]
    found = invariants.missing_sales(committed)
    acceptable = _acceptable_bills(records)
    restored = held_sales.restore_open_bill(terminal)
    text = restored.to_json() if restored is not None else None
    if text not in acceptable:
        found.append(
            f"the open bill restored as {_describe(text)}, but the till last saved "
            + " or ".join(_describe(a) for a in acceptable)
        )
    elif text is not None:
        result.details["open bills restored"] += 1
    found.extend(invariants.violations())
    result.violations.extend(f"after kill {n}: {problem}" for problem in found)


def _acceptable_bills(records: list[dict]) -> list[str | None]:
    """The open bills the database may hold now, by the journal (as JSON; None: no bill)."""
    saved: str | None = None
    in_flight: str | None = None
    paying: str | None = None
    for record in records:
        kind = record["kind"]
        if kind == "start":
            saved, in_flight, paying = record["bill"], None, None
        elif kind == "saving":
            in_flight = record["bill"]
        elif kind == "saved":
            saved, in_flight = record["bill"], None
        elif kind == "paying":
            paying = record["cart"]
        elif kind == "committed":
            saved, in_flight, paying = None, None, None
    if paying is not None:
        # Killed in a checkout: if it committed, the bill went with it; if not, it is intact.
        paid = Sale.select().where(Sale.uuid == UUID(paying)).exists()
        return [None] if paid else [saved]
    return [saved] if in_flight in (None, saved) else [saved, in_flight]


def _describe(bill_json: str | None) -> str:
    if bill_json is None:
        return "no bill"
    bill = OpenBill.from_json(bill_json)
    items = ", ".join(f"{item.code} x{item.quantity}" for item in bill.items)
    return f"bill {str(bill.id)[:8]} [{items}]"


# --- the till (a forked process) ------------------------------------------------------------


def _till(url, actor: Actor, shop, path: Path, seed: int, mode: str, statement: int | None):
    rng = random.Random(seed)
    system.open_store(url, upgrade_schema=False)
    notes = journal.Journal(path)
    products = tills.load_products(shop.product_ids)
    settings = load_settings()
    restored = held_sales.restore_open_bill(actor.terminal)
    notes.write("start", bill=restored.to_json() if restored is not None else None)
    bill = restored if restored is not None else OpenBill()
    if statement is not None:
        _kill_at_statement(statement, notes)
    while True:
        for _ in range(rng.randint(1, 4)):  # ring up, saving after every change
            tills.random_change(rng, bill, products)
            text = bill.to_json()
            notes.write("saving", bill=text)
            held_sales.save_open_bill(actor, bill)
            notes.write("saved", bill=text)
        style = rng.choice(tills.TENDER_STYLES)
        if style in ("credit", "part credit") and bill.customer_id is None:
            bill.attach_customer(shop.customer_ids[0], "crash customer")
            text = bill.to_json()
            notes.write("saving", bill=text)
            held_sales.save_open_bill(actor, bill)
            notes.write("saved", bill=text)
        total = tills.total_due(bill, settings)
        request = bill.to_request(tills.tenders(rng, style, total, bill.customer_id is not None))
        notes.write("paying", cart=str(bill.id))
        _Counting.on = True
        sale = checkout.checkout(actor, request)
        _Counting.on = False
        if mode == "after commit":
            os.kill(os.getpid(), signal.SIGKILL)
        notes.write("committed", sale=sale.id, cart=str(bill.id))
        bill = OpenBill()


class _Counting:
    on = False
    count = 0


def _kill_at_statement(n: int, notes: journal.Journal) -> None:
    """Makes this process SIGKILL itself just before the `n`th SQL statement of a checkout."""
    db = database.obj
    execute = db.execute_sql

    def counted(sql, params=None, *args, **kwargs):
        if _Counting.on:
            _Counting.count += 1
            if _Counting.count >= n:
                notes.write("hook", statement=n, sql=str(sql)[:60])
                os.kill(os.getpid(), signal.SIGKILL)
        return execute(sql, params, *args, **kwargs)

    db.execute_sql = counted
