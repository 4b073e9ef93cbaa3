"""Taking payment: Enter alone is exact cash; an amount shows the change; tenders can be split.

Up/Down choose the method (cash, UPI, card, credit and the store's extra methods). With a
customer attached, F4 leaves what is still due on their account. The rules are the domain's
`allocate_tenders`, the same ones checkout applies.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from posterm.domain.errors import ValidationError
from posterm.domain.loyalty import LOYALTY
from posterm.domain.money import format_money, parse_money
from posterm.domain.sale import CASH, CREDIT, Tender, allocate_tenders
from posterm.ui.widgets.fields import Field


class PaymentModal(ModalScreen[list[Tender] | None]):
    BINDINGS = [
        Binding("up", "method(-1)", "Method", id="payment.previous_method", show=False),
        Binding("down", "method(1)", "Method", id="payment.next_method"),
        Binding("f4", "on_account", "Rest on account", id="payment.on_account"),
        Binding("f8", "undo_tender", "Remove last tender", id="payment.undo"),
        Binding("escape", "cancel", "Back to the bill", id="payment.cancel"),
    ]

    def __init__(
        self, total_due: Decimal, methods: tuple[str, ...], *, customer: str = "", symbol: str = ""
    ) -> None:
        super().__init__()
        self.total_due = total_due
        self.customer = customer
        # Credit and points are the customer's: only offered when a customer is attached.
        self.methods = tuple(m for m in methods if m not in (CREDIT, LOYALTY) or customer)
        self.method_index = 0
        self.symbol = symbol
        self.tenders: list[Tender] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="payment", classes="dialog"):
            yield Label(
                f"Total due {format_money(self.total_due, self.symbol)}",
                id="payment-total",
                classes="dialog-title",
            )
            yield Label(
                f"Customer: {self.customer}" if self.customer else "Walk-in customer",
                classes="muted",
            )
            yield Static("", id="payment-methods")
            yield Label("Amount (Enter alone: the rest, exact)")
            yield Field(id="amount", restrict=r"[0-9.,]*", max_length=14)
            yield Static("", id="payment-status")
            yield Label("", id="payment-error", classes="error")
            # The billing screen's footer shows under this window: its keys are said here.
            yield Label("Up/Down: method  F4: on account  F8: undo  Esc: back", classes="muted")

    def on_mount(self) -> None:
        self._refresh()
        self.app.devices.show_due(self.total_due)  # pole display

    @property
    def method(self) -> str:
        return self.methods[self.method_index]

    def action_method(self, step: int) -> None:
        self.method_index = (self.method_index + step) % len(self.methods)
        self._refresh()

    def _paid(self) -> Decimal:
        return sum((t.amount for t in self.tenders), Decimal(0))

    def _remaining(self) -> Decimal:
        return max(self.total_due - self._paid(), Decimal(0))

    def _refresh(self) -> None:
        methods = Text()
        for index, name in enumerate(self.methods):
            label = f" {_label(name)} "
            methods.append(label, style="reverse bold" if index == self.method_index else "")
            methods.append(" ")
        self.query_one("#payment-methods", Static).update(methods)
        status = Text()
        for tender in self.tenders:
            status.append(f"{tender.method}: {format_money(tender.amount, self.symbol)}\n")
        typed = self._typed_amount()
        remaining = self._remaining()
        if typed is not None and self.method == CASH and typed > remaining:
            status.append(f"Change: {format_money(typed - remaining, self.symbol)}", style="bold")
        else:
            left = remaining - (typed or Decimal(0))
            status.append(
                f"Still due: {format_money(max(left, Decimal(0)), self.symbol)}", style="bold"
            )
        self.query_one("#payment-status", Static).update(status)

    def _typed_amount(self) -> Decimal | None:
        text = self.query_one("#amount", Field).value
        if not text.strip():
            return None
        try:
            return parse_money(text)
        except ValidationError:
            return None

    def on_input_changed(self, event: Field.Changed) -> None:
        self.query_one("#payment-error", Label).update("")
        self._refresh()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        try:
            amount = parse_money(text) if text else self._remaining()
            if amount <= 0:
                if not text and self.tenders:
                    self._finish()
                    return
                raise ValidationError("amount", "must be more than zero")
            remaining = self._remaining()
            if self.method != CASH and amount > remaining:
                # Said against what this window shows still due (the domain's message counts
                # only the other non-cash tenders, and named a figure the cashier cannot see).
                raise ValidationError(
                    "amount",
                    f"{_label(self.method)} {format_money(amount)} is more than the "
                    f"{format_money(remaining)} still due",
                )
            tender = Tender(self.method, amount)
            allocate_tenders(
                self.total_due,
                [*self.tenders, tender],
                customer_attached=bool(self.customer),
                methods=self.methods,
            )
        except ValidationError as error:
            # A shortfall is fine mid-way through a split; anything else is refused here.
            if "less than due" not in error.message:
                self._error(error.message)
                return
        self.tenders.append(tender)
        event.input.value = ""
        if self._paid() >= self.total_due:
            self._finish()
        else:
            self._refresh()

    def action_on_account(self) -> None:
        if not self.customer:
            self._error("Attach a customer first (F6 on the bill) to put the rest on account.")
            return
        self._finish()

    def action_undo_tender(self) -> None:
        if self.tenders:
            self.tenders.pop()
            self._refresh()

    def _finish(self) -> None:
        try:
            allocate_tenders(
                self.total_due,
                self.tenders,
                customer_attached=bool(self.customer),
                methods=self.methods,
            )
        except ValidationError as error:
            self._error(error.message)
            return
        self.dismiss(list(self.tenders))

    def _error(self, message: str) -> None:
        self.query_one("#payment-error", Label).update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _label(method: str) -> str:
    return method.upper() if len(method) <= 4 else method.title()
