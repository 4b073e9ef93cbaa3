"""The blind count at shift close: pieces of each note and coin; the running total shows.

Blind: the expected cash is not shown until the count is recorded.
"""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from posterm.domain.errors import ValidationError
from posterm.domain.money import format_money
from posterm.domain.shifts import denominations_text, parse_count
from posterm.ui.widgets.fields import Field


class CashCountModal(ModalScreen[dict[str, str] | None]):
    """Dismisses {denomination: pieces typed}; Enter on the last field (or F10) closes."""

    BINDINGS = [
        Binding("f10", "done", "Close shift", id="cash_count.done"),
        Binding("escape", "cancel", "Cancel", id="cash_count.cancel"),
    ]

    def __init__(
        self,
        denominations: tuple[Decimal, ...],
        symbol: str = "",
        title: str = "Close the shift: count the drawer",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.denominations = denominations
        self.keys = denominations_text(denominations).split(",")
        self.symbol = symbol

    def compose(self) -> ComposeResult:
        with Vertical(id="cash-count", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with Grid(id="cash-count-grid"):
                for key in self.keys:
                    yield Label(f"{key:>5} x")
                    yield Field(id=f"n{key.replace('.', '_')}", restrict=r"[0-9]*", max_length=7)
            # With the currency symbol from the start, as once the count begins.
            yield Label(f"Counted: {format_money(Decimal(0), self.symbol)}", id="cash-count-total")
            yield Label("", id="cash-count-error", classes="error")
            yield Label("Enter: next    F10: close the shift    Esc: cancel", classes="muted")

    def on_mount(self) -> None:
        self.query(Field).first().focus()

    def _counts(self) -> dict[str, str]:
        return {key: self.query_one(f"#n{key.replace('.', '_')}", Field).value for key in self.keys}

    def on_input_changed(self, event: Field.Changed) -> None:
        try:
            _, total = parse_count(self.denominations, self._counts())
        except ValidationError:
            return
        self.query_one("#cash-count-total", Label).update(
            f"Counted: {format_money(total, self.symbol)}"
        )

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        fields = list(self.query(Field))
        index = fields.index(event.input)
        if index + 1 < len(fields):
            fields[index + 1].focus()
        else:
            self.action_done()

    def action_done(self) -> None:
        counts = self._counts()
        try:
            parse_count(self.denominations, counts)
        except ValidationError as error:
            self.query_one("#cash-count-error", Label).update(f"{error.field}: {error.message}")
            return
        self.dismiss(counts)

    def action_cancel(self) -> None:
        self.dismiss(None)
