"""The Textual App: wiring only. Screens do the work; services hold the rules.

The login screen paints first and the database opens in a worker behind it: a PostgreSQL
server across the shop's network may take a while to answer, and the till should show
itself at once rather than sit on a blank terminal.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from posterm import paths
from posterm.config import Config
from posterm.domain.errors import PostermError
from posterm.ui import sections
from posterm.ui.devices import DevicesMixin
from posterm.ui.screens.login import LoginScreen
from posterm.ui.session import Session
from posterm.ui.stock_commands import stock_commands
from posterm.ui.themes import load_themes

if TYPE_CHECKING:
    from posterm.services.store import StoreFacts
    from posterm.services.system import OpenedDatabase

IDLE_CHECK_SECONDS = 15
# Actions that still work while nobody is logged in (the login and lock screens).
# Tab and Shift+Tab too: the username on the lock screen (another user taking over), or
# after a mistyped username, is reached only by moving focus back to it.
_ALLOWED_WHEN_LOCKED = {
    "quit",
    "toggle_pin",
    "create",
    "demo",
    "back",
    "answer",
    "focus_next",
    "focus_previous",
}


class PostermApp(DevicesMixin, App[int]):  # DevicesMixin: counter hardware, ui/devices.py
    CSS_PATH = Path(__file__).parent / "ui" / "app.tcss"
    TITLE = "posterm"
    MODES: ClassVar = sections.modes()
    BINDINGS: ClassVar = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("ctrl+l", "lock", "Lock", id="app.lock"),
        *sections.bindings(),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.opened: OpenedDatabase | None = None
        self.facts: StoreFacts | None = None
        self.startup_error: PostermError | None = None
        self.session: Session | None = None
        self.locked = True
        self._last_input = time.monotonic()

    # --- no secrets on screen after a crash (issue 8): Textual's own crash traceback lists
    # every frame's locals, a typed password or PIN among them; this one shows code only.
    def _fatal_error(self) -> None:
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    def on_mount(self) -> None:
        self._apply_themes()
        self.set_keymap(self.config.keymap)
        if self.config.idle_lock_minutes:
            self.set_interval(IDLE_CHECK_SECONDS, self._lock_if_idle)
        self.locked = True
        self.push_screen(LoginScreen(self.config.terminal), self._logged_in)
        self.call_after_refresh(self._open_store)

    def _apply_themes(self) -> None:
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

    # --- opening the store ----------------------------------------------------------------

    def _open_store(self) -> None:
        from posterm.ui.background import run_service

        def open_and_read() -> tuple[OpenedDatabase, StoreFacts]:
            from posterm.services import store, system

            opened = system.open_store(self.config.database_url)
            with system.connection():
                return opened, store.store_facts()

        run_service(
            self,
            open_and_read,
            self._store_opened,
            self._store_failed,
            group="start",
            connect=False,
        )

    def _store_opened(self, result: tuple[OpenedDatabase, StoreFacts]) -> None:
        self.opened, self.facts = result
        if self.facts.initialised:
            self._login_screen().store_ready(self.facts, self.opened)
            return
        from posterm.ui.screens.first_run import FirstRunScreen

        self.switch_screen(FirstRunScreen(self.config.terminal, self._build_demo))

    def _store_failed(self, error: PostermError) -> None:
        """Nothing can work without the database: leave with the reason, in one line."""
        self.startup_error = error
        self.exit(1)

    @property
    def database_ready(self) -> bool:
        return self.facts is not None

    # --- logging in and out ---------------------------------------------------------------

    def _login_screen(self) -> LoginScreen:
        screen = next(s for s in reversed(self.screen_stack) if isinstance(s, LoginScreen))
        return screen

    def _ask_login(self, username: str = "") -> None:
        self.locked = True
        screen = LoginScreen(self.config.terminal, username=username)
        self.push_screen(screen, self._logged_in)
        screen.store_ready(self.facts, self.opened)

    def _logged_in(self, session: Session | None) -> None:
        if session is None:
            return
        self._unlocked(session)
        self.switch_mode("billing")

    def _unlocked(self, session: Session | None) -> None:
        if session is not None:
            self.session, self.locked = session, False
            self.sub_title = f"{session.user.display_name} ({session.user.role.value})"
            self.refresh_bindings()

    def first_run_done(self, facts: StoreFacts, username: str) -> None:
        """Called by the first-run screen once a store exists (the user's own or the demo)."""
        self.facts = facts
        self.pop_screen()
        self._ask_login(username)

    def _build_demo(self, progress) -> StoreFacts:
        """Runs in a worker: builds the demo shop in its own file and switches to it."""
        from posterm.domain.permissions import command_line_actor
        from posterm.services import store, system
        from posterm.services.demo import build_demo

        self.opened = system.open_store(paths.demo_database_url())
        with system.connection():
            build_demo(command_line_actor("posterm", self.config.terminal), progress=progress)
            return store.store_facts()

    def action_lock(self) -> None:
        if self.session is None or self.locked:
            return
        self.locked = True
        self.refresh_bindings()
        username = self.session.user.username
        screen = LoginScreen(self.config.terminal, username=username, locked_by=username)
        self.push_screen(screen, self._unlocked)
        screen.store_ready(self.facts, self.opened)

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
        from posterm.ui.modals.confirm import ConfirmModal
        from posterm.ui.outage import database_watch

        kept = "Anything on the till is kept."
        if database_watch(self).down:  # issue 8: the open bill cannot be saved just now
            kept = "The database is unreachable: changes to the bill since then are lost."
        self.push_screen(
            ConfirmModal("Quit posterm?", kept),
            lambda yes: self.exit(0) if yes else None,
        )

    def get_system_commands(self, screen: Screen):
        if not self.locked:
            yield SystemCommand(
                "Lock the till", "Back to the login screen; the bill is kept", self.action_lock
            )
            yield from sections.commands(self)
            yield from _screen_commands(screen)
            yield from stock_commands(self)
        yield from super().get_system_commands(screen)


def _screen_commands(screen: Screen):
    """Every key of the current screen is also a palette command, named as in the footer
    (or in full, by the screen's PALETTE_NAMES, where the footer has only room for less)."""
    full_names = getattr(screen, "PALETTE_NAMES", {})
    for binding in screen.BINDINGS:
        if isinstance(binding, Binding) and binding.description and binding.id:
            key = binding.key.split(",")[0]
            key = key.title() if "+" in key else key.upper()  # Ctrl+R, F2, DELETE
            yield SystemCommand(
                f"{full_names.get(binding.id, binding.description)} ({key})",
                f"{type(screen).__name__.removesuffix('Screen')}: "
                f"{binding.tooltip or binding.description}",
                partial(screen.run_action, binding.action),
            )


def run_app(config: Config) -> int:
    """Runs the till until it quits; a database that cannot be opened ends it with the reason."""
    app = PostermApp(config)
    result = app.run()
    if app.startup_error is not None:
        raise app.startup_error
    return result or 0
