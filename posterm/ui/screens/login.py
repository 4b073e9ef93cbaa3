"""The login screen, also the lock screen: username and password, or username and PIN.

It appears before the database is open (the app opens it behind this screen) and fills in
the store's name once it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label

from posterm.domain.errors import PostermError
from posterm.ui.session import Session
from posterm.ui.widgets.fields import Field

if TYPE_CHECKING:
    from posterm.services.store import StoreFacts
    from posterm.services.system import OpenedDatabase

_PASSWORD_HINT = "Enter: log in    F2: use PIN instead"
_PIN_HINT = "Enter: log in    F2: use password instead"


class UsernameField(Field):
    """Enter moves on to the password in key order.

    Keys typed right after Enter (a quick typist, or keys bunched by a slow SSH link) are
    already queued here when Enter is read; they are passed on to the password field rather
    than added to the username.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pass_to: Input | None = None

    async def _on_key(self, event: events.Key) -> None:
        target = self.pass_to
        if target is not None:
            event.stop()
            event.prevent_default()
            if event.key == "enter":
                await target.action_submit()
            elif event.is_printable and event.character is not None:
                target.insert_text_at_cursor(event.character)
            return
        if event.key == "enter" and self.value.strip():
            event.stop()
            event.prevent_default()
            self.pass_to = self.screen.query_one("#secret", Input)
            self.call_later(self._hand_over)  # runs once the keys queued so far are passed on
            return
        await super()._on_key(event)

    def _hand_over(self) -> None:
        if self.pass_to is not None:
            self.screen.set_focus(self.pass_to)

    def _on_focus(self, event: events.Focus) -> None:
        self.pass_to = None
        super()._on_focus(event)


class LoginScreen(Screen[Session]):
    """Dismissed with the new Session once a user proves who they are."""

    BINDINGS = [
        Binding("f2", "toggle_pin", "PIN / password", id="login.toggle_pin"),
    ]

    def __init__(self, terminal: str, *, username: str = "", locked_by: str = "") -> None:
        super().__init__()
        self.terminal = terminal
        self.locked_by = locked_by
        self.initial_username = username
        self.use_pin = False
        self.facts: StoreFacts | None = None
        self.opened: OpenedDatabase | None = None

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login", classes="dialog"):
            yield Label("posterm", id="login-store", classes="dialog-title")
            if self.locked_by:
                yield Label(
                    f"Till locked by {self.locked_by}. Log in to carry on; the open bill is kept.",
                    classes="muted",
                )
            yield Label("Username")
            yield UsernameField(self.initial_username, id="username", max_length=32)
            yield Label("Password", id="secret-label")
            yield Field(id="secret", password=True, max_length=72)
            yield Label("", id="login-error", classes="error")
            yield Label(_PASSWORD_HINT, id="login-hint", classes="muted")
        with Center():
            yield Label("", id="demo-hint", classes="hidden")
        with Center():
            yield Label("Opening the database…", classes="muted", id="login-database")
        yield Footer()

    def on_mount(self) -> None:
        target = "#secret" if self.initial_username else "#username"
        self.query_one(target, Field).focus()
        if self.facts is not None:
            self._show_store()

    def store_ready(self, facts: StoreFacts | None, opened: OpenedDatabase | None) -> None:
        self.facts, self.opened = facts, opened
        if self.is_mounted and facts is not None:
            self._show_store()

    def _show_store(self) -> None:
        assert self.facts is not None and self.opened is not None
        self.query_one("#login-store", Label).update(self.facts.store_name)
        self.query_one("#login-database", Label).update(
            f"{self.opened.kind} {self.opened.url} · till {self.terminal}"
        )
        if self.facts.demo:
            hint = self.query_one("#demo-hint", Label)
            hint.update(
                "Demo shop: log in as [b]owner[/b] or [b]cashier[/b], "
                "password [b]demo[/b], PIN [b]1234[/b]"
            )
            hint.remove_class("hidden")

    def action_toggle_pin(self) -> None:
        self.use_pin = not self.use_pin
        self.query_one("#secret-label", Label).update("PIN" if self.use_pin else "Password")
        self.query_one("#login-hint", Label).update(_PIN_HINT if self.use_pin else _PASSWORD_HINT)
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
        if self.facts is None:
            self._show_error("Still opening the database; press Enter again in a moment.")
            return
        self._show_error("Checking…")
        from posterm.services import auth  # bcrypt loads on the first login, not at start
        from posterm.ui.background import run_service

        typed, pin = secret.value, self.use_pin
        config = getattr(self.app, "config", None)
        per_staff = config is not None and config.database_login == "per_staff"

        def login():
            if per_staff:  # the typed password opens the database as the user's own role
                from posterm.services import staff_login

                return staff_login.log_in(
                    config.database_url,
                    username,
                    typed,
                    pin=pin,
                    terminal=self.terminal,
                    prefix=config.database_role_prefix,
                )
            return auth.authenticate(username, typed, pin=pin, terminal=self.terminal)

        run_service(
            self,
            login,
            lambda user: self.dismiss(Session(user, self.terminal)),
            self._failed,
            group="login",
            connect=not per_staff,  # per-staff logins open the database themselves
        )

    def _failed(self, error: PostermError) -> None:
        self._show_error(str(error))
        secret = self.query_one("#secret", Field)
        secret.value = ""
        secret.focus()

    def _show_error(self, message: str) -> None:
        self.query_one("#login-error", Label).update(message)
