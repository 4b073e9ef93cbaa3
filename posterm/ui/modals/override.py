"""A manager lends one restricted action: username, PIN (or password) and the reason."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from posterm.domain.errors import PostermError
from posterm.domain.permissions import Actor, Permission
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

_FIELDS = ("manager", "secret", "reason")


class OverrideModal(ModalScreen[Actor | None]):
    """Dismissed with the cashier's Actor carrying the approval, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="override.cancel"),
        Binding("f2", "toggle_pin", "PIN / password", id="override.toggle_pin"),
    ]

    def __init__(self, requester: Actor, permission: Permission, why: str) -> None:
        super().__init__()
        self.requester = requester
        self.permission = permission
        self.why = why
        self.use_pin = True

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Manager approval needed", classes="dialog-title")
            yield Label(self.why)
            yield Label("Manager username")
            yield Field(id="manager", max_length=32)
            yield Label("Manager PIN", id="secret-label")
            yield Field(id="secret", password=True, max_length=72)
            yield Label("Reason")
            yield Field(id="reason", max_length=120)
            yield Label("", id="override-error", classes="error")
            # One line in the 60 columns of the window (it wrapped "Escape: cancel").
            yield Label(
                "Enter: next / approve   F2: PIN / password   Escape: cancel", classes="muted"
            )

    def action_toggle_pin(self) -> None:
        self.use_pin = not self.use_pin
        self.query_one("#secret-label", Label).update(
            "Manager PIN" if self.use_pin else "Manager password"
        )

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        values = {name: self.query_one(f"#{name}", Field).value for name in _FIELDS}
        position = _FIELDS.index(event.input.id or "reason")
        if position < len(_FIELDS) - 1 and not values[_FIELDS[position + 1]]:
            self.query_one(f"#{_FIELDS[position + 1]}", Field).focus()
            return
        from posterm.services import auth

        self.query_one("#override-error", Label).update("Checking…")
        run_service(
            self,
            lambda: auth.approve(
                self.requester,
                values["manager"],
                values["secret"],
                self.permission,
                values["reason"],
                pin=self.use_pin,
            ),
            self.dismiss,
            self._refused,
            group="override",
        )

    def _refused(self, error: PostermError) -> None:
        self.query_one("#override-error", Label).update(str(error))
        secret = self.query_one("#secret", Field)
        secret.value = ""
        secret.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
