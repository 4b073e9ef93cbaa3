"""Printing receipts after the sale is committed: in a worker, never blocking the till.

A printer that fails leaves the sale as it is (already committed) and marked unprinted, and
the cashier is told in one line; the sales list can reprint it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from textual.dom import DOMNode

from posterm.config import Config
from posterm.domain.errors import PostermError
from posterm.ui.background import run_service


@cache
def _printer(target: str, columns: int):
    from posterm.hardware.printer import open_printer

    return open_printer(target, columns)


def print_in_background(
    node: DOMNode,
    config: Config,
    sale_id: int,
    bill_number: str,
    report: Callable[[str, bool], None],
    *,
    reprint: bool = False,
) -> None:
    """Prints sale `sale_id`; `report(message, is_error)` says how it went."""
    from posterm.services.printing import print_sale

    if config.printer == "none":
        report(f"{bill_number} saved (no printer configured).", False)
        return

    def work() -> None:
        print_sale(
            sale_id,
            _printer(config.printer, config.receipt_columns),
            config.receipt_columns,
            reprint=reprint,
        )

    def failed(error: PostermError) -> None:
        report(f"{bill_number} saved but NOT printed: {error} (reprint from Sales).", True)

    run_service(
        node,
        work,
        lambda _: report(f"{bill_number} printed.", False),
        failed,
        group="print",
        exclusive=False,
    )
