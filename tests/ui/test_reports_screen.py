"""Reports at 80x24: the dashboard's figures, a report over a typed range, CSV export."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, OptionList, Sparkline, Static

from posterm.services.reports import REPORTS
from posterm.ui.screens.reports import ReportScreen, ReportsScreen
from tests.ui.conftest import log_in, settle, type_text
from tests.ui.test_sales_screen import open_sales, sold  # noqa: F401 (a fixture)


async def test_dashboard_report_dates_and_csv_export(sold, tmp_path):  # noqa: F811
    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sales(pilot)
        await pilot.press("alt+r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        figures = str(screen.query_one("#dashboard", Static).render())
        assert "in 2 bills" in figures and "Cash" in figures
        assert max(screen.query_one(Sparkline).data) > 0

        options = screen.query_one(OptionList)
        assert options.option_count == len(REPORTS)
        await pilot.press("enter")  # the first report is highlighted
        await settle(pilot)
        report = app.screen
        assert isinstance(report, ReportScreen)
        table = report.query_one(DataTable)
        assert table.row_count == 2  # today's row and the totals
        assert report.report.totals[1] == 2

        await pilot.press("f2")
        await type_text(pilot, "yesterday")
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 0

        target = tmp_path / "out" / "days.csv"
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, str(target))
        await pilot.press("enter")
        await settle(pilot)
        assert target.read_text().splitlines() == ["Day,Bills,Sales,Returns,Voids,Net,Tax"]

        await pilot.press("f4")  # on the receipt printer, as `posterm report --print` does
        for _ in range(50):
            await asyncio.sleep(0.1)
            if app.printer_file.exists() and b"SALES BY DAY" in app.printer_file.read_bytes():
                break
        assert b"SALES BY DAY" in app.printer_file.read_bytes()
        assert "printed" in str(report.query_one("#report-status").render())
        # The key is in the footer and in the command palette.
        assert "Print (F4)" in [command.title for command in app.get_system_commands(report)]
        shown = {key: a.binding.description for key, a in report.active_bindings.items()}
        assert shown["f4"] == "Print" and report.active_bindings["f4"].binding.show

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)


async def test_a_cashier_sees_the_dashboard_but_no_reports(sold):  # noqa: F811
    from posterm.services import auth
    from tests.conftest import command_line_actor

    auth.create_user(command_line_actor("tester"), "asha", "cashier", "pw1234", "4321")
    app = sold
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "asha", "pw1234")
        await pilot.press("alt+r")
        await settle(pilot)
        screen = app.screen
        assert "in 2 bills" in str(screen.query_one("#dashboard", Static).render())
        options = screen.query_one(OptionList)
        assert options.option_count == 1 and options.get_option_at_index(0).disabled
