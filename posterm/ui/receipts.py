"""Printing receipts after the sale is committed: in a worker, never blocking the till.

A printer that fails leaves the sale as it is (already committed) and marked unprinted, and
the cashier is told in one line; the sales list can reprint it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from textual.dom import DOMNode
from textual.screen import Screen

from posterm.config import Config
from posterm.domain.errors import PostermError
from posterm.domain.sale import CompletedSale
from posterm.ui.background import run_service


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

    # A printer may take seconds to answer: it gets a thread of its own, so the next bill's
    # scans never wait behind it.
    run_service(
        node,
        work,
        lambda _: report("printed.", False),
        failed,
        group="print",
        exclusive=False,
        own_thread=True,
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
