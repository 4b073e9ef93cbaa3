"""Pictures of each screen at 80x24, compared with the approved SVGs in __snapshots__.

After an intended change of look, refresh them with `scripts/test tests/ui --snapshot-update`
and review the SVGs in the diff.
"""

from __future__ import annotations

from tests.ui.conftest import settle
from tests.ui.test_first_run import first_run_shown


def test_login_screen(make_app, snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)


def test_first_run_screen(make_app, snap_compare):
    assert snap_compare(
        make_app(initialised=False), terminal_size=(80, 24), run_before=first_run_shown
    )


def test_login_screen_in_high_contrast(make_app, snap_compare):
    assert snap_compare(
        make_app(theme="high-contrast"), press=["f2"], terminal_size=(80, 24), run_before=settle
    )


async def _reports_shown(pilot) -> None:
    from tests.ui.test_sales_screen import open_sales

    await open_sales(pilot)
    await pilot.press("alt+r")
    await settle(pilot)


def test_reports_dashboard(make_app, snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_reports_shown)
