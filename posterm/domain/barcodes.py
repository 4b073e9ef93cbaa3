"""Barcode rules: GTIN check digits, telling code kinds apart, weight/price-embedded EAN-13s.

Check digits are also how the scanner input is told apart from typing, so this stays cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from posterm.domain.errors import ValidationError

GTIN_LENGTHS = (8, 12, 13, 14)

_DIGITS = re.compile(r"[0-9]+")  # not str.isdigit(): that also takes "²" and other scripts


def _is_digits(text: str) -> bool:
    return _DIGITS.fullmatch(text) is not None


def ean_check_digit(digits_without_check: str) -> int:
    """The GS1 mod-10 check digit for EAN-8, UPC-A, EAN-13 and GTIN-14 bodies.

    Weights 3 and 1 alternate from the rightmost digit, so one function serves every length.
    """
    if not _is_digits(digits_without_check):
        raise ValidationError("barcode", "must contain only digits")
    total = sum(
        int(digit) * (3 if position % 2 == 0 else 1)
        for position, digit in enumerate(reversed(digits_without_check))
    )
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """True for an EAN-8, UPC-A, EAN-13 or GTIN-14 made only of digits with a right check digit."""
    if len(code) not in GTIN_LENGTHS or not _is_digits(code):
        return False
    return ean_check_digit(code[:-1]) == int(code[-1])


def make_ean13(first_12_digits: str) -> str:
    """Append the check digit to 12 digits, giving an EAN-13."""
    if len(first_12_digits) != 12 or not _is_digits(first_12_digits):
        raise ValidationError("barcode", "needs exactly 12 digits")
    return first_12_digits + str(ean_check_digit(first_12_digits))


class BarcodeKind(Enum):
    """What a scanned or typed code is."""

    EAN13 = "ean13"
    EAN8 = "ean8"
    UPCA = "upca"
    GTIN14 = "gtin14"
    OTHER = "other"  # shops' own codes (SKUs, short numbers, letters): allowed
    INVALID_CHECK = "invalid_check"  # GTIN-shaped but the check digit is wrong: likely misread


_KIND_BY_LENGTH = {
    8: BarcodeKind.EAN8,
    12: BarcodeKind.UPCA,
    13: BarcodeKind.EAN13,
    14: BarcodeKind.GTIN14,
}


def classify(code: str) -> BarcodeKind:
    """Tell a GTIN from a shop's own code, and a mistyped or misread GTIN from both."""
    if len(code) not in GTIN_LENGTHS or not _is_digits(code):
        return BarcodeKind.OTHER
    if not is_valid_gtin(code):
        return BarcodeKind.INVALID_CHECK
    return _KIND_BY_LENGTH[len(code)]


def equivalent_codes(code: str) -> tuple[str, ...]:
    """The spellings of one product code a scanner may send: UPC-A with and without a leading 0.

    Scanners are often set to send a UPC-A as a 13-digit EAN; look a code up under all of these.
    """
    if is_valid_gtin(code):
        if len(code) == 12:
            return (code, "0" + code)
        if len(code) == 13 and code.startswith("0"):
            return (code, code[1:])
    return (code,)


class EmbeddedKind(StrEnum):
    """What the value inside an in-store EAN-13 means."""

    WEIGHT = "weight"
    PRICE = "price"


@dataclass(frozen=True, slots=True)
class EmbeddedCode:
    """A decoded in-store code: the product part, and the weight (kg) or price it carries."""

    item_code: str  # prefix + item digits, e.g. "2100123"
    kind: EmbeddedKind
    value: Decimal


_LAYOUT_FIELD = "barcode_layout"
_IN_STORE_PREFIX = re.compile(r"2[0-9]")  # GS1 keeps 20-29 for codes used inside one company
_LAYOUT_KEYS = {  # settings-text key -> EmbeddedLayout field
    "weight": "weight_prefixes",
    "price": "price_prefixes",
    "item": "item_digits",
    "value": "value_digits",
    "weight_decimals": "weight_decimals",
    "price_decimals": "price_decimals",
}


@dataclass(frozen=True, slots=True)
class EmbeddedLayout:
    """How a shop's scales and labellers lay out EAN-13s: PP IIIII VVVVV C by default."""

    weight_prefixes: tuple[str, ...] = ("21", "22")
    price_prefixes: tuple[str, ...] = ("23", "24")
    item_digits: int = 5
    value_digits: int = 5
    weight_decimals: int = 3
    price_decimals: int = 2

    def __post_init__(self) -> None:
        for prefix in self.weight_prefixes + self.price_prefixes:
            if not isinstance(prefix, str) or not _IN_STORE_PREFIX.fullmatch(prefix):
                raise ValidationError(
                    _LAYOUT_FIELD, f"prefix {prefix!r} must be two digits from 20 to 29"
                )
        overlap = set(self.weight_prefixes) & set(self.price_prefixes)
        if overlap:
            both = ", ".join(sorted(overlap))
            raise ValidationError(_LAYOUT_FIELD, f"prefix {both} cannot mean weight and price")
        if self.item_digits < 1 or self.value_digits < 1:
            raise ValidationError(_LAYOUT_FIELD, "item and value need at least one digit each")
        if self.item_digits + self.value_digits != 10:
            raise ValidationError(_LAYOUT_FIELD, "item and value digits must add up to 10")
        for key, decimals in (
            ("weight_decimals", self.weight_decimals),
            ("price_decimals", self.price_decimals),
        ):
            if not 0 <= decimals <= self.value_digits:
                raise ValidationError(
                    _LAYOUT_FIELD, f"{key} must be between 0 and {self.value_digits}"
                )

    @classmethod
    def parse(cls, text: str) -> EmbeddedLayout:
        """Read a layout stored in settings: "weight=21,22;price=23,24;item=5;value=5".

        Keys left out keep their defaults; "weight=" with nothing after it means no weight codes.
        Also understood: weight_decimals=, price_decimals=.
        """
        fields: dict[str, Any] = {}
        for part in text.split(";"):
            if not part.strip():
                continue
            key, sep, raw = part.partition("=")
            key, raw = key.strip().lower(), raw.strip()
            if not sep or key not in _LAYOUT_KEYS:
                raise ValidationError(_LAYOUT_FIELD, f"unknown setting {part.strip()!r}")
            name = _LAYOUT_KEYS[key]
            if name in fields:
                raise ValidationError(_LAYOUT_FIELD, f"{key} is given twice")
            if key in ("weight", "price"):
                fields[name] = tuple(p.strip() for p in raw.split(",") if p.strip())
            elif re.fullmatch(r"[0-9]{1,2}", raw):
                fields[name] = int(raw)
            else:
                raise ValidationError(_LAYOUT_FIELD, f"{key} must be a whole number")
        return cls(**fields)

    def to_text(self) -> str:
        """The settings text for this layout; `parse(layout.to_text()) == layout`."""
        parts = [
            f"weight={','.join(self.weight_prefixes)}",
            f"price={','.join(self.price_prefixes)}",
            f"item={self.item_digits}",
            f"value={self.value_digits}",
        ]
        # The decimals are rarely changed; leaving defaults out keeps the setting short.
        default = EmbeddedLayout()
        if self.weight_decimals != default.weight_decimals:
            parts.append(f"weight_decimals={self.weight_decimals}")
        if self.price_decimals != default.price_decimals:
            parts.append(f"price_decimals={self.price_decimals}")
        return ";".join(parts)


DEFAULT_LAYOUT = EmbeddedLayout()


def decode_embedded(code: str, layout: EmbeddedLayout = DEFAULT_LAYOUT) -> EmbeddedCode | None:
    """Decode a valid in-store EAN-13 whose prefix the layout knows; None for any other code."""
    if len(code) != 13 or not is_valid_gtin(code):
        return None
    prefix = code[:2]
    if prefix in layout.weight_prefixes:
        kind, decimals = EmbeddedKind.WEIGHT, layout.weight_decimals
    elif prefix in layout.price_prefixes:
        kind, decimals = EmbeddedKind.PRICE, layout.price_decimals
    else:
        return None
    item_end = 2 + layout.item_digits
    value = Decimal(int(code[item_end:12])).scaleb(-decimals)
    return EmbeddedCode(item_code=code[:item_end], kind=kind, value=value)
