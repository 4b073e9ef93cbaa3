"""Printing a sale's receipt after checkout, and reprinting it (DESIGN.md, "Checkout").

The sale is committed before anything here runs; printing only ever changes its `printed` and
`printed_at` columns. Call it from a worker after `checkout()` has returned: it refuses to run
inside a transaction, where a slow or stuck printer would hold the database's locks.

`PrintQueue` is how the till prints: its methods only queue a job and return at once; one
thread of its own runs the jobs in order, each with a deadline, and reports every outcome.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from posterm.data.database import write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import Sale, database
from posterm.domain.errors import PrinterError
from posterm.domain.permissions import Actor, Permission
from posterm.domain.receipt import ReceiptDocument, build_receipt, fallback_symbol, render_text
from posterm.domain.sale import CASH, CompletedSale
from posterm.domain.store_settings import StoreSettings
from posterm.hardware.printer import NullPrinter, ReceiptPrinter, printable
from posterm.services import audit
from posterm.services.checkout import get_sale
from posterm.services.settings import load_settings


def print_sale(
    sale_id: int, printer: ReceiptPrinter, columns: int, *, reprint: bool = False
) -> None:
    """Prints the receipt of sale `sale_id` and marks the sale printed.

    `reprint` asks for a copy: the receipt says REPRINT when an earlier print of this sale
    succeeded (a retry after a failed first print is the customer's original, unmarked).
    On failure raises PrinterError (a printer that raises OSError is reported the same way);
    a sale never printed stays `printed=False`, one printed before keeps its mark.
    A NullPrinter (printer "none") prints nothing and marks nothing.
    """
    if database.in_transaction():
        raise RuntimeError("print_sale runs after checkout commits, never inside a transaction")
    sale = get_sale(sale_id)
    if isinstance(printer, NullPrinter):
        return
    settings = load_settings()
    fallback = None
    if not printable(printer, settings.currency_symbol):
        fallback = getattr(printer, "currency_fallback", "") or fallback_symbol(
            settings.currency_symbol, settings.currency_code
        )
    doc = _document(
        sale,
        settings,
        columns,
        reprint=reprint and sale.printed,
        currency_fallback=fallback,
    )
    try:
        try:
            printer.print_document(doc)
        except OSError as exc:
            raise PrinterError(f"printer failed: {exc.strerror or exc}") from None
    except PrinterError:
        if not sale.printed:
            _mark(sale_id, printed=False)
        raise
    _mark(sale_id, printed=True)


def receipt_preview(sale_id: int, columns: int) -> str:
    """The receipt of sale `sale_id` as plain text, `columns` wide, for the screen."""
    return render_text(receipt_document(sale_id, columns))


def receipt_document(
    sale_id: int, columns: int, *, reprint: bool = False, currency_fallback: str | None = None
) -> ReceiptDocument:
    """The receipt document of sale `sale_id` (for a preview, or a printer of one's own)."""
    return _document(
        get_sale(sale_id),
        load_settings(),
        columns,
        reprint=reprint,
        currency_fallback=currency_fallback,
    )


def _document(
    sale: CompletedSale,
    settings: StoreSettings,
    columns: int,
    *,
    reprint: bool,
    currency_fallback: str | None,
) -> ReceiptDocument:
    return build_receipt(
        sale,
        settings,
        columns,
        reprint=reprint,
        currency_fallback=currency_fallback,
        original_bill_number=_original_bill_number(sale.id),
    )


def _original_bill_number(sale_id: int) -> str:
    """The bill a return or void reverses ("" for a sale)."""
    row = Sale.select(Sale.original).where(Sale.id == sale_id).first()
    if row is None or row.original_id is None:
        return ""
    original = Sale.select(Sale.bill_number).where(Sale.id == row.original_id).first()
    return original.bill_number if original is not None else ""


def _mark(sale_id: int, *, printed: bool) -> None:
    changes = {Sale.printed: printed}
    if printed:
        changes[Sale.printed_at] = utc_now()
    with write_transaction():
        Sale.update(changes).where(Sale.id == sale_id).execute()


def moves_cash(sale_id: int) -> bool:
    """Whether sale (or return) `sale_id` took or paid out cash: then the drawer opens."""
    sale = get_sale(sale_id)
    return any(p.method == CASH and p.amount != Decimal(0) for p in sale.payments)


# --- the print queue ---------------------------------------------------------------------------

log = logging.getLogger("posterm.printing")


@dataclass(frozen=True)
class PrintOutcome:
    """How one printer job went; `message` is one line for the cashier."""

    job: str  # receipt, drawer, status
    ok: bool
    message: str
    sale_id: int | None = None
    status: Any = None  # a hardware.links.PrinterStatus, for status jobs


Report = Callable[[PrintOutcome], None]


@dataclass
class _Job:
    kind: str
    run: Callable[[], PrintOutcome]
    report: Report | None
    sale_id: int | None = None


class PrintQueue:
    """Printer jobs, in order, on a thread of their own; every method returns at once.

    Each job has `deadline` seconds; a printer that hangs past it is left behind (its thread
    ends when the link gives up) and the job is reported failed, the sale still unprinted.
    `report(outcome)` is called on the queue's thread for every job; a job's own callback
    too. `connection` wraps jobs that read the database (services.system.connection).
    """

    def __init__(
        self,
        printer: ReceiptPrinter,
        columns: int,
        *,
        deadline: float = 12.0,
        report: Report | None = None,
        connection: Callable[[], Any] | None = None,
    ) -> None:
        self.printer = printer
        self.columns = columns
        self.deadline = deadline
        self.report = report
        self._connection = connection
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="print-queue", daemon=True)
        self._thread.start()
        self.last_status: Any = None

    # --- what the till asks for (non-blocking) --------------------------------------------

    def print_sale(
        self, sale_id: int, *, reprint: bool = False, on_done: Report | None = None
    ) -> None:
        """Queues the receipt of `sale_id`; a new sale or refund in cash opens the drawer."""

        def run() -> PrintOutcome:
            with self._db():
                kick = not reprint and moves_cash(sale_id)
                drawer_error = ""
                if kick:
                    try:
                        self.printer.kick_drawer()
                    except PrinterError as error:
                        drawer_error = f"; drawer did not open: {error}"
                print_sale(sale_id, self.printer, self.columns, reprint=reprint)
            return PrintOutcome("receipt", True, "printed" + drawer_error, sale_id)

        self._put(_Job("receipt", run, on_done, sale_id))

    def print_document(
        self, build: Callable[[int, str], ReceiptDocument], on_done: Report | None = None
    ) -> None:
        """Queues a document that is not a sale (a payment slip, a statement, a customer card);
        `build(columns, currency_symbol)` runs on the queue's thread and may read the database."""
        from posterm.services.documents import print_document

        def run() -> PrintOutcome:
            with self._db():
                print_document(self.printer, lambda symbol: build(self.columns, symbol))
            return PrintOutcome("document", True, "printed")

        self._put(_Job("document", run, on_done))

    def kick_drawer(self, on_done: Report | None = None) -> None:
        def run() -> PrintOutcome:
            self.printer.kick_drawer()
            return PrintOutcome("drawer", True, "drawer opened")

        self._put(_Job("drawer", run, on_done))

    def check_status(self, on_done: Report | None = None) -> None:
        """Asks a printer that reports status (DLE EOT) how it is."""

        def run() -> PrintOutcome:
            ask = getattr(self.printer, "status", None)
            if ask is None:
                return PrintOutcome("status", True, "status unknown")
            status = ask()
            self.last_status = status
            return PrintOutcome("status", not status.problem, status.summary, status=status)

        self._put(_Job("status", run, on_done))

    def close(self, wait: float = 0) -> None:
        self._jobs.put(None)
        if wait:
            self._thread.join(wait)

    # --- the queue's thread ---------------------------------------------------------------

    def _put(self, job: _Job) -> None:
        self._jobs.put(job)

    def _db(self) -> Any:
        if self._connection is None:
            import contextlib

            return contextlib.nullcontext()
        return self._connection()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            outcome = self._run(job)
            for report in (job.report, self.report):
                if report is not None:
                    try:
                        report(outcome)
                    except Exception:  # a report must never stop the queue
                        log.exception("print report failed")

    def _run(self, job: _Job) -> PrintOutcome:
        result: list[PrintOutcome] = []

        def attempt() -> None:
            try:
                result.append(job.run())
            except PrinterError as error:
                result.append(PrintOutcome(job.kind, False, str(error), job.sale_id))
            except OSError as error:
                message = f"printer failed: {error.strerror or error}"
                result.append(PrintOutcome(job.kind, False, message, job.sale_id))
            except Exception as error:
                log.exception("printer job failed")
                message = f"printer job failed ({type(error).__name__}: {error})"
                result.append(PrintOutcome(job.kind, False, message, job.sale_id))

        worker = threading.Thread(target=attempt, name=f"print-{job.kind}", daemon=True)
        worker.start()
        worker.join(self.deadline)
        if result:
            return result[0]
        return PrintOutcome(
            job.kind,
            False,
            f"the printer did not answer within {self.deadline:g} s",
            job.sale_id,
        )


def record_no_sale(actor: Actor, reason: str = "") -> None:
    """Allows and audits opening the drawer without a sale (the till then kicks it).

    A cashier needs a manager's approval (`actor` carries it); the audit event names both.
    """
    actor.require(Permission.NO_SALE_DRAWER)
    with write_transaction():
        audit.record(actor, "drawer.no_sale", entity="drawer", reason=reason.strip()[:200])
