"""Logging in, failing, being locked out, and locking the till, driven by keys at 80x24."""

from __future__ import annotations

from textual.widgets import Label

from posterm.ui.screens.billing import BillingScreen
from posterm.ui.screens.home import HomeScreen
from posterm.ui.screens.login import LoginScreen
from tests.ui.conftest import settle, type_text


async def log_in(pilot, username: str, secret: str) -> None:
    await type_text(pilot, username)
    await pilot.press("enter")
    await type_text(pilot, secret)
    await pilot.press("enter")
    await settle(pilot)


async def test_login_with_password_opens_home(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, "owner", "secret")
        assert isinstance(app.screen, BillingScreen)
        await pilot.press("alt+h")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "owner (owner)" in str(app.screen.query_one("#home-user", Label).content)
        assert "All checks passed" in str(app.screen.query_one("#home-checks").content)


async def test_wrong_password_shows_a_message_and_stays(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "owner", "nope")
        assert isinstance(app.screen, LoginScreen)
        error = str(app.screen.query_one("#login-error", Label).content)
        assert error == "Wrong username, password or PIN."
        assert app.screen.query_one("#secret").value == ""


async def test_five_failures_lock_the_account(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "owner", "bad")
        for _ in range(4):
            await type_text(pilot, "bad")
            await pilot.press("enter")
            await settle(pilot)
        error = str(app.screen.query_one("#login-error", Label).content)
        assert "locked" in error and "5 minutes" in error
        await type_text(pilot, "secret")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)


async def test_pin_login(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        app.screen.query_one("#username").value = "owner"
        await type_text(pilot, "1234")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)


async def test_lock_and_unlock_keeps_the_screen_underneath(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "owner", "secret")
        home = app.screen
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#username").value == "owner"
        # While locked, section keys do nothing.
        await pilot.press("f5", "alt+h")
        assert isinstance(app.screen, LoginScreen)
        await type_text(pilot, "secret")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is home


async def test_quit_asks_first_when_logged_in(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "owner", "secret")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, BillingScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_value == 0


async def test_idle_till_locks_itself(make_app, monkeypatch):
    app = make_app(idle_lock_minutes=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "owner", "secret")
        app._last_input -= 61
        app._lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


async def test_username_and_password_typed_in_one_burst(make_app):
    """Keys bunched by a slow SSH link: what follows Enter belongs to the password."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for character in "owner\rsecret\r":
            key = "enter" if character == "\r" else character
            app.post_message(events.Key(key, character))
        await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, BillingScreen)


async def test_a_mistyped_username_is_reached_again_with_shift_tab(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ownr", "secret")
        assert isinstance(app.screen, LoginScreen)
        assert app.focused.id == "secret"  # the wrong username can only be fixed from here
        await pilot.press("shift+tab")
        assert app.focused.id == "username"
        await pilot.press("ctrl+u")  # clear it
        await log_in(pilot, "owner", "secret")
        assert isinstance(app.screen, BillingScreen)


async def test_another_user_takes_over_a_locked_till_by_keys(make_app):
    from posterm.domain.permissions import Actor, Role
    from posterm.services import auth

    app = make_app()
    owner = auth.authenticate("owner", "secret")
    actor = Actor(owner.id, "owner", Role.OWNER, "till-1")
    auth.create_user(actor, "asha", Role.CASHIER, "asha-pw")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "owner", "secret")
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.focused.id == "secret"  # the username says owner
        await pilot.press("shift+tab", "ctrl+u")
        await log_in(pilot, "asha", "asha-pw")
        assert app.session.user.username == "asha"
        assert not isinstance(app.screen, LoginScreen)
