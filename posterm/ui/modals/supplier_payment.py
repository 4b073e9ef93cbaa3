"""Money paid to a supplier: an amount, how (Up/Down: cash, bank, UPI, cheque, card) and a
reference (cheque or UTR number). Used when paying a due and when receiving goods.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from posterm.domain.errors import ValidationError
from posterm.domain.money import parse_money
from posterm.domain.purchases import PAYMENT_METHODS
from posterm.ui.widgets.fields import Field


@dataclass(frozen=True)
class PaymentEntered:
    amount: Decimal
    method: str
    reference: str


class SupplierPaymentModal(ModalScreen[PaymentEntered | None]):
    BINDINGS = [
        Binding("up", "method(-1)", "Method", id="supplier_payment.previous", show=False),
        Binding("down", "method(1)", "Method", id="supplier_payment.next"),
        Binding("escape", "cancel", "Cancel", id="supplier_payment.cancel"),
    ]

    def __init__(
        self,
        title: str,
        detail: str,
        *,
        allow_zero: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail
        self.allow_zero = allow_zero
        self.method_index = 0

    def compose(self) -> ComposeResult:
        hint = " (Enter alone: nothing now, all on account)" if self.allow_zero else ""
        with Vertical(id="supplier-payment", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.detail, classes="muted")
            yield Static("", id="supplier-payment-methods")
            yield Label(f"Amount paid{hint}")
            yield Field(id="amount", restrict=r"[0-9.,]*", max_length=14)
            yield Label("Reference (cheque / UTR number, optional)")
            yield Field(id="reference", max_length=64)
            yield Label("", id="supplier-payment-error", classes="error")
            yield Label("Enter: next / pay    Up/Down: method    Escape: cancel", classes="muted")

    def on_mount(self) -> None:
        self._show_methods()
        self.query_one("#amount", Field).focus()

    def action_method(self, step: int) -> None:
        self.method_index = (self.method_index + step) % len(PAYMENT_METHODS)
        self._show_methods()

    def _show_methods(self) -> None:
        text = Text("Paid by: ")
        for index, name in enumerate(PAYMENT_METHODS):
            label = f" {name.upper() if len(name) <= 4 else name.title()} "
            text.append(label, style="reverse bold" if index == self.method_index else "")
            text.append(" ")
        self.query_one("#supplier-payment-methods", Static).update(text)

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        if event.input.id == "amount" and event.value.strip():
            self.query_one("#reference", Field).focus()
            return
        text = self.query_one("#amount", Field).value.strip()
        try:
            amount = parse_money(text) if text else Decimal(0)
        except ValidationError as error:
            self._error(error.message)
            return
        if amount <= 0 and not self.allow_zero:
            self._error("Amount must be more than zero.")
            return
        self.dismiss(
            PaymentEntered(
                amount,
                PAYMENT_METHODS[self.method_index],
                self.query_one("#reference", Field).value.strip(),
            )
        )

    def _error(self, message: str) -> None:
        self.query_one("#supplier-payment-error", Label).update(message)
        self.query_one("#amount", Field).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
