"""Pick one thing from a searchable list (a customer, a held bill): type to narrow it down.

The search runs in a worker as you type, so a large list over a slow link never freezes the
till; Up/Down move, Enter picks, Escape cancels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

T = TypeVar("T")


class PickModal(ModalScreen[T | None], Generic[T]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    def __init__(
        self,
        title: str,
        prompt: str,
        search: Callable[[str], Sequence[T]],
        describe: Callable[[T], str],
        *,
        empty: str = "Nothing found.",
        blank: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.search = search
        self.describe = describe
        self.empty = empty
        # Shown before anything is typed, when a blank search finds nothing (a customer is
        # looked for by what is typed): "nothing found" would be said of nothing asked.
        self.blank = blank
        self.query_text = ""
        self.found: list[T] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="pick", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.prompt)
            yield Field(id="pick-query", max_length=40)
            yield OptionList(id="pick-list")
            yield Label("Enter: choose    Up/Down: move    Escape: cancel", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#pick-list", OptionList).can_focus = False
        self._search("")

    def on_input_changed(self, event: Field.Changed) -> None:
        self._search(event.value)

    def _search(self, text: str) -> None:
        self.query_text = text.strip()
        run_service(
            self,
            lambda: list(self.search(text.strip())),
            lambda found: self._show(found, text.strip()),
            group="pick",
        )

    def _show(self, found: list[T], text: str = "") -> None:
        if text != self.query_text:
            return  # an answer to what was typed before: a newer search is on its way
        self.found = found
        options = self.query_one("#pick-list", OptionList)
        options.clear_options()
        if not found:
            message = self.blank if self.blank and not text else self.empty
            options.add_option(Option(message, disabled=True))
            return
        options.add_options([Option(self.describe(item)) for item in found])
        options.highlighted = 0

    def action_move(self, step: int) -> None:
        options = self.query_one("#pick-list", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        highlighted = self.query_one("#pick-list", OptionList).highlighted
        if self.found and highlighted is not None and highlighted < len(self.found):
            self.dismiss(self.found[highlighted])

    def action_cancel(self) -> None:
        self.dismiss(None)
