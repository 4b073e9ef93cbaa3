"""A cashier's discount above the store's limit asks for a manager at payment, then sells."""

from __future__ import annotations

from decimal import Decimal

from posterm.data.models import Sale
from posterm.domain.permissions import Role, command_line_actor
from posterm.services import auth
from posterm.services.settings import set_setting
from posterm.ui.modals.override import OverrideModal
from posterm.ui.screens.billing import BillingScreen
from tests.ui.conftest import log_in, settle, type_text
from tests.ui.test_billing import ATTA, scanner_burst, shop  # noqa: F401 (the fixture)


async def test_a_discount_above_the_limit_needs_a_managers_pin(shop):  # noqa: F811
    app = shop()
    cli = command_line_actor("tester", "till-1")
    auth.create_user(cli, "asha", Role.CASHIER, "pw1234", "4321")
    auth.create_user(cli, "boss", Role.MANAGER, "pw5678", "5678")
    set_setting(cli, "discount_limit_percent", "10")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "asha", "pw1234")
        assert isinstance(app.screen, BillingScreen)
        await scanner_burst(pilot, ATTA)
        await pilot.press("f5")  # a discount on the whole bill
        await settle(pilot)
        await type_text(pilot, "20%")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # empty scan field: to payment
        await settle(pilot)
        await pilot.press("enter")  # exact cash
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, OverrideModal)
        for text in ("boss", "5678", "loyal customer"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)
        status = str(app.screen.query_one("#billing-status").content)
        assert "BILL-" in status, status
    sale = Sale.get()
    assert sale.total == Decimal("228.00") and sale.approved_by.username == "boss"
