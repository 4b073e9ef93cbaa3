"""The batch number and expiry date of goods received (required for products that track
expiry); Enter moves on and confirms, Escape cancels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from posterm.domain.errors import ValidationError
from posterm.domain.purchases import MAX_BATCH, parse_day
from posterm.ui.widgets.fields import Field


@dataclass(frozen=True)
class BatchEntered:
    batch_number: str
    expiry_date: date | None


class BatchModal(ModalScreen[BatchEntered | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="batch.cancel")]

    def __init__(
        self,
        product_name: str,
        batch: str,
        expiry: date | None,
        *,
        required: bool,
        not_before: date | None = None,
    ) -> None:
        super().__init__()
        self.not_before = not_before
        self.product_name = product_name
        self.batch = batch
        self.expiry = expiry
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(id="batch", classes="dialog"):
            yield Label(f"Batch of {self.product_name}", classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Label("Batch no.", classes="form-label")
                yield Field(self.batch, id="batch-number", max_length=MAX_BATCH)
            with Horizontal(classes="form-row"):
                yield Label("Expiry", classes="form-label")
                yield Field(
                    f"{self.expiry:%d-%m-%Y}" if self.expiry else "",
                    id="expiry",
                    placeholder="dd-mm-yyyy" + ("" if self.required else " (optional)"),
                    max_length=10,
                    restrict=r"[0-9./-]*",
                )
            yield Label("", id="batch-error", classes="error")
            yield Label("Enter: next / OK    Escape: cancel", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#batch-number", Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        if event.input.id == "batch-number":
            self.query_one("#expiry", Field).focus()
            return
        text = self.query_one("#expiry", Field).value.strip()
        try:
            if not text and self.required:
                raise ValidationError("expiry", "this product tracks expiry: give the date")
            expiry = parse_day(text, "expiry") if text else None
            if expiry is not None and self.not_before is not None and expiry < self.not_before:
                raise ValidationError(
                    "expiry", f"is before the invoice date {self.not_before:%d-%m-%Y}"
                )
        except ValidationError as error:
            self.query_one("#batch-error", Label).update(f"Expiry {error.message}.")
            return
        batch = " ".join(self.query_one("#batch-number", Field).value.split())
        self.dismiss(BatchEntered(batch, expiry))

    def action_cancel(self) -> None:
        self.dismiss(None)
