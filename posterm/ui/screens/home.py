"""Home until the billing section arrives: who is logged in, which database, and its health."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from posterm.services.doctor import CheckResult, run_checks
from posterm.ui.background import run_service


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("f5", "run_checks", "Run checks", id="home.run_checks"),
    ]

    def compose(self) -> ComposeResult:
        app = self.app
        session = app.session
        with VerticalScroll(id="home"):
            yield Label(app.facts.store_name, id="home-store", classes="dialog-title")
            if session is not None:
                user = session.user
                yield Label(
                    f"Logged in: {user.display_name} ({user.role.value}) "
                    f"on till {session.terminal}",
                    id="home-user",
                )
            yield Label(f"Database: {app.opened.kind} {app.opened.url}", id="home-database")
            yield Label(f"Schema: {app.opened.schema.version}", id="home-schema")
            yield Label("Health checks", classes="section-title")
            yield Static("Running checks…", id="home-checks")
        yield Footer()

    def on_mount(self) -> None:
        self.action_run_checks()

    def on_screen_resume(self) -> None:
        self._refresh_user()

    def _refresh_user(self) -> None:
        session = self.app.session
        if session is not None and self.is_mounted:
            user = session.user
            self.query_one("#home-user", Label).update(
                f"Logged in: {user.display_name} ({user.role.value}) on till {session.terminal}"
            )

    def action_run_checks(self) -> None:
        self.query_one("#home-checks", Static).update("Running checks…")
        run_service(self, run_checks, self._show_checks, group="doctor", own_thread=True)

    def _show_checks(self, results: list[CheckResult]) -> None:
        text = Text()
        for result in results:
            if result.ok:
                text.append(" ok   ", style="bold green")
                text.append(f"{result.name}\n")
                continue
            text.append(" FAIL ", style="bold red reverse")
            text.append(f" {result.name}\n", style="bold")
            for problem in result.problems:
                text.append(f"       {problem}\n")
            if result.more:
                text.append(f"       … and {result.more} more\n")
        failed = sum(not result.ok for result in results)
        text.append(
            "\nAll checks passed."
            if not failed
            else f"\n{failed} check(s) failed; run `posterm doctor` for the full list.",
            style="green" if not failed else "red",
        )
        self.query_one("#home-checks", Static).update(text)
