"""Barcode labels: choose products and a count of each, then print them all.

The list of labels to print lives on the stock screen while the cashier moves through the
products (F8 on each); here the highlighted one is added with its count, and F2 prints the
whole list on the receipt printer in a worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from posterm.domain.errors import PostermError, ValidationError
from posterm.domain.labels import MAX_LABELS
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

if TYPE_CHECKING:
    from posterm.config import Config
    from posterm.domain.catalog_records import ProductRow

# product id -> (name, count), in the order added
LabelQueue = dict[int, tuple[str, int]]


def parse_count(text: str) -> int:
    text = text.strip() or "1"
    plain = text.isascii() and text.isdigit() and len(text) <= 6  # "²" passes isdigit alone
    if not plain or not 0 <= int(text) <= MAX_LABELS:
        raise ValidationError("count", f"a whole number from 0 to {MAX_LABELS}")
    return int(text)


class LabelsModal(ModalScreen[LabelQueue]):
    """Dismissed with the list as it now is (emptied once printed)."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="labels.close"),
        Binding("f2", "print", "Print all", id="labels.print", priority=True),
        Binding("f7", "empty", "Empty list", id="labels.empty", priority=True),
    ]

    def __init__(self, config: Config, product: ProductRow | None, queue: LabelQueue) -> None:
        super().__init__()
        self.config = config
        self.product = product
        self.queue: LabelQueue = dict(queue)

    def compose(self) -> ComposeResult:
        with Vertical(id="stock-labels", classes="dialog"):
            yield Label("Barcode labels", classes="dialog-title")
            if self.product is not None:
                name = self.product.name[:40]
                yield Label(f"How many labels of {name}? (0 takes it off the list)")
                count = self.queue.get(self.product.id, ("", 1))[1]
                yield Field(str(count), id="labels-count", restrict=r"[0-9]*", max_length=3)
            yield Static("", id="labels-queue")
            yield Label("", id="labels-error", classes="error")
            yield Label(
                "Enter: put on the list  F2: print the list  F7: empty it  Escape: close",
                classes="muted",
            )

    def on_mount(self) -> None:
        self._show_queue()

    def _show_queue(self) -> None:
        if not self.queue:
            text = "The list is empty."
        else:
            lines = [f"{count:>4} x {name[:48]}" for name, count in self.queue.values()][:8]
            if len(self.queue) > 8:
                lines.append(f"     … and {len(self.queue) - 8} more products")
            total = sum(count for _, count in self.queue.values())
            products = f"{len(self.queue)} product{'s' if len(self.queue) != 1 else ''}"
            lines.append(f"{total} label{'s' if total != 1 else ''} of {products}")
            text = "\n".join(lines)
        self.query_one("#labels-queue", Static).update(text)

    def _take_count(self) -> bool:
        if self.product is None:
            return True
        try:
            count = parse_count(self.query_one("#labels-count", Field).value)
        except ValidationError as error:
            self.query_one("#labels-error", Label).update(str(error))
            return False
        self.queue.pop(self.product.id, None)
        if count:
            self.queue[self.product.id] = (self.product.name, count)
        return True

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        if self._take_count():
            self.dismiss(self.queue)

    def action_empty(self) -> None:
        self.queue = {}
        self._show_queue()

    def action_print(self) -> None:
        if not self._take_count():
            return
        self._show_queue()
        if not self.queue:
            self.query_one("#labels-error", Label).update("The list is empty.")
            return
        from posterm.hardware.printer import open_printer
        from posterm.services.labels import print_labels

        config = self.config
        wanted = [(product_id, count) for product_id, (_, count) in self.queue.items()]
        self.query_one("#labels-error", Label).update("Printing…")

        def work() -> int:
            printer = open_printer(config.printer, config.receipt_columns)
            return print_labels(wanted, printer, config.receipt_columns)

        run_service(self, work, self._printed, self._failed, group="labels")

    def _printed(self, count: int) -> None:
        self.app.notify(f"{count} label{'s' if count != 1 else ''} printed.")
        self.dismiss({})

    def _failed(self, error: PostermError) -> None:
        self.query_one("#labels-error", Label).update(f"Not printed: {error}")

    def action_close(self) -> None:
        self._take_count()
        self.dismiss(self.queue)
