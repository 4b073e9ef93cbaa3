"""Taking a payment on account, and adjusting or writing off a balance.

Both show what the customer owes and what they will owe after, as it is typed; the service
judges the amount again (and refuses an advance when the store takes none).
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
from posterm.domain.money import format_money, parse_money
from posterm.ui.widgets.fields import Field


@dataclass(frozen=True)
class CreditRequest:
    amount: Decimal
    choice: str  # a payment method, or "write_off" / "lower" / "raise"
    text: str  # the payment's reference, or the adjustment's reason


ADJUSTMENTS = (
    ("write_off", "Write off"),
    ("lower", "Lower (correction)"),
    ("raise", "Raise (old dues)"),
)


class CreditEntryModal(ModalScreen[CreditRequest | None]):
    BINDINGS = [
        Binding("up", "choice(-1)", "Method", show=False),
        Binding("down", "choice(1)", "Method", id="credit_entry.choice"),
        Binding("escape", "cancel", "Cancel", id="credit_entry.cancel"),
    ]

    def __init__(
        self,
        title: str,
        customer: str,
        balance: Decimal,
        choices: tuple[tuple[str, str], ...],
        *,
        text_label: str,
        text_required: bool = False,
        symbol: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.customer = customer
        self.balance = balance
        self.choices = choices
        self.index = 0
        self.text_label = text_label
        self.text_required = text_required
        self.symbol = symbol

    def compose(self) -> ComposeResult:
        with Vertical(id="credit-entry", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(f"{self.customer} owes {format_money(self.balance, self.symbol)}")
            yield Static("", id="credit-choices")
            yield Label("Amount")
            yield Field(id="credit-amount", restrict=r"[0-9.,]*", max_length=14)
            yield Label(self.text_label)
            yield Field(id="credit-text", max_length=64 if not self.text_required else 200)
            yield Static("", id="credit-after")
            yield Label("", id="credit-error", classes="error")
            yield Label("Up/Down: choose    Enter: next / OK    Escape: cancel", classes="muted")

    def on_mount(self) -> None:
        self._refresh()

    @property
    def choice(self) -> str:
        return self.choices[self.index][0]

    def action_choice(self, step: int) -> None:
        self.index = (self.index + step) % len(self.choices)
        self._refresh()

    def _amount(self) -> Decimal:
        return parse_money(self.query_one("#credit-amount", Field).value, "amount")

    def _after(self, amount: Decimal) -> Decimal:
        return self.balance + amount if self.choice == "raise" else self.balance - amount

    def _refresh(self) -> None:
        line = Text()
        for index, (_key, label) in enumerate(self.choices):
            line.append(f" {label} ", style="reverse bold" if index == self.index else "")
            line.append(" ")
        self.query_one("#credit-choices", Static).update(line)
        try:
            after = self._after(self._amount())
        except ValidationError:
            after = self.balance
        shown = (
            f"Owes after: {format_money(after, self.symbol)}"
            if after >= 0
            else f"Advance after: {format_money(-after, self.symbol)}"
        )
        self.query_one("#credit-after", Static).update(Text(shown, style="bold"))

    def on_input_changed(self, event: Field.Changed) -> None:
        self.query_one("#credit-error", Label).update("")
        self._refresh()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        if event.input.id == "credit-amount" and not self.query_one("#credit-text", Field).value:
            if not self._check_amount():
                return
            self.query_one("#credit-text", Field).focus()
            return
        if not self._check_amount():
            return
        text = self.query_one("#credit-text", Field).value.strip()
        if self.text_required and len(text) < 3:
            self.query_one("#credit-error", Label).update("Reason: say why (at least 3 characters)")
            self.query_one("#credit-text", Field).focus()
            return
        self.dismiss(CreditRequest(self._amount(), self.choice, text))

    def _check_amount(self) -> bool:
        try:
            amount = self._amount()
            if amount <= 0:
                raise ValidationError("amount", "must be more than zero")
        except ValidationError as error:
            self.query_one("#credit-error", Label).update(f"Amount: {error.message}")
            self.query_one("#credit-amount", Field).focus()
            return False
        return True

    def action_cancel(self) -> None:
        self.dismiss(None)
