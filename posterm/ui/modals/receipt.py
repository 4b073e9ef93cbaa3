"""A receipt on screen, exactly as the printer gets it (the text rendering of the document)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ReceiptModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter", "close", "Close", id="receipt.close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        # The title and the keys stay put; only the receipt scrolls (the keys were at its
        # end, out of sight until the cashier had scrolled through a long bill).
        with Vertical(id="receipt", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(id="receipt-scroll"):
                yield Static(self.text, id="receipt-text", markup=False)
            yield Label("Escape: close    Up/Down/PageUp/PageDown: scroll", classes="muted")

    def action_close(self) -> None:
        self.dismiss(None)
