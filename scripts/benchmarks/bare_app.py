"""The floor for the start-up benchmark: a bare Textual app with the widgets a till screen uses.

It composes Header, Input, DataTable and Footer and nothing else, so the time it takes to
paint its first screen is what Textual itself costs on this machine. `startup.py` waits for
the Input's placeholder ("Scan or type") to appear in the terminal.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header, Input

PLACEHOLDER = "Scan or type"


class BareApp(App[None]):
    TITLE = "bare"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder=PLACEHOLDER)
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        # A few columns, as a bill would have, so the table paints a header row.
        self.query_one(DataTable).add_columns("Item", "Qty", "Price", "Amount")
        self.query_one(Input).focus()


if __name__ == "__main__":
    BareApp().run()
