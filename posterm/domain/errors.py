"""Errors whose message is fit to show a cashier, an owner or a shell user."""

from __future__ import annotations

from datetime import datetime


class PostermError(Exception):
    """Base of every error whose message is fit to show a user."""


class ValidationError(PostermError):
    """One input field holds a value the rules refuse."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(PostermError):
    """The thing asked for does not exist (or is soft-deleted)."""


class Conflict(PostermError):
    """The change would clash with what is already stored (a duplicate, a used name)."""


class PermissionDenied(PostermError):
    """The user's role does not allow the action."""

    def __init__(self, action: str, role: str, *, ask: str = "a manager or the owner") -> None:
        super().__init__(f"A {role} may not {action}; ask {ask}.")
        self.action = action
        self.role = role


class LoginFailed(PostermError):
    """Wrong username, password or PIN (deliberately not saying which)."""


class AccountLocked(PostermError):
    """Too many failed logins: the account waits until `until` (UTC)."""

    def __init__(self, username: str, until: datetime, minutes_left: int) -> None:
        super().__init__(
            f"Account '{username}' is locked after too many failed logins; "
            f"try again in {minutes_left} minute{'s' if minutes_left != 1 else ''}."
        )
        self.until = until


class DatabaseUnavailable(PostermError):
    """The database cannot be reached or refused us; the message says why in one line."""


class DatabaseUnreachable(DatabaseUnavailable):
    """The database stopped answering mid-session (server stopped, link cut). Each service
    call is one transaction, so it committed whole or not at all; an idempotent call (a
    checkout of the same cart, a save of the open bill) is safe to repeat when it is back."""


class SchemaMismatch(PostermError):
    """The database schema is newer than this program, or needs an upgrade first."""


class ConfigError(PostermError):
    """The terminal's configuration (file, environment, command line) is invalid."""


class PrinterError(PostermError):
    """The receipt printer failed (offline, out of paper, no such device); one line says why."""
