"""Cash moved in or out of the drawer outside a sale: an amount, a category and a reason.

The fields are judged by the domain's `check_movement`, so the modal refuses what the service
would; Enter moves to the next field, then records.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from posterm.domain.errors import ValidationError
from posterm.domain.shifts import MovementRequest, check_movement
from posterm.ui.widgets.fields import Field

TITLES = {
    "cash_in": "Cash in (into the drawer)",
    "cash_out": "Cash out (to the safe, the bank)",
    "payout": "Payout (paid to someone from the drawer)",
    "expense": "Expense (paid from the drawer)",
}


class CashMovementModal(ModalScreen[MovementRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cash_movement.cancel")]

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        optional = "" if self.kind == "expense" else " (optional)"
        with Vertical(id="cash-movement", classes="dialog"):
            yield Label(TITLES[self.kind], classes="dialog-title")
            yield Label("Amount")
            yield Field(id="amount", restrict=r"[0-9.,]*", max_length=14)
            yield Label(f"Category{optional}: tea, transport, supplier…")
            yield Field(id="category", max_length=40)
            yield Label("Reason")
            yield Field(id="reason", max_length=200)
            yield Label("", id="cash-movement-error", classes="error")
            yield Label("Enter: next / record    Escape: cancel", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#amount", Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        order = ["amount", "category", "reason"]
        if event.input.id != "reason":
            self.query_one(f"#{order[order.index(event.input.id or 'amount') + 1]}", Field).focus()
            return
        try:
            request = check_movement(
                self.kind,
                self.query_one("#amount", Field).value,
                self.query_one("#category", Field).value,
                self.query_one("#reason", Field).value,
            )
        except ValidationError as error:
            self.query_one("#cash-movement-error", Label).update(f"{error.field}: {error.message}")
            self.query_one(f"#{error.field}", Field).focus()
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
