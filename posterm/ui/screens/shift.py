"""The till's shift (Alt+T): open with a float, cash in and out, the X report, close with a
blind count; the Z report is shown with its variance, printed and kept on the shift.

Every call runs in a worker; the screen shows the open shift's X report, refreshed after each
change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from posterm.domain.errors import PostermError
from posterm.domain.money import format_money
from posterm.ui.background import run_service

if TYPE_CHECKING:
    from decimal import Decimal

    from posterm.domain.permissions import Actor
    from posterm.domain.shifts import MovementRequest
    from posterm.services.shifts import ClosedShift, ShiftInfo


class ShiftScreen(Screen[None]):
    # Short names, so all seven fit the footer at 80 columns (F9 is in the palette).
    BINDINGS = [
        Binding("f2", "open_shift", "Open", id="shift.open"),
        Binding("f3", "cash('cash_in')", "In", id="shift.cash_in"),
        Binding("f4", "cash('cash_out')", "Out", id="shift.cash_out"),
        Binding("f5", "cash('payout')", "Payout", id="shift.payout"),
        Binding("f6", "cash('expense')", "Expense", id="shift.expense"),
        Binding("f7", "x_report", "Report", id="shift.x_report"),
        Binding("f8", "close_shift", "Close", id="shift.close"),
        Binding("f9", "all_open", "Open shifts of every till", id="shift.all_open", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shift: ShiftInfo | None = None
        self.symbol = ""
        self._from_modal = False

    def compose(self) -> ComposeResult:
        yield Label("Shift", id="shift-title", classes="dialog-title screen-title")
        with VerticalScroll(id="shift-scroll"):
            yield Static("", id="shift-report", markup=False)
        yield Label("", id="shift-status", classes="screen-status")
        yield Footer()

    def on_screen_resume(self) -> None:
        # Back from one of our own modals, whose outcome reloads (a read racing the write
        # could otherwise show the shift as it was).
        if self._from_modal:
            self._from_modal = False
            return
        self.reload()

    def _ask(self, modal, callback) -> None:
        self._from_modal = True
        self.app.push_screen(modal, callback)

    @property
    def actor(self) -> Actor:
        return self.app.session.actor

    def status(self, message: str, *, error: bool = False) -> None:
        self.query_one("#shift-status", Label).update(
            Text(message, style="bold red" if error else "")
        )

    def _refused(self, error: PostermError) -> None:
        self.status(str(error), error=True)

    # --- the open shift and its X report -------------------------------------------------

    def reload(self, message: str = "") -> None:
        from posterm.services import shifts
        from posterm.services.settings import load_settings

        actor = self.actor

        def read():
            shift = shifts.current_shift(actor.terminal)
            text = shifts.x_report(actor)[1] if shift is not None else ""
            return shift, text, load_settings().currency_symbol

        def shown(got) -> None:
            self.shift, text, self.symbol = got
            title = self.query_one("#shift-title", Label)
            if self.shift is None:
                title.update(f"Shift · till {actor.terminal}: no shift open")
                self.query_one("#shift-report", Static).update(
                    "No shift is open on this till. F2 opens one with the cash in the drawer."
                )
            else:
                title.update(
                    f"Shift {self.shift.id} · till {self.shift.terminal} · {self.shift.cashier}"
                    f" · float {format_money(self.shift.opening_float, self.symbol)}"
                )
                self.query_one("#shift-report", Static).update(text)
            if message:
                self.status(message)

        run_service(self, read, shown, self._refused, group="shift-read")

    def action_x_report(self) -> None:
        self.reload("X report refreshed.")

    # --- opening ---------------------------------------------------------------------------

    def action_open_shift(self) -> None:
        from posterm.domain.shifts import parse_float
        from posterm.ui.modals.value import Entered, ValueModal

        if self.shift is not None:
            self.status(f"Shift {self.shift.id} is already open: F8 closes it.", error=True)
            return

        def chosen(entered: Entered[Decimal] | None) -> None:
            if entered is not None:
                self._open(entered.value)

        self._ask(
            ValueModal(
                "Open a shift",
                "Opening float (cash in the drawer now)",
                parse_float,
                restrict=r"[0-9.,]*",
                max_length=14,
            ),
            chosen,
        )

    def _open(self, amount: Decimal) -> None:
        from posterm.services import shifts

        actor = self.actor
        run_service(
            self,
            lambda: shifts.open_new_shift(actor, amount),
            lambda shift: self.reload(f"Shift {shift.id} open."),
            self._refused,
            group="shift-write",
        )

    # --- cash in and out -------------------------------------------------------------------

    def action_cash(self, kind: str) -> None:
        from posterm.ui.modals.cash_movement import CashMovementModal

        if self.shift is None:
            self.status("Open a shift first (F2).", error=True)
            return

        def chosen(request: MovementRequest | None) -> None:
            if request is not None:
                self._record(request)

        self._ask(CashMovementModal(kind), chosen)

    def _record(self, request: MovementRequest) -> None:
        from posterm.domain.shifts import MOVEMENT_LABELS
        from posterm.services import shifts

        actor = self.actor
        run_service(
            self,
            lambda: shifts.record_cash(
                actor, request.kind, request.amount, request.category, request.reason
            ),
            lambda row: self.reload(
                f"{MOVEMENT_LABELS[row.kind]}: {format_money(row.amount, self.symbol)} recorded."
            ),
            self._refused,
            group="shift-write",
        )

    # --- closing ---------------------------------------------------------------------------

    def action_close_shift(self) -> None:
        from posterm.services import shifts
        from posterm.ui.modals.cash_count import CashCountModal

        if self.shift is None:
            self.status("No shift is open on this till.", error=True)
            return

        def ask(denominations) -> None:
            def counted(counts: dict[str, str] | None) -> None:
                if counts is not None:
                    self._close(counts)

            self._ask(CashCountModal(denominations, self.symbol), counted)

        run_service(self, shifts.denominations, ask, self._refused, group="shift-read")

    def _close(self, counts: dict[str, str]) -> None:
        from posterm.services import shifts

        actor = self.actor
        run_service(
            self,
            lambda: shifts.close_shift(actor, counts),
            self._show_closed,
            self._refused,
            group="shift-write",
        )

    def _show_closed(self, closed: ClosedShift) -> None:
        from posterm.domain.shift_report import variance_words
        from posterm.services import shifts
        from posterm.ui.receipts import print_document_in_background

        summary = (
            f"Shift {closed.id} closed: expected {format_money(closed.expected_cash, self.symbol)}"
            f", counted {format_money(closed.counted_cash, self.symbol)}, "
            f"{variance_words(closed.variance, self.symbol)}"
        )
        self.shift = None
        self.query_one("#shift-title", Label).update(summary)
        self.query_one("#shift-report", Static).update(closed.z_report)
        self.status(f"{summary} · printing the Z report…")
        self.notify(summary)
        print_document_in_background(
            self,
            self.app.config,
            lambda columns, symbol: shifts.report_print(closed.id, columns, symbol),
            lambda message, error: self.status(f"Z report: {message}", error=error),
        )

    # --- every till ------------------------------------------------------------------------

    def action_all_open(self) -> None:
        from posterm.services import shifts

        actor = self.actor

        def shown(rows: list[ShiftInfo]) -> None:
            lines = [
                f"Till {row.terminal:<10} shift {row.id:<5} {row.cashier:<12} "
                f"float {format_money(row.opening_float, self.symbol)}"
                for row in rows
            ]
            self.query_one("#shift-report", Static).update(
                "Open shifts on every till\n\n" + ("\n".join(lines) or "none")
            )
            self.status(f"{len(rows)} open shift(s). F7 shows this till's X report again.")

        run_service(
            self, lambda: shifts.open_shifts(actor), shown, self._refused, group="shift-read"
        )
