"""A refusal says whom to ask: a manager can lend most rights, only the owner has some."""

from __future__ import annotations

import pytest

from posterm.domain.errors import PermissionDenied
from posterm.domain.permissions import Actor, Permission, Role


def test_an_owner_only_right_sends_even_a_manager_to_the_owner():
    manager = Actor(2, "mina", Role.MANAGER, "till-1")
    with pytest.raises(PermissionDenied) as refused:
        manager.require(Permission.MANAGE_SETTINGS)  # tax rates, settings
    assert str(refused.value) == "A manager may not change store settings; ask the owner."


def test_a_right_a_manager_has_still_names_the_manager():
    cashier = Actor(3, "asha", Role.CASHIER, "till-1")
    with pytest.raises(PermissionDenied) as refused:
        cashier.require(Permission.VOID_SALE)
    assert str(refused.value).endswith("; ask a manager or the owner.")
