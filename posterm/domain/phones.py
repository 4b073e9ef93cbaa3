"""Phone numbers as the customer book stores them: one spelling per number, so each is unique.

"+91 98765-43210", "098765 43210" and "9876543210" are one number. Local numbers are kept as
their national digits (the trunk "0" and the store's own country code dropped); numbers of
other countries keep a leading "+" and their country code.
"""

from __future__ import annotations

import re

from posterm.domain.errors import ValidationError

MIN_DIGITS = 6
MAX_DIGITS = 15  # E.164
_SEPARATORS = re.compile(r"[\s\-().\/]")


def normalise_phone(text: str, country_code: str = "91", field: str = "phone") -> str | None:
    """The stored form of the phone number typed as `text`; None when nothing was typed.

    Raises ValidationError naming `field` for anything that is not a phone number.
    """
    raw = _SEPARATORS.sub("", text.strip())
    if not raw:
        return None
    international = raw.startswith("+") or raw.startswith("00")
    digits = raw[1:] if raw.startswith("+") else raw[2:] if raw.startswith("00") else raw
    if not digits.isdigit() or not digits.isascii():
        raise ValidationError(field, f"'{text.strip()}' is not a phone number (digits only)")
    if international:
        if country_code and digits.startswith(country_code):
            digits = digits[len(country_code) :]
        else:
            _check_length(digits, field)
            return "+" + digits
    elif len(digits) > 10 and country_code and digits.startswith(country_code):
        digits = digits[len(country_code) :]
    digits = digits.lstrip("0") if len(digits) > 10 else digits
    _check_length(digits, field)
    if len(digits) > 10 and country_code and digits.startswith(country_code):
        # Read again, these national digits would lose their first ones as a country code:
        # the international spelling keeps them, and reads back as itself.
        _check_length(country_code + digits, field)
        return "+" + country_code + digits
    return digits


def _check_length(digits: str, field: str) -> None:
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise ValidationError(
            field, f"a phone number has {MIN_DIGITS} to {MAX_DIGITS} digits, not {len(digits)}"
        )


def format_phone(stored: str) -> str:
    """A stored number spelled for people: 98765 43210 for ten national digits."""
    if len(stored) == 10 and stored.isdigit():
        return f"{stored[:5]} {stored[5:]}"
    return stored
