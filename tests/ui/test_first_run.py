"""The first start on an empty database: creating the shop from the keyboard."""

from __future__ import annotations

from textual.widgets import Label

from posterm.services import auth
from posterm.ui.screens.billing import BillingScreen
from posterm.ui.screens.first_run import FirstRunScreen
from posterm.ui.screens.login import LoginScreen
from tests.ui.conftest import settle, type_text


async def first_run_shown(pilot) -> None:
    """The first-run screen replaces the login screen once the database is open."""
    await settle(pilot)
    for _ in range(100):
        if isinstance(pilot.app.screen, FirstRunScreen) and pilot.app.screen.is_mounted:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"still on {pilot.app.screen}")


async def fill_form(pilot, values: list[str]) -> None:
    for value in values:
        await type_text(pilot, value)
        await pilot.press("enter")


async def test_create_my_shop_then_log_in(make_app):
    app = make_app(initialised=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await first_run_shown(pilot)
        await pilot.press("c")
        await fill_form(pilot, ["Gupta Stores", "meera", "pass1", "pass1", "4321"])
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#username").value == "meera"
        assert str(app.screen.query_one("#login-store", Label).content) == "Gupta Stores"
        await type_text(pilot, "pass1")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)


async def test_bad_form_input_is_named_and_nothing_is_created(make_app):
    app = make_app(initialised=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await first_run_shown(pilot)
        await pilot.press("c")
        await fill_form(pilot, ["Gupta Stores", "meera", "pass1", "pass2", ""])
        await settle(pilot)
        error = str(app.screen.query_one("#create-error", Label).content)
        assert error == "Password again: the two passwords differ"
        for _ in range(5):
            await pilot.press("backspace")
        await type_text(pilot, "pass1")
        # A one-digit PIN is refused by the service with the field named.
        await pilot.press("enter")
        await type_text(pilot, "9")
        await pilot.press("enter")
        await settle(pilot)
        assert str(app.screen.query_one("#create-error", Label).content) == "PIN: 4 to 8 digits"
        assert isinstance(app.screen, FirstRunScreen)
    assert not auth.has_users()


async def test_a_bad_username_is_named_as_on_the_form_and_gets_the_focus(make_app):
    app = make_app(initialised=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await first_run_shown(pilot)
        await pilot.press("c")
        await fill_form(pilot, ["Gupta Stores", "Ravi Kumar", "pass1", "pass1", ""])
        await settle(pilot)
        error = str(app.screen.query_one("#create-error", Label).content)
        assert error.startswith("Owner username: 2 to 32 characters")
        assert app.focused.id == "owner"
        for _ in range(10):
            await pilot.press("backspace")
        await type_text(pilot, "ravi")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
