"""Asks for one value (a quantity, a weight, a price, a discount, a note) and parses it.

The parser is a domain function, so what the cashier types is judged by the same rules as
everywhere else; a refusal is shown under the field and the modal stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from posterm.domain.errors import ValidationError
from posterm.ui.widgets.fields import Field

T = TypeVar("T")


@dataclass(frozen=True)
class Entered(Generic[T]):
    """What was typed, parsed; wrapped so that a parsed None ("no discount") is not a cancel."""

    value: T


class ValueModal(ModalScreen[Entered[T] | None], Generic[T]):
    """Enter confirms (dismissing Entered(value)), Escape cancels (dismissing None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="value.cancel")]

    def __init__(
        self,
        title: str,
        prompt: str,
        parse: Callable[[str], T],
        *,
        value: str = "",
        hint: str = "",
        restrict: str | None = None,
        password: bool = False,
        max_length: int = 40,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.parse = parse
        self.initial = value
        self.hint = hint
        self.restrict = restrict
        self.password = password
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        # Plain text: a prompt such as "dd-mm-yyyy [dd-mm-yyyy]" or a product named
        # "Pepsi [500ml]" is not markup, and would lose its brackets and what is in them.
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Label(self.prompt, markup=False)
            yield Field(
                self.initial,
                id="value",
                restrict=self.restrict,
                password=self.password,
                max_length=self.max_length,
                select_on_focus=True,
            )
            yield Label("", id="value-error", classes="error", markup=False)
            yield Label(self.hint or "Enter: OK    Escape: cancel", classes="muted")

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        try:
            result: Any = self.parse(event.value)
        except ValidationError as error:
            self.query_one("#value-error", Label).update(refusal(error))
            return
        self.dismiss(Entered(result))

    def action_cancel(self) -> None:
        self.dismiss(None)


# A domain message such as "is required" or "not a number" names no subject: the field does.
_NEEDS_SUBJECT = ("is ", "must ", "not ", "at most ", "at least ", "too ")


def refusal(error: ValidationError) -> str:
    """A refusal as a sentence: "Weight is required.", "Quantity not a number.", "Say why
    (at least 3 characters).", not a bare "is required" under the field."""
    text = error.message.strip()
    if text.startswith(_NEEDS_SUBJECT):
        text = f"{error.field.replace('_', ' ')} {text}"
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else f"{text}."
