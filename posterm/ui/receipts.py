"""Printing receipts after the sale is committed: in a worker, never blocking the till.

A printer that fails leaves the sale as it is (already committed) and marked unprinted, and
the cashier is told in one line; the sales list can reprint it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.screen import Screen

from posterm.config import Config
from posterm.domain.sale import CompletedSale

if TYPE_CHECKING:
    from posterm.domain.receipt import ReceiptDocument


def print_in_background(
    node: DOMNode,
    config: Config,
    sale_id: int,
    report: Callable[[str, bool], None],
    *,
    reprint: bool = False,
) -> None:
    """Queues the receipt of sale `sale_id` (a cash sale or refund opens the drawer too);
    `report(message, is_error)` says how it went (the caller names the bill). Returns at once:
    the print queue (ui/devices.py) does the work on a thread of its own."""
    if config.printer == "none":
        report("saved (no printer configured).", False)
        return

    def done(message: str, error: bool) -> None:
        if error:
            report(f"NOT printed: {message} (reprint from Sales, Alt+S).", True)
        else:
            report(f"{message}.", False)

    node.app.devices.print_sale(sale_id, done, reprint=reprint)


def close_with_slip(screen: Screen, document: CompletedSale, summary: str) -> None:
    """After a return or void: say what happened, print its slip, and leave `screen`.

    The slip prints from the screen underneath, so closing this one does not cut it short.
    """
    app = screen.app
    app.notify(f"{document.bill_number}: {summary}")
    under = app.screen_stack[-2]

    def printed(message: str, error: bool) -> None:
        app.notify(
            f"{document.bill_number}: {message}", severity="error" if error else "information"
        )
        # The sales list underneath read the slip as unprinted when it came back to it.
        from posterm.ui.screens.sales import SalesScreen

        if isinstance(under, SalesScreen) and under.is_attached:
            under.reload()

    print_in_background(under, app.config, document.id, printed)
    app.pop_screen()


def print_document_in_background(
    node: DOMNode,
    config: Config,
    build: Callable[[int, str], ReceiptDocument],
    report: Callable[[str, bool], None],
) -> None:
    """Queues a document that is not a sale (a payment slip, a statement, a customer card).

    `build(columns, currency_symbol)` runs on the print queue's thread and may read the database.
    """
    if config.printer == "none":
        report("no printer configured.", True)
        return

    def done(message: str, error: bool) -> None:
        report(f"NOT printed: {message}" if error else f"{message}.", error)

    node.app.devices.print_document(build, done)
