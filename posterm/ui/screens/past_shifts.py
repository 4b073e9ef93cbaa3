"""Past shifts (F10 on the shift screen): closed shifts by date range, till and cashier; Enter
shows a shift's Z report as it was kept at the close, F5 reprints it on the receipt printer.

A manager sees every till's shifts, a cashier only their own (the shifts service decides).
Lists are read a page at a time (PageDown: more), so years of shifts never load whole.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label

from posterm.domain.money import format_money
from posterm.ui.background import run_service
from posterm.ui.names import count_of
from posterm.ui.widgets.key_bar import TwoRowFooter
from posterm.ui.widgets.paging import page_down

if TYPE_CHECKING:
    from posterm.services.shifts import PastShift

PAGE = 50


class PastShiftsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="past_shifts.back"),
        Binding("enter", "open", "Z report", id="past_shifts.open"),
        Binding("f2", "dates", "Dates", id="past_shifts.dates"),
        Binding("f3", "till", "Till", id="past_shifts.till"),
        Binding("f4", "cashier", "Cashier", id="past_shifts.cashier"),
        Binding("f5", "reprint", "Reprint", id="past_shifts.reprint"),
        # Priority: the table has the focus and would take PageDown for its own paging.
        Binding("pagedown", "more", "More", id="past_shifts.more", show=False, priority=True),
    ]

    def __init__(self, symbol: str = "") -> None:
        super().__init__()
        self.symbol = symbol
        self.shifts: list[PastShift] = []
        # The last week of the store's days, found with the first page (the store's timezone
        # is a setting in the database).
        self.first: date | None = None
        self.last: date | None = None
        self.today: date | None = None
        self.terminal = ""
        self.cashier = ""
        self._generation = 0
        self._loading = False  # a page is on its way: PageDown does not ask for it twice

    def compose(self) -> ComposeResult:
        yield Label("", id="past-shifts-title", classes="dialog-title screen-title")
        yield DataTable(id="past-shifts-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="past-shifts-status", classes="screen-status")
        yield TwoRowFooter(columns=4)  # seven keys do not fit one 80-column row

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # 64 columns of text, 14 of cell padding and a scrollbar: no sideways scrolling at 80.
        for label, key, width in [
            ("Closed", "closed", 11),
            ("Shift", "shift", 5),
            ("Till", "till", 9),
            ("Cashier", "cashier", 9),
            ("Expected", "expected", 10),
            ("Counted", "counted", 10),
            ("Variance", "variance", 10),
        ]:
            table.add_column(label, key=key, width=width)
        self.reload()

    def status(self, message: str, *, error: bool = False) -> None:
        self.query_one("#past-shifts-status", Label).update(
            Text(message, style="bold red" if error else "")
        )

    def reload(self) -> None:
        self._generation += 1
        self.shifts = []
        self.query_one(DataTable).clear()
        self._load_page()

    def _show_title(self) -> None:
        period = (
            f"{self.first:%d-%m-%Y}"
            if self.first == self.last
            else f"{self.first:%d-%m-%Y} to {self.last:%d-%m-%Y}"
        )
        narrowed = "".join(
            f" · {label} {value}"
            for label, value in (("till", self.terminal), ("cashier", self.cashier))
            if value
        )
        self.query_one("#past-shifts-title", Label).update(f"Past shifts, {period}{narrowed}")

    def _load_page(self) -> None:
        from posterm.services import shifts

        actor, offset, generation = self.app.session.actor, len(self.shifts), self._generation
        first, last, terminal, cashier = self.first, self.last, self.terminal, self.cashier

        def read():
            from posterm.services.reports import store_today

            today = store_today()
            start, end = (first, last) if first else (today - timedelta(days=6), today)
            page = shifts.closed_shifts(
                actor, start, end, terminal=terminal, cashier=cashier, limit=PAGE, offset=offset
            )
            return today, start, end, page

        self._loading = True
        run_service(
            self,
            read,
            lambda got: self._show_page(got, generation),
            self._load_failed,
            group="past-shifts",
        )

    def _load_failed(self, error) -> None:
        self._loading = False
        self.status(str(error), error=True)

    def _show_page(self, got, generation: int) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self.today, self.first, self.last, page = got
        self._show_title()
        table = self.query_one(DataTable)
        for shift in page:
            style = "bold red" if shift.variance < 0 else ""
            table.add_row(
                f"{shift.closed_at:%d-%m %H:%M}",
                str(shift.id),
                shift.terminal[:9],
                shift.cashier[:9],
                Text(format_money(shift.expected_cash), justify="right"),
                Text(format_money(shift.counted_cash), justify="right"),
                Text(format_money(shift.variance), justify="right", style=style),
            )
        self.shifts.extend(page)
        more = " · PageDown: more" if len(page) == PAGE else ""
        if not self.shifts and (self.terminal or self.cashier):
            # The till or cashier asked for may be why: say so, and how to widen it.
            self.status("No shift of that till or cashier closed in this period. F3/F4: any.")
        elif not self.shifts:
            self.status("No shift was closed in this period. F2 picks other dates.")
        else:
            count = len(self.shifts)
            self.status(f"{count_of(count, 'closed shift')}{more} · Enter: Z report")

    def action_more(self) -> None:
        """PageDown pages through the table; at its last row, the next page is read."""
        more = self.shifts and len(self.shifts) % PAGE == 0 and not self._loading
        page_down(self.query_one(DataTable), self._load_page if more else None)

    def _selected(self) -> PastShift | None:
        if not self.shifts:
            self.status("No shift selected.", error=True)
            return None
        return self.shifts[min(self.query_one(DataTable).cursor_row, len(self.shifts) - 1)]

    # --- filters ---------------------------------------------------------------------------

    def action_dates(self) -> None:
        from posterm.ui.modals.value import ValueModal
        from posterm.ui.screens.sales import parse_day_range

        today = self.today or date.today()

        def chosen(entered) -> None:
            if entered is not None:
                self.first, self.last = entered.value
                self.reload()

        self.app.push_screen(
            ValueModal(
                "Past shifts",
                "Dates: today, yesterday, 7 (days), dd-mm-yyyy [dd-mm-yyyy]",
                lambda text: parse_day_range(text, today),
            ),
            chosen,
        )

    def _narrow(self, field: str, prompt: str) -> None:
        from posterm.ui.modals.value import ValueModal

        def chosen(entered) -> None:
            if entered is not None:
                setattr(self, field, entered.value)
                self.reload()

        self.app.push_screen(
            ValueModal(
                "Past shifts",
                prompt,
                lambda text: text.strip(),
                value=getattr(self, field),
                max_length=32,
            ),
            chosen,
        )

    def action_till(self) -> None:
        self._narrow("terminal", "Till name (blank: every till)")

    def action_cashier(self) -> None:
        self._narrow("cashier", "Cashier's user name (blank: every cashier)")

    # --- one shift -------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        from posterm.services import shifts
        from posterm.ui.modals.document import DocumentModal

        chosen = self._selected()
        if chosen is None:
            return
        actor = self.app.session.actor

        def shown(text: str) -> None:
            modal = DocumentModal(
                f"Z report, shift {chosen.id} (till {chosen.terminal})",
                text,
                on_print=lambda: self._reprint(chosen, modal.status),
            )
            self.app.push_screen(modal)

        run_service(
            self,
            lambda: shifts.z_report(actor, chosen.id),
            shown,
            lambda error: self.status(str(error), error=True),
            group="past-shifts-read",
        )

    def action_reprint(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            self._reprint(chosen, self.status)

    def _reprint(self, chosen: PastShift, report) -> None:
        from posterm.services import shifts
        from posterm.ui.receipts import print_document_in_background

        actor = self.app.session.actor
        report(f"Reprinting the Z report of shift {chosen.id}…")
        print_document_in_background(
            self,
            self.app.config,
            lambda columns, symbol: shifts.z_report_reprint(actor, chosen.id, columns, symbol),
            lambda message, error: report(f"Z report of shift {chosen.id}: {message}"),
        )

    def action_back(self) -> None:
        self.dismiss()
