"""Reports (Alt+R): today's dashboard on top, the list of reports below; Enter opens one.

Every figure is computed in a worker (posterm/services/reports.py), so the till never freezes
while a year of sales is summed. The dashboard is for every role; the reports themselves for an
owner or a manager (the service refuses anyone else).
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from posterm.domain.money import format_money
from posterm.domain.permissions import Permission, can
from posterm.domain.reports import cell_text, csv_rows
from posterm.services.reports import EXPIRY_DAYS
from posterm.ui.background import run_service
from posterm.ui.names import count_of
from posterm.ui.screens.sales import parse_day_range

if TYPE_CHECKING:
    from posterm.domain.reports import Report
    from posterm.services.reports import Dashboard


def _today(screen: Screen) -> date:
    from zoneinfo import ZoneInfo

    settings = getattr(screen.app, "store_settings", None)
    zone = ZoneInfo(settings.timezone) if settings else None
    return datetime.now(zone).date()


def dashboard_text(board: Dashboard, width: int = 78) -> str:
    tenders = "  ".join(f"{m.title()} {format_money(a)}" for m, a in board.tenders)
    return "\n".join(
        [
            f"Today: {format_money(board.net_sales)} in {count_of(board.bills, 'bill')}"
            f"   {tenders}",
            f"Credit owed: {format_money(board.credit_owed)} by {board.customers_owing} "
            f"customers   New this week: {board.new_customers}",
            f"Low stock: {board.low_stock} items   Expiring in {EXPIRY_DAYS} days: "
            f"{board.expiring} batches",
            _top_line(board, width),
        ]
    )


def _top_line(board: Dashboard, width: int) -> str:
    """Today's best sellers, as many as fit one line of `width` whole (the dashboard has four
    lines: a longer one was cut off, the last item without its figure)."""
    line = "Top today:"
    for index, (whole, _quantity, net) in enumerate(board.top_items[:3]):
        name = whole if len(whole) <= 24 else whole[:23] + "…"
        figure = f" {format_money(net)}"
        room = width - len(line) - len(figure) - (2 if index else 1)
        if len(name) > room:
            if index:
                break  # the next one does not fit: the line stops at the last whole one
            name = name[: max(room - 1, 1)] + "…"
        line += f"{',' if index else ''} {name}{figure}"
    return line if board.top_items else "Top today: -"


class ReportsScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open report", id="reports.open"),
        Binding("f5", "refresh", "Refresh", id="reports.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("Dashboard", id="reports-title", classes="dialog-title")
        yield Static("Loading...", id="dashboard")
        yield Sparkline([0], id="dashboard-trend")
        yield Label("Sales, last 14 days", id="dashboard-trend-label")
        yield OptionList(id="reports-list")
        yield Footer()

    def on_mount(self) -> None:
        from posterm.services.reports import report_names

        options = self.query_one(OptionList)
        if can(self.app.session.actor.role, Permission.VIEW_REPORTS):
            options.add_options(Option(title, id=name) for name, title in report_names())
            options.highlighted = 0  # Enter opens a report straight away
        else:
            options.add_option(Option("Reports need an owner or a manager.", disabled=True))

    def on_screen_resume(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        from posterm.services import reports

        actor = self.app.session.actor
        run_service(
            self, lambda: reports.dashboard(actor), self._show, group="dashboard", own_thread=True
        )

    def _show(self, board: Dashboard) -> None:
        dashboard = self.query_one("#dashboard", Static)
        width = (dashboard.size.width or 80) - 2  # its padding
        dashboard.update(dashboard_text(board, width))
        self.query_one(Sparkline).data = [float(v) for v in board.trend]

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id is not None and not option.disabled:
            self.app.push_screen(ReportScreen(option.id, str(option.prompt)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()


# Reports drawn as a chart above their table: the column of each row's figure.
TREND_COLUMNS = {"sales-by-day": "Net"}


class ReportScreen(Screen[None]):
    """One report: its table over a date range (F2), exported to CSV (F3), printed on the
    receipt printer (F4). Sales by day draws its trend above the table."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="report.back"),
        Binding("f2", "dates", "Dates", id="report.dates"),
        Binding("f3", "export", "Export CSV", id="report.export"),
        Binding("f4", "print", "Print", id="report.print"),
    ]

    def __init__(self, name: str, title: str) -> None:
        super().__init__()
        self.report_name = name
        self.report_title = title
        # Today in the store's timezone, found with the first run (it is a database setting).
        self.first: date | None = None
        self.last: date | None = None
        self.today: date | None = None
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.report_title, id="report-title", classes="dialog-title")
        trend = Sparkline([0], id="report-trend")
        trend.display = self.report_name in TREND_COLUMNS
        yield trend
        yield DataTable(id="report-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="report-status")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def status(self, message: str, *, error: bool = False) -> None:
        self.query_one("#report-status", Label).update(
            Text(message, style="bold red" if error else "")
        )

    def reload(self) -> None:
        from posterm.services import reports

        actor, name, first, last = self.app.session.actor, self.report_name, self.first, self.last

        def run():
            today = reports.store_today()
            start, end = (first, last) if first is not None else (today, today)
            return today, reports.run_report(actor, name, start, end)

        self.status("Computing...")
        run_service(
            self,
            run,
            self._show,
            lambda error: self.status(str(error), error=True),
            group="report",
            own_thread=True,  # a long report must not hold up the till's database calls
        )

    def _show(self, got: tuple[date, Report]) -> None:
        self.today, report = got
        self.first, self.last = report.first_day, report.last_day
        self.report = report
        table = self.query_one(DataTable)
        table.clear(columns=True)
        shown = [*report.rows, *((report.totals,) if report.totals else ())]
        for index, column in enumerate(report.columns):
            widest = max((len(cell_text(row[index])) for row in shown), default=0)
            table.add_column(column.label, width=min(max(len(column.label), widest), 30))

        def cells(row, bold: bool = False):
            return [
                Text(
                    cell_text(cell),
                    justify="right" if c.numeric else "left",
                    style="bold" if bold else "",
                )
                for cell, c in zip(row, report.columns, strict=True)
            ]

        for row in report.rows:
            table.add_row(*cells(row))
        if report.totals is not None:
            table.add_row(*cells(report.totals, bold=True))
        title = f"{report.title}, {report.period}"
        self.query_one("#report-title", Label).update(title)
        note = f" · {report.note}" if report.note else ""
        self.status(f"{count_of(len(report.rows), 'row')}{note}")
        if report.name in TREND_COLUMNS and report.rows:
            column = TREND_COLUMNS[report.name]
            self.query_one("#report-trend", Sparkline).data = trend_of(report, column)
            index = [c.label for c in report.columns].index(column)
            best = max(report.rows, key=lambda row: row[index])
            self.status(
                f"{count_of(len(report.rows), 'day')} with sales · "
                f"chart: {column.lower()} per day · best {best[0]}: {format_money(best[index])}"
            )

    def action_back(self) -> None:
        self.dismiss()

    def action_dates(self) -> None:
        from posterm.ui.modals.value import ValueModal

        today = self.today or _today(self)

        def chosen(entered) -> None:
            if entered is not None:
                self.first, self.last = entered.value
                self.reload()

        self.app.push_screen(
            ValueModal(
                "Report dates",
                "Dates: today, yesterday, 7 (days), dd-mm-yyyy [dd-mm-yyyy]",
                lambda text: parse_day_range(text, today),
            ),
            chosen,
        )

    def action_export(self) -> None:
        from posterm import paths
        from posterm.ui.modals.value import ValueModal

        if self.report is None:
            return
        report = self.report
        default = paths.data_dir() / f"{report.name}-{report.first_day:%Y%m%d}.csv"

        def chosen(entered) -> None:
            if entered is None:
                return
            path = Path(entered.value).expanduser()
            run_service(self, lambda: _write_csv(report, path), self._exported, connect=False)

        self.app.push_screen(
            ValueModal("Export CSV", "File", str, value=str(default), max_length=200), chosen
        )

    def _exported(self, path: Path) -> None:
        self.notify(f"Saved {path}")

    def action_print(self) -> None:
        """The report on the receipt printer, laid out as `posterm report NAME --print` does;
        the print queue's own thread does the work."""
        from posterm.domain.reports import report_document
        from posterm.services.settings import load_settings
        from posterm.ui.receipts import print_document_in_background

        if self.report is None:
            return
        report = self.report
        self.status(f"Printing {report.title}…")
        print_document_in_background(
            self,
            self.app.config,
            lambda columns, _symbol: report_document(report, load_settings().store_name, columns),
            lambda message, error: self.status(f"{report.title}: {message}", error=error),
        )


def trend_of(report: Report, column: str) -> list[float]:
    """One figure for every day of the report's range, oldest first (0 for a day without
    sales), from the rows of a by-day report whose first cell starts with the day."""
    from datetime import timedelta

    index = [c.label for c in report.columns].index(column)
    by_day = {str(row[0])[:10]: row[index] for row in report.rows}
    days = (report.last_day - report.first_day).days + 1
    return [
        float(by_day.get(f"{report.first_day + timedelta(i):%d-%m-%Y}", 0)) for i in range(days)
    ]


def _write_csv(report: Report, path: Path) -> Path:
    from posterm.domain.errors import ValidationError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream).writerows(csv_rows(report))
    except OSError as exc:
        raise ValidationError("file", f"cannot write {path}: {exc.strerror}") from None
    return path
