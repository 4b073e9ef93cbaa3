"""Printer faults: checkouts while the fake network printer fails in every way it can.

The till's own print path: checkout commits, then `services.printing.PrintQueue` (the queue
the till's devices use, with the same deadline rule) kicks the drawer for cash and prints
the receipt to a printer opened from its config value (`network:127.0.0.1:PORT`). Before
each sale the fake printer (posterm.hardware.fakes.printer) is set to one fault, or none:
offline, out of paper, the roll ending part-way through the receipt, the connection cut
part-way through it, unreachable (the connect times out), or hung (it stops answering the
status queries it answered before).

Every sale must be committed whatever the printer did, marked printed exactly when the
receipt printed, and every fault must be reported to the cashier as a failed print.
"""

from __future__ import annotations

import random
import threading
import time
from decimal import Decimal

from posterm.data.models import Sale
from posterm.hardware.fakes.printer import FakeNetworkPrinter
from posterm.hardware.printer import open_printer
from posterm.services import checkout, system
from posterm.services.printing import PrintOutcome, PrintQueue
from posterm.services.settings import load_settings

from . import invariants, stores, tills
from .results import ScenarioResult
from .shop import set_up_shop

COLUMNS = 42
PRINTER_TIMEOUT = 1  # seconds (the config's printer_timeout; 1 is its least)
DEADLINE = PRINTER_TIMEOUT + 2  # as the till's devices set it
FAULTS = (
    "offline",
    "paper out",
    "paper runs out mid-receipt",
    "cut mid-receipt",
    "unreachable",
    "stops answering",
)
# Each round takes every fault once and one healthy print, in random order: a short run
# still meets every fault, and a healthy print after a fault proves the printer recovered.
ROUND = (*FAULTS, None)


def run(url: str, database: str, prints: int, seed: int) -> ScenarioResult:
    result = ScenarioResult("printer", database)
    started = time.monotonic()
    rng = random.Random(seed)
    system.open_store(url)
    shop = set_up_shop(1, opening_stock=Decimal(99_999), credit_limit=Decimal(99_999_999))
    actor = shop.cashiers[0]
    products = tills.load_products(shop.product_ids)
    settings = load_settings()
    stores.release()  # the queue's thread and this one each take a connection when needed
    with FakeNetworkPrinter() as fake:
        printer = open_printer(fake.address, COLUMNS, timeout=PRINTER_TIMEOUT)
        queue = PrintQueue(printer, COLUMNS, deadline=DEADLINE, connection=system.connection)
        try:
            # As the till does when a bill starts: the printer's status, once.
            status = _run(lambda on_done: queue.check_status(on_done=on_done))
            if status is None or not status.ok:
                result.errors.append(f"the healthy printer's status check failed: {status}")
            for fault in _faults(rng, prints):
                with system.connection():
                    _one_sale(rng, fake, queue, actor, shop, products, settings, fault, result)
        finally:
            queue.close(wait=DEADLINE + 2)
    system.open_store(url, upgrade_schema=False)
    result.violations.extend(invariants.violations())
    stores.release()
    result.seconds = time.monotonic() - started
    return result


def _faults(rng: random.Random, count: int) -> list[str | None]:
    faults: list[str | None] = []
    while len(faults) < count:
        faults.extend(rng.sample(ROUND, len(ROUND)))
    return faults[:count]


def _one_sale(rng, fake, queue, actor, shop, products, settings, fault, result) -> None:
    bill = tills.random_bill(rng, products)
    style = rng.choice(tills.TENDER_STYLES)
    if style in ("credit", "part credit"):
        bill.attach_customer(shop.customer_ids[0], "printer customer")
    total = tills.total_due(bill, settings)
    request = bill.to_request(tills.tenders(rng, style, total, bill.customer_id is not None))
    sale = checkout.checkout(actor, request)  # committed before the printer is touched
    result.operations += 1
    jobs_before = len(fake.printed_jobs)
    _break(fake, fault, rng)
    outcome = _print(queue, sale.id)
    _mend(fake)
    if fault is not None:
        result.faults += 1
        result.details[f"fault: {fault}"] += 1
    else:
        result.details["printed without a fault"] += 1
    row = Sale.get_or_none(Sale.id == sale.id)
    label = f"{sale.bill_number} ({fault or 'no fault'})"
    if outcome is None:
        result.violations.append(f"{label}: the print queue never reported the job")
        return
    if row is None:
        result.violations.append(f"{label}: the sale is gone after the print")
        return
    if row.printed != outcome.ok:
        result.violations.append(
            f"{label}: printed mark {row.printed} but the print "
            f"{'worked' if outcome.ok else 'failed'} ({outcome.message})"
        )
    if fault is not None and outcome.ok:
        result.violations.append(
            f"{label}: the fault went unnoticed (reported '{outcome.message}')"
        )
    if fault is None and not outcome.ok:
        result.errors.append(f"{label}: a healthy printer failed: {outcome.message}")
    if outcome.ok and not _receipt_arrived(fake, jobs_before, sale.bill_number):
        result.violations.append(f"{label}: reported printed, but no receipt reached the printer")
    if not outcome.ok:
        result.details["sales left unprinted for a reprint"] += 1


def _break(fake: FakeNetworkPrinter, fault: str | None, rng: random.Random) -> None:
    if fault == "offline":
        fake.online = False
    elif fault == "paper out":
        fake.paper = "out"
    elif fault == "paper runs out mid-receipt":
        fake.paper_out_after = rng.randint(200, 900)
    elif fault == "cut mid-receipt":
        fake.drop_after = rng.randint(60, 900)
    elif fault == "unreachable":
        fake.unreachable = True  # in effect when this returns
    elif fault == "stops answering":
        fake.silent = True


def _mend(fake: FakeNetworkPrinter) -> None:
    fake.online, fake.paper, fake.unreachable, fake.silent = True, "ok", False, False
    fake.paper_out_after = fake.drop_after = None


def _print(queue: PrintQueue, sale_id: int) -> PrintOutcome | None:
    return _run(lambda on_done: queue.print_sale(sale_id, on_done=on_done))


def _run(queue_job) -> PrintOutcome | None:
    """Queues a job with `queue_job(on_done)` and waits for its outcome (None: never came)."""
    done = threading.Event()
    outcomes: list[PrintOutcome] = []
    queue_job(lambda outcome: (outcomes.append(outcome), done.set()))
    done.wait(DEADLINE + 5)
    return outcomes[0] if outcomes else None


def _receipt_arrived(fake: FakeNetworkPrinter, before: int, bill_number: str) -> bool:
    """Whether a job carrying the bill's barcode reached the fake since job `before` (the fake
    files a job once its connection closes, a moment after the till has moved on)."""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        for job in fake.printed_jobs[before:]:
            if any(code == bill_number for _, code in job.decoded.barcodes):
                return True
        fake.wait_for_jobs(len(fake.printed_jobs) + 1, timeout=0.1)
    return False
