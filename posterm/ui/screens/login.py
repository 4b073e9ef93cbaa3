"""The login screen, also the lock screen: username and password, or username and PIN."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label

from posterm.domain.errors import PostermError
from posterm.services import auth
from posterm.ui.background import run_service
from posterm.ui.session import Session
from posterm.ui.widgets.fields import Field


class LoginScreen(Screen[Session]):
    """Dismissed with the new Session once a user proves who they are."""

    BINDINGS = [
        Binding("f2", "toggle_pin", "PIN / password", id="login.toggle_pin"),
    ]

    def __init__(
        self,
        store_name: str,
        database_label: str,
        terminal: str,
        *,
        demo: bool = False,
        locked_by: str = "",
        username: str = "",
    ) -> None:
        super().__init__()
        self.store_name = store_name
        self.database_label = database_label
        self.terminal = terminal
        self.demo = demo
        self.locked_by = locked_by
        self.initial_username = username
        self.use_pin = False

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login", classes="dialog"):
            yield Label(self.store_name, id="login-store", classes="dialog-title")
            if self.locked_by:
                yield Label(
                    f"Till locked by {self.locked_by}. Log in to carry on; the open bill is kept.",
                    classes="muted",
                )
            yield Label("Username")
            yield Field(self.initial_username, id="username", max_length=32)
            yield Label("Password", id="secret-label")
            yield Field(id="secret", password=True, max_length=72)
            yield Label("", id="login-error", classes="error")
            yield Label("Enter: log in    F2: use PIN instead", id="login-hint", classes="muted")
        with Center():
            if self.demo:
                yield Label(
                    "Demo shop: log in as [b]owner[/b] or [b]cashier[/b], "
                    "password [b]demo[/b], PIN [b]1234[/b]",
                    id="demo-hint",
                )
            yield Label(
                f"{self.database_label} · till {self.terminal}",
                classes="muted",
                id="login-database",
            )
        yield Footer()

    def on_mount(self) -> None:
        target = "#secret" if self.initial_username else "#username"
        self.query_one(target, Field).focus()

    def action_toggle_pin(self) -> None:
        self.use_pin = not self.use_pin
        self.query_one("#secret-label", Label).update("PIN" if self.use_pin else "Password")
        self.query_one("#login-hint", Label).update(
            "Enter: log in    F2: use password instead"
            if self.use_pin
            else "Enter: log in    F2: use PIN instead"
        )
        secret = self.query_one("#secret", Field)
        secret.value = ""
        secret.max_length = 8 if self.use_pin else 72
        secret.focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        username = self.query_one("#username", Field).value.strip()
        secret = self.query_one("#secret", Field)
        if event.input.id == "username" or not username:
            if not username:
                self._show_error("Type your username.")
                self.query_one("#username", Field).focus()
            else:
                secret.focus()
            return
        if not secret.value:
            self._show_error("Type your PIN." if self.use_pin else "Type your password.")
            return
        self._show_error("Checking…")
        run_service(
            self,
            lambda: auth.authenticate(
                username, secret.value, pin=self.use_pin, terminal=self.terminal
            ),
            lambda user: self.dismiss(Session(user, self.terminal)),
            self._failed,
            group="login",
        )

    def _failed(self, error: PostermError) -> None:
        self._show_error(str(error))
        secret = self.query_one("#secret", Field)
        secret.value = ""
        secret.focus()

    def _show_error(self, message: str) -> None:
        self.query_one("#login-error", Label).update(message)
