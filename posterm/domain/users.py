"""Users as the rest of the program sees them, and the rules for names, passwords and PINs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from posterm.domain.errors import ValidationError
from posterm.domain.permissions import Role

MIN_PASSWORD_LENGTH = 4
_USERNAME = re.compile(r"[a-z][a-z0-9._\-]{1,31}")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    full_name: str
    role: Role
    active: bool
    has_pin: bool
    locked_until: datetime | None
    last_login_at: datetime | None

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


def validate_username(text: str) -> str:
    name = text.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise ValidationError(
            "username", "2 to 32 characters: a letter, then letters, digits, '.', '_' or '-'"
        )
    return name


def validate_password(text: str) -> str:
    if len(text) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    if len(text.encode()) > 72:
        # bcrypt only reads the first 72 bytes; a longer one would be silently cut.
        raise ValidationError("password", "at most 72 bytes")
    return text


def validate_pin(text: str) -> str:
    pin = text.strip()
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValidationError("pin", "4 to 8 digits")
    return pin
