"""Pictures of each screen at 80x24, compared with the approved SVGs in __snapshots__.

After an intended change of look, refresh them with `scripts/test tests/ui --snapshot-update`
and review the SVGs in the diff.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tests.ui.conftest import settle, type_text
from tests.ui.test_first_run import first_run_shown
from tests.ui.test_sales_screen import sold  # noqa: F401 (a fixture)


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


def test_reports_dashboard(sold, snap_compare):  # noqa: F811
    # Two cash bills today: the figures, the top item and the last day of the trend show.
    assert snap_compare(sold, terminal_size=(80, 24), run_before=_reports_shown)


WEEK = date(2026, 3, 2)  # a Monday; the report is asked for that week


@pytest.fixture
def week_of_sales(make_app):
    """A week of bills (fewer on some days, none on Thursday), each moved to its day."""
    from posterm.data.models import Product, StockMovement, TaxRate
    from posterm.domain.permissions import Actor, Role
    from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
    from posterm.services import auth, checkout
    from tests.services.test_reports import move

    app = make_app()
    owner = auth.authenticate("owner", "secret")
    actor = Actor(owner.id, owner.username, Role.OWNER, "till-1")
    rice = Product.create(
        code="RICE",
        name="Basmati Rice 1kg",
        search_name="basmati rice 1kg rice",
        tax_rate=TaxRate.get(TaxRate.name == "GST 5%"),
        price=Decimal(110),
        stock=Decimal(500),
    )
    StockMovement.create(
        product=rice, kind="opening", quantity=Decimal(500), stock_after=Decimal(500), user=owner.id
    )
    for day, quantities in enumerate([(2, 1), (5,), (3, 4, 1), (), (8, 2), (12, 6, 3), (4,)]):
        for hour, quantity in enumerate(quantities):
            sale = checkout.checkout(
                actor,
                CheckoutRequest(
                    uuid.uuid4(),
                    [SaleLineRequest(rice.id, Decimal(quantity))],
                    tenders=[Tender("cash", Decimal(110 * quantity))],
                ),
            )
            # 06:00 UTC onwards is mid-morning in Kolkata, well inside the local day.
            when = datetime.combine(WEEK + timedelta(day), datetime.min.time(), UTC)
            move(sale.id, when.replace(hour=6 + hour))
    return app


async def _sales_by_day_shown(pilot) -> None:
    await _reports_shown(pilot)
    await pilot.press("enter")  # the first report: sales by day
    await settle(pilot)
    await pilot.press("f2")
    await type_text(pilot, f"{WEEK:%d-%m-%Y} {WEEK + timedelta(6):%d-%m-%Y}")
    await pilot.press("enter")
    await settle(pilot)


def test_sales_by_day_report_with_its_trend(week_of_sales, snap_compare):
    assert snap_compare(week_of_sales, terminal_size=(80, 24), run_before=_sales_by_day_shown)
