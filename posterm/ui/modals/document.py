"""A document on screen (a statement, a reminder) with keys to print, save or copy it."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class DocumentModal(ModalScreen[None]):
    """F5 prints, F6 saves as CSV, F7 copies (each when given); Escape closes."""

    BINDINGS = [
        Binding("f5", "print", "Print", id="document.print"),
        Binding("f6", "save", "Save CSV", id="document.save"),
        Binding("f7", "copy", "Copy", id="document.copy"),
        Binding("escape", "close", "Close", id="document.close"),
    ]

    def __init__(
        self,
        title: str,
        text: str,
        *,
        on_print: Callable[[], None] | None = None,
        on_save: Callable[[], None] | None = None,
        copy: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.on_print = on_print
        self.on_save = on_save
        self.copyable = copy

    def compose(self) -> ComposeResult:
        keys = [
            key
            for key, wanted in (
                ("F5: print", self.on_print),
                ("F6: save CSV", self.on_save),
                ("F7: copy", self.copyable),
            )
            if wanted
        ]
        with Vertical(id="document", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(id="document-scroll"):
                yield Static(self.text, id="document-text", markup=False)
            yield Label("", id="document-status")
            yield Label("  ".join([*keys, "Escape: close"]), classes="muted")

    def status(self, message: str) -> None:
        self.query_one("#document-status", Label).update(message)

    def action_print(self) -> None:
        if self.on_print is not None:
            self.status("Printing…")
            self.on_print()

    def action_save(self) -> None:
        if self.on_save is not None:
            self.on_save()

    def action_copy(self) -> None:
        if self.copyable:
            self.app.copy_to_clipboard(self.text)
            self.status("Copied: paste it into SMS or WhatsApp.")

    def action_close(self) -> None:
        self.dismiss(None)
