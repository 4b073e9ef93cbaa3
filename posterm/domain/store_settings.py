"""Store-wide settings (kept in the database, edited by the owner): names, types, defaults, rules.

Each setting parses the text a person types into its value, or raises ValidationError naming
the key; values are stored back as their canonical text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posterm.domain.barcodes import DEFAULT_LAYOUT, EmbeddedLayout
from posterm.domain.bill_numbers import DEFAULT_FORMAT, validate_format
from posterm.domain.errors import ValidationError
from posterm.domain.money import CashRounding, parse_money
from posterm.domain.sale import parse_tender_methods
from posterm.domain.shifts import (
    DEFAULT_DENOMINATIONS,
    denominations_text,
    parse_denominations,
    parse_sale_needs_shift,
)


def _text(max_length: int) -> Callable[[str, str], str]:
    def parse(key: str, text: str) -> str:
        value = text.strip()
        if len(value) > max_length:
            raise ValidationError(key, f"at most {max_length} characters")
        return value

    return parse


def _required_text(max_length: int) -> Callable[[str, str], str]:
    def parse(key: str, text: str) -> str:
        value = _text(max_length)(key, text)
        if not value:
            raise ValidationError(key, "must not be empty")
        return value

    return parse


def _multiline(key: str, text: str) -> str:
    # A receipt header or footer: "\n" typed on the command line means a new line.
    value = text.replace("\\n", "\n").strip("\n")
    if len(value) > 400 or value.count("\n") > 7:
        raise ValidationError(key, "at most 8 lines and 400 characters")
    return value


def _boolean(key: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise ValidationError(key, "must be true or false")


def _integer(minimum: int, maximum: int) -> Callable[[str, str], int]:
    def parse(key: str, text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise ValidationError(key, "must be a whole number") from None
        if not minimum <= value <= maximum:
            raise ValidationError(key, f"must be between {minimum} and {maximum}")
        return value

    return parse


def _money(key: str, text: str) -> Decimal:
    return parse_money(text, key)


def _positive_money(key: str, text: str) -> Decimal:
    value = parse_money(text, key)
    if value <= 0:
        raise ValidationError(key, "must be more than zero")
    return value


def _percent(key: str, text: str) -> Decimal:
    value = parse_money(text, key, maximum=Decimal(100))
    return value


def _currency_code(key: str, text: str) -> str:
    value = text.strip().upper()
    if not (len(value) == 3 and value.isascii() and value.isalpha()):
        raise ValidationError(key, "must be a 3-letter ISO 4217 code such as INR")
    return value


def _timezone(key: str, text: str) -> str:
    value = text.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(key, f"unknown timezone '{value}' (e.g. Asia/Kolkata)") from None
    return value


def _bill_format(key: str, text: str) -> str:
    return validate_format(text)


def _document_format(key: str, text: str) -> str:
    # The number format of returns and voids: the same rules as bill numbers, named by key.
    try:
        return validate_format(text)
    except ValidationError as exc:
        raise ValidationError(key, exc.message) from None


def _cash_rounding(key: str, text: str) -> CashRounding:
    return CashRounding.parse(text, key)


def _tender_methods(key: str, text: str) -> str:
    # Kept as canonical text ("bkash,yape"); posterm.domain.sale.tender_methods() reads it.
    return ",".join(parse_tender_methods(text, key))


def _barcode_layout(key: str, text: str) -> str:
    return EmbeddedLayout.parse(text).to_text()


def _sale_needs_shift(key: str, text: str) -> str:
    return parse_sale_needs_shift(key, text)


def _cash_denominations(key: str, text: str) -> str:
    # Kept as canonical text ("500,100,10"); posterm.domain.shifts.parse_denominations reads it.
    return denominations_text(parse_denominations(key, text))


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    default: str
    parse_text: Callable[[str, str], Any]

    def parse(self, text: str) -> Any:
        if "\x00" in text:
            raise ValidationError(self.key, "contains a NUL character")
        return self.parse_text(self.key, text)

    def to_text(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("store_name", "Store name", "My Shop", _required_text(60)),
    SettingSpec("store_address", "Address", "", _multiline),
    SettingSpec("store_phone", "Phone", "", _text(30)),
    SettingSpec("store_tax_id", "Tax id (GSTIN)", "", _text(30)),
    SettingSpec("currency_code", "Currency code", "INR", _currency_code),
    SettingSpec("currency_symbol", "Currency symbol", "₹", _required_text(4)),
    SettingSpec("prices_include_tax", "Prices include tax (MRP)", "true", _boolean),
    SettingSpec("default_tax_rate", "Default tax rate %", "0", _percent),
    SettingSpec("receipt_header", "Receipt header", "", _multiline),
    SettingSpec("receipt_footer", "Receipt footer", "Thank you! Visit again.", _multiline),
    SettingSpec("bill_number_format", "Bill number format", DEFAULT_FORMAT, _bill_format),
    SettingSpec(
        "return_number_format", "Return number format", "RET-YYYY-NNNNNN", _document_format
    ),
    SettingSpec("void_number_format", "Void number format", "VOID-YYYY-NNNNNN", _document_format),
    SettingSpec("default_credit_limit", "Default credit limit", "2000.00", _money),
    # Discounts (line and bill together) above this share of a bill need the right to give
    # them (a cashier: a manager's approval); 100 means no limit.
    SettingSpec(
        "discount_limit_percent",
        "Largest discount without a manager (% of the bill)",
        "100",
        _percent,
    ),
    SettingSpec("allow_negative_stock", "Allow negative stock", "false", _boolean),
    SettingSpec("cash_rounding", "Cash rounding", "none", _cash_rounding),
    SettingSpec(
        "extra_tender_methods", "Extra payment methods (comma-separated)", "", _tender_methods
    ),
    SettingSpec("timezone", "Timezone", "Asia/Kolkata", _timezone),
    SettingSpec("merge_repeat_scans", "Scanning an item again adds to its line", "true", _boolean),
    SettingSpec(
        "barcode_layout", "Weight/price label layout", DEFAULT_LAYOUT.to_text(), _barcode_layout
    ),
    SettingSpec("purchase_updates_cost", "A purchase sets each product's cost", "true", _boolean),
    # Customers and credit (udhaar), loyalty points.
    SettingSpec(
        "allow_customer_advance",
        "A payment above the balance becomes an advance",
        "false",
        _boolean,
    ),
    SettingSpec("loyalty_enabled", "Loyalty points on", "false", _boolean),
    SettingSpec("loyalty_points_per_100", "Loyalty points per 100 spent", "1", _money),
    SettingSpec("loyalty_point_value", "Value of one loyalty point", "1.00", _positive_money),
    # Shifts and cash (issue 7).
    SettingSpec(
        "sale_needs_shift",
        "A sale needs an open shift (auto: once one was opened on the till)",
        "auto",
        _sale_needs_shift,
    ),
    SettingSpec(
        "cash_denominations",
        "Notes and coins counted at shift close",
        DEFAULT_DENOMINATIONS,
        _cash_denominations,
    ),
    SettingSpec("login_max_failures", "Failed logins before lock", "5", _integer(1, 100)),
    SettingSpec("login_lockout_minutes", "Lockout minutes", "5", _integer(1, 24 * 60)),
)
BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SPECS}


def spec_for(key: str) -> SettingSpec:
    try:
        return BY_KEY[key]
    except KeyError:
        raise ValidationError(key, "no such setting (see `posterm settings list`)") from None


@dataclass(frozen=True)
class StoreSettings:
    """Every store setting, parsed; built from the stored texts with defaults for the rest."""

    values: dict[str, Any]

    @classmethod
    def from_texts(cls, stored: dict[str, str]) -> StoreSettings:
        values = {}
        for spec in SPECS:
            text = stored.get(spec.key, spec.default)
            try:
                values[spec.key] = spec.parse(text)
            except ValidationError:
                # A value stored by an older or newer rule falls back rather than stop the till.
                values[spec.key] = spec.parse(spec.default)
        return cls(values)

    def __getattr__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(key) from None
