"""The Textual App: wiring only. Screens do the work; services hold the rules."""

from __future__ import annotations

import time
from typing import ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from posterm import paths
from posterm.config import Config
from posterm.services import store, system
from posterm.ui.modals.confirm import ConfirmModal
from posterm.ui.screens.first_run import FirstRunChoice, FirstRunScreen
from posterm.ui.screens.home import HomeScreen
from posterm.ui.screens.login import LoginScreen
from posterm.ui.session import Session
from posterm.ui.themes import load_themes

IDLE_CHECK_SECONDS = 15
# Actions that still work while nobody is logged in (the login and lock screens).
_ALLOWED_WHEN_LOCKED = {"quit", "toggle_pin", "create", "demo", "back", "answer"}


class PostermApp(App[int]):
    CSS_PATH = "ui/app.tcss"
    TITLE = "posterm"
    MODES: ClassVar = {"home": HomeScreen}
    BINDINGS: ClassVar = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("ctrl+l", "lock", "Lock", id="app.lock"),
        Binding("alt+h", "switch_mode('home')", "Home", id="app.home", show=False),
    ]

    def __init__(self, config: Config, opened: system.OpenedDatabase, facts: store.StoreFacts):
        super().__init__()
        self.config = config
        self.opened = opened
        self.facts = facts
        self.session: Session | None = None
        self.locked = True
        self._last_input = time.monotonic()

    def on_mount(self) -> None:
        loaded = load_themes(paths.shipped_dir("themes"), paths.user_themes_dir())
        for theme in loaded.themes.values():
            self.register_theme(theme)
        for problem in loaded.problems:
            self.notify(problem, severity="warning", timeout=10)
        if self.config.theme in self.available_themes:
            self.theme = self.config.theme
        else:
            self.theme = "dark"
            self.notify(
                f"Theme '{self.config.theme}' not found; using 'dark'.",
                severity="warning",
                timeout=10,
            )
        self.set_keymap(self.config.keymap)
        if self.config.idle_lock_minutes:
            self.set_interval(IDLE_CHECK_SECONDS, self._lock_if_idle)
        if self.facts.initialised:
            self._ask_login()
        else:
            self.push_screen(
                FirstRunScreen(self.config.terminal, self._build_demo), self._first_run_done
            )

    # --- logging in and out ---------------------------------------------------------------

    def _login_screen(self, username: str = "", locked_by: str = "") -> LoginScreen:
        return LoginScreen(
            self.facts.store_name,
            f"{self.opened.kind} {self.opened.url}",
            self.config.terminal,
            demo=self.facts.demo,
            locked_by=locked_by,
            username=username,
        )

    def _ask_login(self, username: str = "") -> None:
        self.locked = True
        self.push_screen(self._login_screen(username), self._logged_in)

    def _logged_in(self, session: Session | None) -> None:
        if session is None:
            return
        self.session, self.locked = session, False
        self.sub_title = f"{session.user.display_name} ({session.user.role.value})"
        self.switch_mode("home")
        self.refresh_bindings()

    def _unlocked(self, session: Session | None) -> None:
        if session is not None:
            self.session, self.locked = session, False
            self.sub_title = f"{session.user.display_name} ({session.user.role.value})"
            self.refresh_bindings()

    def _first_run_done(self, choice: FirstRunChoice | None) -> None:
        if choice is None:
            return
        with system.connection():
            self.facts = store.store_facts()
        self._ask_login(choice.username)

    def _build_demo(self, progress) -> None:
        """Runs in a worker: builds the demo shop in its own file and switches to it."""
        from posterm.domain.permissions import command_line_actor
        from posterm.services.demo import build_demo

        self.opened = system.open_store(paths.demo_database_url())
        build_demo(command_line_actor("posterm", self.config.terminal), progress=progress)

    def action_lock(self) -> None:
        if self.session is None or self.locked:
            return
        self.locked = True
        self.refresh_bindings()
        username = self.session.user.username
        self.push_screen(self._login_screen(username, locked_by=username), self._unlocked)

    def _lock_if_idle(self) -> None:
        idle = time.monotonic() - self._last_input
        if not self.locked and idle >= self.config.idle_lock_minutes * 60:
            self.action_lock()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not self.locked or action in _ALLOWED_WHEN_LOCKED

    # --- leaving --------------------------------------------------------------------------

    async def action_quit(self) -> None:
        if self.session is None:
            self.exit(0)
            return
        self.push_screen(
            ConfirmModal("Quit posterm?", "Anything on the till is kept."),
            lambda yes: self.exit(0) if yes else None,
        )

    def get_system_commands(self, screen: Screen):
        if not self.locked:
            yield SystemCommand(
                "Lock the till", "Back to the login screen; the bill is kept", self.action_lock
            )
            yield SystemCommand(
                "Home", "Store, user, database and health checks", lambda: self.switch_mode("home")
            )
        yield from super().get_system_commands(screen)


def run_app(config: Config) -> int:
    """Opens the store's database (upgrading it if needed) and runs the till until it quits."""
    opened = system.open_store(config.database_url)
    facts = store.store_facts()
    system.close()
    result = PostermApp(config, opened, facts).run()
    return result or 0
