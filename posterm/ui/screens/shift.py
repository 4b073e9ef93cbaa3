"""The till's shift (Alt+T): open with a float, cash in and out, the X report, close with a
blind count; the Z report is shown with its variance, printed and kept on the shift.

A manager (F9) sees the open shifts of every till and picks one: its X report shows here and
F8 closes it with a count made at that till (the service checks ANY_SHIFT and audits it);
Escape comes back to this till. F10 lists past shifts, their Z reports and reprints.

Every call runs in a worker; the screen shows the open shift's X report, refreshed after each
change.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from posterm.domain.errors import PostermError
from posterm.domain.money import format_money
from posterm.domain.permissions import Permission, can
from posterm.ui.background import run_service
from posterm.ui.widgets.key_bar import TwoRowFooter

if TYPE_CHECKING:
    from decimal import Decimal

    from posterm.domain.permissions import Actor
    from posterm.domain.shifts import MovementRequest
    from posterm.services.shifts import ClosedShift, ShiftInfo


class ShiftScreen(Screen[None]):
    # Short names, so they fit the footer at 80 columns (F9 and F10 are in the palette too).
    BINDINGS = [
        Binding("f2", "open_shift", "Open", id="shift.open"),
        Binding("f3", "cash('cash_in')", "In", id="shift.cash_in"),
        Binding("f4", "cash('cash_out')", "Out", id="shift.cash_out"),
        Binding("f5", "cash('payout')", "Payout", id="shift.payout"),
        Binding("f6", "cash('expense')", "Expense", id="shift.expense"),
        Binding("f7", "x_report", "Report", id="shift.x_report"),
        Binding("f8", "close_shift", "Close", id="shift.close"),
        Binding(
            "f9", "all_open", "All tills", id="shift.all_open", tooltip="Open shifts of every till"
        ),
        Binding("f10", "past", "Past shifts", id="shift.past", tooltip="Past shifts and Z reports"),
        Binding("escape", "own_till", "This till", id="shift.own_till", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shift: ShiftInfo | None = None
        # A shift of another till a manager picked (F9); None is this till's own.
        self.other: ShiftInfo | None = None
        self.expected_cash: Decimal | None = None  # as the X report on screen says
        self.symbol = ""
        self._from_modal = False

    def compose(self) -> ComposeResult:
        yield Label("Shift", id="shift-title", classes="dialog-title screen-title")
        with VerticalScroll(id="shift-scroll"):
            yield Static("", id="shift-report", markup=False)
        yield Label("", id="shift-status", classes="screen-status")
        yield TwoRowFooter(columns=6)  # nine keys do not fit one 80-column row

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
        other = self.other

        def read():
            if other is not None:
                found = shifts.current_shift(other.terminal)
                if found is None or found.id != other.id:
                    return None, "", load_settings().currency_symbol, None  # closed meanwhile
                figures, text = shifts.x_report(actor, found.id)
                return found, text, load_settings().currency_symbol, figures.expected_cash
            shift = shifts.current_shift(actor.terminal)
            figures, text = shifts.x_report(actor) if shift is not None else (None, "")
            expected = figures.expected_cash if figures is not None else None
            return shift, text, load_settings().currency_symbol, expected

        def shown(got) -> None:
            self.shift, text, self.symbol, self.expected_cash = got
            title = self.query_one("#shift-title", Label)
            if self.shift is None and other is not None:
                self.other = None
                title.update(f"Shift {other.id} · till {other.terminal}: closed already")
                self.query_one("#shift-report", Static).update(
                    "That shift is no longer open. Escape shows this till's shift."
                )
            elif self.shift is None:
                title.update(f"Shift · till {actor.terminal}: no shift open")
                self.query_one("#shift-report", Static).update(
                    "No shift is open on this till. F2 opens one with the cash in the drawer."
                )
            else:
                elsewhere = " · ANOTHER TILL" if other is not None else ""
                title.update(
                    f"Shift {self.shift.id} · till {self.shift.terminal} · {self.shift.cashier}"
                    f" · float {format_money(self.shift.opening_float, self.symbol)}{elsewhere}"
                )
                self.query_one("#shift-report", Static).update(text)
            if message:
                self.status(message)
            elif other is not None and self.shift is not None:
                self.status(f"Till {other.terminal}: F8 closes it · Escape: back to this till")
            else:  # the keys the full footer has no room for
                every = (
                    "F9: every till's open shifts · "
                    if can(actor.role, Permission.ANY_SHIFT)
                    else ""
                )
                self.status(f"{every}F10: past shifts and Z reports")

        run_service(self, read, shown, self._refused, group="shift-read")

    def action_x_report(self) -> None:
        self.reload("X report refreshed.")

    # --- opening ---------------------------------------------------------------------------

    def action_open_shift(self) -> None:
        from posterm.domain.shifts import parse_float
        from posterm.ui.modals.value import Entered, ValueModal

        if self.other is not None:
            self.status("Escape first: a shift opens on this till.", error=True)
            return
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

        if self.other is not None:
            self.status(
                f"Cash moves are recorded at till {self.other.terminal} itself. "
                "Escape: back to this till.",
                error=True,
            )
            return
        if self.shift is None:
            self.status("Open a shift first (F2).", error=True)
            return

        def chosen(request: MovementRequest | None) -> None:
            if request is None:
                return
            expected = self.expected_cash
            if request.kind == "cash_in" or expected is None or request.amount <= expected:
                self._record(request)
                return
            # More than the drawer should hold: a slip of the keys (5000 for 500) would make
            # the expected cash negative and the close's variance nonsense. Asked, not refused:
            # the drawer may hold cash that was never recorded.
            from posterm.domain.shifts import MOVEMENT_LABELS
            from posterm.ui.modals.confirm import ConfirmModal

            money = lambda amount: format_money(amount, self.symbol)  # noqa: E731
            self._ask(
                ConfirmModal(
                    f"Only {money(expected)} is expected in the drawer",
                    f"{MOVEMENT_LABELS[request.kind]} {money(request.amount)} leaves "
                    f"{money(expected - request.amount)}. Record it anyway?",
                ),
                lambda yes: self._record(request) if yes else self.status("Not recorded."),
            )

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

            title = "Close the shift: count the drawer"
            if self.other is not None:
                title = f"Close shift {self.other.id} of till {self.other.terminal}: count it"
            self._ask(CashCountModal(denominations, self.symbol, title), counted)

        run_service(self, shifts.denominations, ask, self._refused, group="shift-read")

    def _close(self, counts: dict[str, str]) -> None:
        from posterm.services import shifts

        actor = self.actor
        shift_id = self.other.id if self.other is not None else None
        run_service(
            self,
            lambda: shifts.close_shift(actor, counts, shift_id),
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
        self.other = None  # Escape (or any reload) shows this till's shift again
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
        from posterm.ui.modals.pick import PickModal

        actor = self.actor
        try:  # refused at once for a cashier, without a trip to the database
            actor.require(Permission.ANY_SHIFT)
        except PostermError as error:
            self._refused(error)
            return

        zone: list[ZoneInfo] = []  # the store's, read with the list

        def search(text: str) -> list[ShiftInfo]:
            from posterm.services.settings import load_settings

            zone[:] = [ZoneInfo(load_settings().timezone)]
            wanted = text.lower()
            return [
                row
                for row in shifts.open_shifts(actor)
                if wanted in row.terminal.lower() or wanted in row.cashier.lower()
            ]

        def describe(row: ShiftInfo) -> str:
            here = " (this till)" if row.terminal == actor.terminal else ""
            since = row.opened_at.astimezone(zone[0] if zone else UTC)
            return (
                f"Till {row.terminal[:10]:<10} shift {row.id:<5} {row.cashier[:12]:<12} "
                f"since {since:%d-%m %H:%M}{here}"
            )

        def chosen(row: ShiftInfo | None) -> None:
            if row is None:
                return
            self.other = None if row.terminal == actor.terminal else row
            self.reload()  # the status then names the keys for the other till

        self._ask(
            PickModal(
                "Open shifts of every till",
                "Till or cashier (Enter shows its X report; F8 there closes it)",
                search,
                describe,
                empty="No shift is open on any till.",
            ),
            chosen,
        )

    def action_own_till(self) -> None:
        if self.other is not None:
            self.other = None
            self.reload("Back to this till's shift.")

    def action_past(self) -> None:
        from posterm.ui.screens.past_shifts import PastShiftsScreen

        self.app.push_screen(PastShiftsScreen(self.symbol))
