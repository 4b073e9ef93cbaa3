"""Printing receipts after the sale is committed: in a worker, never blocking the till.

A printer that fails leaves the sale as it is (already committed) and marked unprinted, and
the cashier is told in one line; the sales list can reprint it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.screen import Screen

from posterm.config import Config
from posterm.domain.errors import PostermError
from posterm.domain.sale import CompletedSale
from posterm.ui.background import run_service

if TYPE_CHECKING:
    from posterm.domain.receipt import ReceiptDocument


@cache
def _printer(target: str, columns: int):
    from posterm.hardware.printer import open_printer

    return open_printer(target, columns)


def print_in_background(
    node: DOMNode,
    config: Config,
    sale_id: int,
    report: Callable[[str, bool], None],
    *,
    reprint: bool = False,
) -> None:
    """Prints sale `sale_id`; `report(message, is_error)` says how it went (the caller names
    the bill)."""
    from posterm.services.printing import print_sale

    if config.printer == "none":
        report("saved (no printer configured).", False)
        return

    def work() -> None:
        printer = _printer(config.printer, config.receipt_columns)
        print_sale(sale_id, printer, config.receipt_columns, reprint=reprint)

    def failed(error: PostermError) -> None:
        report(f"NOT printed: {error} (reprint from Sales, Alt+S).", True)

    run_service(
        node, work, lambda _: report("printed.", False), failed, group="print", exclusive=False
    )


def close_with_slip(screen: Screen, document: CompletedSale, summary: str) -> None:
    """After a return or void: say what happened, print its slip, and leave `screen`.

    The slip prints from the screen underneath, so closing this one does not cut it short.
    """
    app = screen.app
    app.notify(f"{document.bill_number}: {summary}")
    print_in_background(
        app.screen_stack[-2],
        app.config,
        document.id,
        lambda message, error: app.notify(
            f"{document.bill_number}: {message}", severity="error" if error else "information"
        ),
    )
    app.pop_screen()


def print_document_in_background(
    node: DOMNode,
    config: Config,
    build: Callable[[int, str], ReceiptDocument],
    report: Callable[[str, bool], None],
) -> None:
    """Prints a document that is not a sale (a payment slip, a statement, a customer card).

    `build(columns, currency_symbol)` runs in the worker and may read the database.
    """
    from posterm.services.documents import print_document

    if config.printer == "none":
        report("no printer configured.", True)
        return

    def work() -> None:
        printer = _printer(config.printer, config.receipt_columns)
        print_document(printer, lambda symbol: build(config.receipt_columns, symbol))

    run_service(
        node,
        work,
        lambda _: report("printed.", False),
        lambda error: report(f"NOT printed: {error}", True),
        group="print",
        exclusive=False,
    )
