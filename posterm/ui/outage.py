"""The database going away mid-shift: a banner on every screen while it is gone, and a
background loop that notices it coming back (issue 8).

The first database call that finds the server gone reports it here (ui/background.py). From
then on database calls are refused at once (a scan should not wait out a connection timeout
to be told the same thing), and a thread of its own tries to reach the server with a growing
pause between tries. Once the server answers, calls flow again, the banner goes and `back` is
published so each screen carries on with what waited (the billing screen writes the open
bill). The cashier never restarts anything. While the database is healthy nothing here runs,
and while it is down the banner stays still: no redraw per try, nothing sent over SSH.
"""

from __future__ import annotations

import contextlib
import logging
import time

from textual.app import App
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import Static
from textual.worker import get_current_worker

from posterm.services.system import database_answers, forget_idle_connections
from posterm.ui.background import database_thread

BANNER_TEXT = "Database unreachable — the bill is kept; retrying…"
# Seconds between tries: quick at first (a restart takes a second or two), then every few
# seconds, which is soon enough for a cashier and light on a server that is starting up.
RETRY_DELAYS = (0.5, 1.0, 2.0, 3.0)
_CANCEL_CHECK_SECONDS = 0.2  # how soon the loop sees the till closing
log = logging.getLogger("posterm.ui")


class DatabaseBanner(Static):
    """One line across the top of the screen while the database is unreachable."""

    def __init__(self) -> None:
        super().__init__(BANNER_TEXT, classes="database-banner", markup=False)


class DatabaseWatch:
    """Knows whether the database is reachable; shows the banner and waits for the server."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.down = False
        self.reason = ""
        self.back: Signal[None] = Signal(app, "database-back")
        self._banners: list[DatabaseBanner] = []
        self._following_screens = False

    def lost(self, reason: str) -> None:
        """A database call found the server gone (UI thread). Idempotent while it is down."""
        if self.down:
            return
        self.down, self.reason = True, reason
        log.warning("database unreachable: %s; retrying in the background", reason)
        database_thread.refuse_calls(reason)
        if not self._following_screens:
            # A modal or another section opened while the server is gone shows it too.
            self.app.screen_change_signal.subscribe(self.app, self._screen_changed)
            self._following_screens = True
        self._show_banner(self.app.screen)
        self.app.run_worker(
            self._wait_for_server,
            name="database-reconnect",
            group="database-reconnect",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _screen_changed(self, screen: Screen) -> None:
        if self.down:
            self._show_banner(screen)

    def _show_banner(self, screen: Screen) -> None:
        if not screen.is_attached or screen.query(DatabaseBanner):
            return
        banner = DatabaseBanner()
        self._banners.append(banner)
        screen.mount(banner)

    def _wait_for_server(self) -> None:
        """The reconnect loop, on a thread of its own: try, wait longer, try again."""
        worker = get_current_worker()
        forget_idle_connections()  # every idle pooled connection died with the server
        attempt = 0
        try:
            while not worker.is_cancelled:
                if not _sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)], worker):
                    return
                attempt += 1
                if database_answers():
                    log.warning("database reachable again after %d tries", attempt)
                    database_thread.accept_calls()
                    with contextlib.suppress(RuntimeError):  # the till closed meanwhile
                        self.app.call_from_thread(self._came_back)
                    return
        finally:
            if worker.is_cancelled:
                database_thread.accept_calls()  # the till is closing; the next one starts clean

    def _came_back(self) -> None:
        self.down, self.reason = False, ""
        banners, self._banners = self._banners, []
        for banner in banners:
            if banner.is_attached:
                banner.remove()
        self.app.notify("The database is back; carrying on.", timeout=4)
        self.back.publish(None)


def _sleep(seconds: float, worker) -> bool:
    """Sleeps `seconds`, waking early if the worker is cancelled; False when it was."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if worker.is_cancelled:
            return False
        time.sleep(min(left, _CANCEL_CHECK_SECONDS))
    return not worker.is_cancelled


def database_watch(app: App) -> DatabaseWatch:
    """The app's watch (made on first use, so any App that runs database calls has one)."""
    watch = getattr(app, "_posterm_database_watch", None)
    if watch is None:
        watch = DatabaseWatch(app)
        app._posterm_database_watch = watch
    return watch
