"""Users and logins on both databases: hashing, lockout, disabling, manager approval."""

from __future__ import annotations

from datetime import timedelta

import pytest

from posterm.data.models import AuditEvent, User
from posterm.domain.errors import AccountLocked, Conflict, LoginFailed, PermissionDenied
from posterm.domain.permissions import Permission, Role
from posterm.services import auth
from tests.conftest import actor_for


def test_password_and_pin_login(owner):
    assert auth.authenticate("owner", "secret").role is Role.OWNER
    assert auth.authenticate("OWNER ", "1234", pin=True).username == "owner"
    stored = User.get(User.username == "owner")
    assert stored.password_hash.startswith("$2") and "secret" not in stored.password_hash


def test_wrong_password_does_not_say_which_part_was_wrong(owner):
    with pytest.raises(LoginFailed) as wrong_password:
        auth.authenticate("owner", "nope")
    with pytest.raises(LoginFailed) as unknown_user:
        auth.authenticate("nobody", "nope")
    assert str(wrong_password.value) == str(unknown_user.value)


def test_five_failures_lock_the_account_then_it_opens_again(owner):
    for _ in range(4):
        with pytest.raises(LoginFailed):
            auth.authenticate("owner", "bad")
    with pytest.raises(AccountLocked) as locked:
        auth.authenticate("owner", "bad")
    assert "5 minutes" in str(locked.value)
    # Even the right password is refused while locked.
    with pytest.raises(AccountLocked):
        auth.authenticate("owner", "secret")
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions.count("login.failure") == 5 and "login.lockout" in actions

    user = User.get(User.username == "owner")
    User.update(locked_until=user.locked_until - timedelta(minutes=6)).execute()
    assert auth.authenticate("owner", "secret").username == "owner"


def test_lockout_threshold_comes_from_settings(owner):
    from posterm.services.settings import set_setting

    set_setting(owner, "login_max_failures", "2")
    with pytest.raises(LoginFailed):
        auth.authenticate("owner", "bad")
    with pytest.raises(AccountLocked):
        auth.authenticate("owner", "bad")


def test_disabled_user_cannot_log_in_and_last_owner_stays(owner):
    actor_for("asha", Role.CASHIER, by=owner)
    auth.set_active(owner, "asha", False)
    with pytest.raises(LoginFailed, match="disabled"):
        auth.authenticate("asha", "pw1234")
    with pytest.raises(Conflict):
        auth.set_active(owner, "owner", False)


def test_only_the_owner_manages_users(owner):
    manager = actor_for("mina", Role.MANAGER, by=owner)
    with pytest.raises(PermissionDenied):
        auth.create_user(manager, "other", Role.CASHIER, "pw1234")
    with pytest.raises(Conflict):
        auth.create_user(owner, "mina", Role.CASHIER, "pw1234")
    # Anyone may change their own password.
    auth.change_password(manager, "mina", "newpass")
    assert auth.authenticate("mina", "newpass").role is Role.MANAGER


def test_manager_pin_approves_a_cashier_override(owner):
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    actor_for("mina", Role.MANAGER, pin="9999", by=owner)
    with pytest.raises(PermissionDenied):
        cashier.require(Permission.PRICE_OVERRIDE)
    approved = auth.approve(cashier, "mina", "9999", Permission.PRICE_OVERRIDE, "damaged box")
    approved.require(Permission.PRICE_OVERRIDE)
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.username, event.reason) == (
        "override.approve",
        "asha",
        "damaged box",
    )
    assert event.approved_by_id is not None
    # A cashier cannot approve, and a manager cannot lend what only the owner may do.
    actor_for("bob", Role.CASHIER, pin="1111", by=owner)
    with pytest.raises(LoginFailed):
        auth.approve(cashier, "bob", "1111", Permission.PRICE_OVERRIDE, "x")
    with pytest.raises(LoginFailed):
        auth.approve(cashier, "mina", "9999", Permission.MANAGE_SETTINGS, "x")
