"""Roles and what each may do: the one table every service checks (DESIGN.md, "Roles").

A cashier's "override" actions need a manager's PIN or password once, in a modal; the
audit log then records both users.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from posterm.domain.errors import PermissionDenied, ValidationError


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"
    STAFF = "staff"

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValidationError("role", f"'{text}' is not one of {', '.join(cls)}") from None


class Permission(StrEnum):
    SELL = "sell"
    PRICE_OVERRIDE = "override a price"
    DISCOUNT_ABOVE_LIMIT = "give a discount above the limit"
    RETURN_WITHOUT_RECEIPT = "take a return without a receipt"
    CREDIT_ABOVE_LIMIT = "sell on credit above the limit"
    NO_SALE_DRAWER = "open the drawer without a sale"
    VOID_SALE = "void a sale"
    WRITE_OFF_CREDIT = "write off credit"
    MANAGE_PRODUCTS = "manage products, stock and purchases"
    MANAGE_CUSTOMERS = "manage customers"
    OWN_SHIFT = "open and close their own shift"
    ANY_SHIFT = "manage every shift"
    VIEW_DASHBOARD = "see the dashboard"
    VIEW_REPORTS = "see reports"
    MANAGE_SETTINGS = "change store settings"
    MANAGE_USERS = "manage users"
    BACKUP_RESTORE = "back up or restore"


class Grant(StrEnum):
    YES = "yes"
    OVERRIDE = "override"  # allowed once a manager approves
    NO = "no"


_Y, _O, _N = Grant.YES, Grant.OVERRIDE, Grant.NO
_OVERRIDABLE = (
    Permission.PRICE_OVERRIDE,
    Permission.DISCOUNT_ABOVE_LIMIT,
    Permission.RETURN_WITHOUT_RECEIPT,
    Permission.CREDIT_ABOVE_LIMIT,
    Permission.NO_SALE_DRAWER,
    # A cashier adjusts or writes off a customer's credit only with a manager's PIN (issue 6).
    Permission.WRITE_OFF_CREDIT,
)
_MANAGER_ONLY = (Permission.VOID_SALE, Permission.ANY_SHIFT)
_OWNER_ONLY = (Permission.MANAGE_SETTINGS, Permission.MANAGE_USERS, Permission.BACKUP_RESTORE)

MATRIX: dict[Role, dict[Permission, Grant]] = {
    Role.OWNER: {p: _Y for p in Permission},
    Role.MANAGER: {p: (_N if p in _OWNER_ONLY else _Y) for p in Permission},
    Role.CASHIER: {
        p: _O if p in _OVERRIDABLE else _N if p in (*_MANAGER_ONLY, *_OWNER_ONLY) else _Y
        for p in Permission
    }
    | {Permission.VIEW_REPORTS: _N},
    Role.STAFF: {
        p: _Y if p in (Permission.MANAGE_PRODUCTS, Permission.VIEW_DASHBOARD) else _N
        for p in Permission
    },
}


def grant(role: Role, permission: Permission) -> Grant:
    return MATRIX[role][permission]


def can(role: Role, permission: Permission) -> bool:
    return MATRIX[role][permission] is Grant.YES


@dataclass(frozen=True)
class Actor:
    """Who is doing something: the logged-in user (or the command line) on a terminal."""

    user_id: int | None
    username: str
    role: Role
    terminal: str = ""
    approved_by_id: int | None = None  # a manager who lent one restricted action
    approved_by_username: str = ""

    def require(self, permission: Permission) -> None:
        """Raises PermissionDenied unless the role, or a manager's approval, allows it."""
        allowed = grant(self.role, permission)
        if allowed is Grant.YES:
            return
        if allowed is Grant.OVERRIDE and self.approved_by_id is not None:
            return
        # Settings, users and backups are the owner's alone: a manager cannot help.
        if grant(Role.MANAGER, permission) is Grant.NO:
            raise PermissionDenied(permission.value, self.role.value, ask="the owner")
        raise PermissionDenied(permission.value, self.role.value)

    def with_approval(self, manager_id: int, manager_username: str) -> Actor:
        return Actor(
            self.user_id, self.username, self.role, self.terminal, manager_id, manager_username
        )


def command_line_actor(os_user: str, terminal: str = "cli") -> Actor:
    """Whoever runs `posterm` commands on the server already holds the database: an owner."""
    return Actor(user_id=None, username=f"cli:{os_user}", role=Role.OWNER, terminal=terminal)
