"""What a product form (or a service call) may store in a product, checked field by field.

pydantic does the checking so that every bad field is found in one pass and named: the form
shows each message next to its field. Values may come as typed text ("12.50", "yes") or as
Python values (Decimal, bool); money and quantities are parsed by the same rules as the till.
Uniqueness (code, barcodes) needs the database and is checked by the service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from pydantic import ValidationError as PydanticError

from posterm.domain.barcodes import BarcodeKind, classify
from posterm.domain.errors import ValidationError
from posterm.domain.money import MAX_QUANTITY, parse_money, parse_quantity

UNITS = ("pcs", "kg", "g", "l", "ml", "dozen")
STATUSES = ("active", "inactive", "discontinued")
WEIGHED_UNITS = ("kg", "g", "l", "ml")  # a product sold by weight (or volume) is in one of these
MAX_NAME = 120
MAX_CODE = 32
MAX_BARCODES = 10
MAX_ROW_ID = 2**31 - 1
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_HSN = re.compile(r"[0-9]{2,8}")
_YES = ("y", "yes", "true", "1", "on")
_NO = ("n", "no", "false", "0", "off", "")


class ProductInvalid(ValidationError):
    """Several fields may be bad at once: `errors` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        field, message = next(iter(self.errors.items()))
        super().__init__(field, message)
        if len(self.errors) > 1:
            self.args = (f"{field}: {message} (and {len(self.errors) - 1} more)",)


def split_barcodes(text: str) -> tuple[str, ...]:
    """Barcodes typed in one field, separated by spaces, commas or semicolons."""
    return tuple(part for part in re.split(r"[\s,;]+", text) if part)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


class ProductInput(BaseModel):
    """A whole product as it will be stored. `barcodes[0]` is the primary barcode."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: str
    code: str
    barcodes: tuple[str, ...] = ()
    category_id: int | None = None
    unit: Literal["pcs", "kg", "g", "l", "ml", "dozen"] = "pcs"
    sold_by_weight: bool = False
    price: Decimal
    cost: Decimal = Decimal(0)
    tax_rate_id: int | None = None
    hsn_code: str = ""
    min_stock: Decimal = Decimal(0)
    reorder_qty: Decimal = Decimal(0)
    status: Literal["active", "inactive", "discontinued"] = "active"
    track_expiry: bool = False
    opening_stock: Decimal = Decimal(0)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("is required")
        if len(value) > MAX_NAME:
            raise ValueError(f"at most {MAX_NAME} characters")
        return value

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not value:
            raise ValueError("is required")
        if len(value) > MAX_CODE:
            raise ValueError(f"at most {MAX_CODE} characters")
        if not _CODE.fullmatch(value):
            raise ValueError("letters, digits and . _ / - only, no spaces")
        return value.upper()

    @field_validator("barcodes", mode="before")
    @classmethod
    def _barcodes(cls, value: Any) -> tuple[str, ...]:
        if value is None:
            codes: tuple[str, ...] = ()
        elif isinstance(value, (list, tuple, set, frozenset)):
            codes = tuple(map(_text, value))
        else:  # text typed in one field, or a number a spreadsheet made of a barcode
            codes = split_barcodes(_text(value))
        codes = tuple(code.strip() for code in codes if code.strip())
        if len(codes) > MAX_BARCODES:
            raise ValueError(f"at most {MAX_BARCODES}")
        for code in codes:
            if len(code) > MAX_CODE:
                raise ValueError(f"{code[:12]}… is longer than {MAX_CODE} characters")
            if not code.isascii() or not code.isprintable() or " " in code:
                raise ValueError(f"{code} has characters a scanner cannot send")
            if classify(code) is BarcodeKind.INVALID_CHECK:
                raise ValueError(f"{code}: check digit is wrong")
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"{repeated[0]} is given twice")
        return codes

    @field_validator("category_id", "tax_rate_id", mode="before")
    @classmethod
    def _optional_id(cls, value: Any) -> Any:
        if isinstance(value, Decimal) and not value.is_finite():  # sNaN would raise on ==
            raise ValueError("choose one from the list")
        return None if value in ("", 0) else value

    @field_validator("category_id", "tax_rate_id")
    @classmethod
    def _id_in_range(cls, value: int | None) -> int | None:
        # A row id is a positive 32-bit integer; a bigger one would overflow the database's.
        if value is not None and not 0 < value <= MAX_ROW_ID:
            raise ValueError("choose one from the list")
        return value

    @field_validator("unit", "status", mode="before")
    @classmethod
    def _choice(cls, value: Any) -> Any:
        return _text(value).strip().lower()

    @field_validator("sold_by_weight", "track_expiry", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise ValueError("yes or no")

    @field_validator("price", "cost", mode="before")
    @classmethod
    def _money(cls, value: Any, info: Any) -> Decimal:
        if info.field_name == "cost" and _text(value).strip() == "":
            return Decimal(0)
        return _posterm(lambda: parse_money(_text(value), info.field_name))

    @field_validator("min_stock", "reorder_qty", "opening_stock", mode="before")
    @classmethod
    def _quantity(cls, value: Any, info: Any) -> Decimal:
        if _text(value).strip() == "":
            return Decimal(0)
        return _posterm(
            lambda: parse_quantity(
                _text(value), info.field_name, allow_zero=True, maximum=MAX_QUANTITY
            )
        )

    @field_validator("hsn_code")
    @classmethod
    def _hsn(cls, value: str) -> str:
        if value and not _HSN.fullmatch(value):
            raise ValueError("2 to 8 digits, or empty")
        return value

    @model_validator(mode="after")
    def _weighed(self) -> ProductInput:
        if self.sold_by_weight and self.unit not in WEIGHED_UNITS:
            raise PydanticCustomValue("unit", "a product sold by weight is in kg, g, l or ml")
        return self

    @property
    def barcode(self) -> str | None:
        """The primary barcode (None without one)."""
        return self.barcodes[0] if self.barcodes else None

    @property
    def extra_barcodes(self) -> tuple[str, ...]:
        return self.barcodes[1:]


class PydanticCustomValue(ValueError):
    """A rule across fields, blamed on one of them."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _posterm(parse: Any) -> Any:
    """Runs a posterm parser, turning its ValidationError into what pydantic collects."""
    try:
        return parse()
    except ValidationError as error:
        raise ValueError(error.message) from None


_PYDANTIC_MESSAGES = {
    "missing": "is required",
    "int_parsing": "choose one from the list",
    "int_type": "choose one from the list",
    "literal_error": "",  # filled in from the choices below
    "string_type": "must be text",
    "extra_forbidden": "is not a product field",
}
_CHOICES = {"unit": UNITS, "status": STATUSES}


def _message(error: Mapping[str, Any]) -> tuple[str, str]:
    location = error.get("loc") or ("product",)
    field = str(location[0])
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, PydanticCustomValue):
        return cause.field, cause.message
    if isinstance(cause, Exception):
        return field, str(cause)
    if kind == "literal_error" and field in _CHOICES:
        return field, "one of " + ", ".join(_CHOICES[field])
    return field, _PYDANTIC_MESSAGES.get(kind) or str(error.get("msg", "is not valid"))


def validate_product(data: Mapping[str, Any]) -> ProductInput:
    """The product `data` describes, or ProductInvalid naming every bad field."""
    try:
        return ProductInput.model_validate(dict(data))
    except PydanticError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field, message = _message(error)
            errors.setdefault(field, message)
        raise ProductInvalid(errors) from None
