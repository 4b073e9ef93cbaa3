"""Products and suppliers as CSV files: what a file may hold, how it is read and written.

Pure rules; `posterm.services.csv_import` checks the rows against the database and writes them.

Reading:
- UTF-8 with or without a byte-order mark; comma or semicolon between fields (taken from the
  header line), fields quoted the usual way ("a ""quoted"" word", "1; 2").
- A header row names the columns, in any order, in any case. Unknown or repeated columns are
  errors (a misspelt "prcie" would otherwise be ignored without a word).
- Empty lines are skipped. Rows are numbered as a spreadsheet shows them: the header is row 1.
- Numbers are plain: digits with an optional point ("1250", "28.50"); no thousands separators
  and no decimal comma, so "1,250" can never be read as 1.25 or 1250 by mistake.
- An empty cell of a number column, and of `name` and `unit`, means "not given": an existing
  product keeps its value, a new one takes the default (a new product needs a name and a
  price). An empty `barcode`, `barcodes`, `category`, `tax_rate` or `hsn` clears it.

Every problem is reported as row + column + reason; `errors` holds all of them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from posterm.domain.errors import ValidationError
from posterm.domain.money import (
    QUANTITY_PLACES,
    parse_money,
    parse_quantity,
    quantize_quantity,
)

PRODUCT_COLUMNS = (
    "code",
    "name",
    "barcode",
    "barcodes",
    "category",
    "unit",
    "price",
    "cost",
    "tax_rate",
    "hsn",
    "stock",
    "min_stock",
    "sold_by_weight",
)
SUPPLIER_COLUMNS = ("name", "contact_name", "phone", "email", "address", "tax_id", "notes")
UNITS = ("pcs", "kg", "g", "l", "ml", "dozen")
BARCODE_SEPARATOR = "|"

_LIMITS = {"code": 32, "name": 120, "barcode": 32, "category": 80, "hsn": 16}
_SUPPLIER_LIMITS = {
    "name": 120,
    "contact_name": 80,
    "phone": 20,
    "email": 120,
    "address": 500,
    "tax_id": 32,
    "notes": 1000,
}
_PLAIN_NUMBER = re.compile(r"-?[0-9]*\.?[0-9]+|-?[0-9]+\.")
_TRUE = {"1", "y", "yes", "true", "t"}
_FALSE = {"0", "n", "no", "false", "f"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        column = f", {self.column}" if self.column else ""
        return f"{where}{column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ProductRow:
    """One product line of a file; None is "not given" (see the module's rules)."""

    row: int
    code: str  # "" when not given
    name: str | None
    barcode: str | None  # "" clears it
    barcodes: tuple[str, ...] | None
    category: str | None  # "" clears it
    unit: str | None
    price: Decimal | None
    cost: Decimal | None
    tax_rate: Decimal | None  # percent; see `clears_tax_rate`
    clears_tax_rate: bool
    hsn: str | None
    stock: Decimal | None
    min_stock: Decimal | None
    sold_by_weight: bool | None

    def all_barcodes(self) -> tuple[str, ...]:
        main = (self.barcode,) if self.barcode else ()
        return main + (self.barcodes or ())


@dataclass(frozen=True, slots=True)
class SupplierRow:
    row: int
    name: str
    values: dict[str, str]  # the other columns the file has


@dataclass(frozen=True)
class ParsedFile:
    columns: tuple[str, ...]
    rows: list
    errors: list[RowError]


# --- reading ----------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8, a leading byte-order mark dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "file", f"is not UTF-8 text (byte {exc.start + 1}); save it as 'CSV UTF-8'"
        ) from None


def _delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    return ";" if unquoted.count(";") > unquoted.count(",") else ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, fields) of every non-empty record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    number = 0
    try:
        for fields in reader:
            number += 1
            if not fields or all(not field.strip() for field in fields):
                continue
            yield number, fields
    except csv.Error as exc:
        raise ValidationError("file", f"row {number + 1}: {exc}") from None


def _header(fields: list[str], known: tuple[str, ...], errors: list[RowError]) -> list[str | None]:
    columns: list[str | None] = []
    for field in fields:
        name = field.strip().lower()
        if name not in known:
            errors.append(RowError(1, field.strip(), f"unknown column (known: {', '.join(known)})"))
            columns.append(None)
        elif name in columns:
            errors.append(RowError(1, name, "column appears twice"))
            columns.append(None)
        else:
            columns.append(name)
    return columns


def _cells(
    number: int, fields: list[str], columns: list[str | None], errors: list[RowError]
) -> dict[str, str] | None:
    if len(fields) != len(columns):
        errors.append(
            RowError(number, "", f"has {len(fields)} fields, the header has {len(columns)}")
        )
        return None
    return {name: value.strip() for name, value in zip(columns, fields, strict=True) if name}


def parse_products(text: str) -> ParsedFile:
    """Every product row of a CSV file's text, and every problem found in it."""
    errors: list[RowError] = []
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise ValidationError("file", "is empty (it needs a header row and products)")
    columns = _header(first[1], PRODUCT_COLUMNS, errors)
    named = {c for c in columns if c}
    if not named & {"code", "barcode"}:
        errors.append(RowError(1, "code", "the header needs a code or a barcode column"))
    rows: list[ProductRow] = []
    codes: dict[str, int] = {}
    barcodes: dict[str, int] = {}
    for number, fields in records:
        cells = _cells(number, fields, columns, errors)
        if cells is None:
            continue
        row = _product(number, cells, errors)
        if row is None:
            continue
        if row.code:
            if row.code in codes:
                other = codes[row.code]
                errors.append(RowError(number, "code", f"{row.code} is also on row {other}"))
                continue
            codes[row.code] = number
        duplicate = False
        for code in row.all_barcodes():
            if code in barcodes:
                column = "barcode" if code == row.barcode else "barcodes"
                errors.append(RowError(number, column, f"{code} is also on row {barcodes[code]}"))
                duplicate = True
            barcodes.setdefault(code, number)
        if not duplicate:
            rows.append(row)
    if not rows and not errors:
        errors.append(RowError(0, "", "has a header but no products"))
    return ParsedFile(tuple(c for c in columns if c), rows, errors)


def _product(number: int, cells: dict[str, str], errors: list[RowError]) -> ProductRow | None:
    before = len(errors)

    def fail(column: str, reason: str) -> None:
        errors.append(RowError(number, column, reason))

    def text(column: str) -> str | None:
        if column not in cells:
            return None
        value = " ".join(cells[column].split())
        limit = _LIMITS.get(column)
        if limit and len(value) > limit:
            fail(column, f"longer than {limit} characters")
        return value

    def code_text(column: str, value: str | None) -> str | None:
        if value and any(ch.isspace() for ch in value):
            fail(column, "must not contain spaces")
        return value

    def decimal(column: str, parse) -> Decimal | None:
        value = cells.get(column, "")
        if not value:
            return None
        if not _PLAIN_NUMBER.fullmatch(value):
            fail(column, f"'{value[:20]}' is not a plain number (digits and a point, like 28.50)")
            return None
        try:
            return parse(value, column)
        except ValidationError as error:
            fail(column, error.message)
            return None

    code = code_text("code", text("code")) or ""
    name = text("name") or None
    barcode = code_text("barcode", text("barcode"))
    extra: tuple[str, ...] | None = None
    if "barcodes" in cells:
        parts = [p.strip() for p in cells["barcodes"].split(BARCODE_SEPARATOR)]
        extra = tuple(dict.fromkeys(p for p in parts if p))
        for part in extra:
            if len(part) > _LIMITS["barcode"] or any(ch.isspace() for ch in part):
                fail("barcodes", f"'{part[:40]}' is not a barcode (no spaces, at most 32)")
        if barcode and barcode in extra:
            extra = tuple(p for p in extra if p != barcode)
    unit = (text("unit") or "").lower() or None
    if unit is not None and unit not in UNITS:
        fail("unit", f"'{unit}' is not one of {', '.join(UNITS)}")
    sold_by_weight = None
    if cells.get("sold_by_weight"):
        flag = cells["sold_by_weight"].lower()
        if flag in _TRUE:
            sold_by_weight = True
        elif flag in _FALSE:
            sold_by_weight = False
        else:
            fail("sold_by_weight", f"'{flag[:20]}' is not yes/no (or true/false, 1/0)")
    if "tax_rate" in cells:  # "18%" is 18
        cells["tax_rate"] = cells["tax_rate"].removesuffix("%").strip()
    tax_rate = decimal("tax_rate", lambda v, f: parse_money(v, f, places=4, maximum=Decimal(100)))
    if not code and not barcode:
        fail("code", "every row needs a code or a barcode")
    row = ProductRow(
        row=number,
        code=code,
        name=name,
        barcode=barcode,
        barcodes=extra,
        category=text("category"),
        unit=unit,
        price=decimal("price", parse_money),
        cost=decimal("cost", lambda v, f: parse_money(v, f, places=4)),
        tax_rate=tax_rate,
        clears_tax_rate="tax_rate" in cells and not cells["tax_rate"],
        hsn=code_text("hsn", text("hsn")),
        stock=decimal("stock", _stock),
        min_stock=decimal("min_stock", lambda v, f: parse_quantity(v, f, allow_zero=True)),
        sold_by_weight=sold_by_weight,
    )
    return row if len(errors) == before else None


def _stock(value: str, field: str) -> Decimal:
    return parse_quantity(value, field, allow_zero=True, allow_negative=True)


def parse_suppliers(text: str) -> ParsedFile:
    errors: list[RowError] = []
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise ValidationError("file", "is empty (it needs a header row and suppliers)")
    columns = _header(first[1], SUPPLIER_COLUMNS, errors)
    if "name" not in columns:
        errors.append(RowError(1, "name", "the header needs a name column"))
    rows: list[SupplierRow] = []
    names: dict[str, int] = {}
    for number, fields in records:
        cells = _cells(number, fields, columns, errors)
        if cells is None:
            continue
        before = len(errors)
        values: dict[str, str] = {}
        for column, value in cells.items():
            value = value.strip() if column in ("address", "notes") else " ".join(value.split())
            if len(value) > _SUPPLIER_LIMITS[column]:
                errors.append(
                    RowError(number, column, f"longer than {_SUPPLIER_LIMITS[column]} characters")
                )
            values[column] = value
        name = values.pop("name", "")
        if not name:
            errors.append(RowError(number, "name", "is required"))
        elif name.lower() in names:
            errors.append(RowError(number, "name", f"{name} is also on row {names[name.lower()]}"))
        if values.get("email") and not _EMAIL.fullmatch(values["email"]):
            errors.append(RowError(number, "email", f"'{values['email'][:40]}' is not an email"))
        if len(errors) == before:
            names[name.lower()] = number
            rows.append(SupplierRow(number, name, values))
    if not rows and not errors:
        errors.append(RowError(0, "", "has a header but no suppliers"))
    return ParsedFile(tuple(c for c in columns if c), rows, errors)


# --- writing ----------------------------------------------------------------------------------


def money_text(value: Decimal) -> str:
    """28.5 -> "28.50"; 12.3456 -> "12.3456": exact, never grouped."""
    if value == value.quantize(Decimal("0.01")):
        return f"{value:.2f}"
    return f"{value.normalize():f}"


def quantity_text(value: Decimal) -> str:
    value = quantize_quantity(value)
    if value == value.to_integral_value():
        return f"{value:.0f}"
    return f"{value:.{QUANTITY_PLACES}f}".rstrip("0")


def rate_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}" if value else "0"


def write_rows(stream, columns: tuple[str, ...], rows: Iterable[Iterable[str]]) -> int:
    """Writes a header and the rows as CSV (comma, quotes where needed); returns the row count."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
