"""Hypothesis over whole records: product CSV files, the product and customer forms, the
terminal's config (TOML file and POSTERM_* variables), saved bills and cart arithmetic.

A bad record is refused with ValidationError (ConfigError for the config) naming what is
wrong; it never escapes as a ValueError, KeyError or decimal signal.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from posterm.config import Config, load_config
from posterm.domain import product_csv
from posterm.domain.cart import CartLine, Discount, compute_bill
from posterm.domain.customers import CustomerForm, check_customer
from posterm.domain.errors import ConfigError
from posterm.domain.money import MAX_MONEY, CashRounding
from posterm.domain.product_input import ProductInput, validate_product
from posterm.domain.sale import Tender, allocate_tenders
from tests.fuzz_inputs import UNIT, hostile_decimals, hostile_text, number_text, valid_or_refused

# --- product and supplier CSV files ------------------------------------------------------------

_cell = st.one_of(hostile_text, number_text, st.sampled_from(["", "kg", "pcs", "yes", "18%"]))


def _csv(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@st.composite
def product_files(draw) -> str:
    header = draw(
        st.lists(
            st.sampled_from([*product_csv.PRODUCT_COLUMNS, "prcie", "CODE"]),
            min_size=1,
            max_size=8,
        )
    )
    rows = draw(
        st.lists(st.lists(_cell, min_size=len(header), max_size=len(header) + 1), max_size=5)
    )
    return _csv(header, rows, draw(st.sampled_from([",", ";"])))


@UNIT
@given(st.one_of(product_files(), hostile_text))
@example('code,price\n"unclosed,1\n')
@example("code,price\nA\x00,1\n")
def test_product_files_parse_into_rows_and_errors(text):
    parsed = valid_or_refused(lambda: product_csv.parse_products(text))
    if parsed is None:
        return
    for error in parsed.errors:
        assert str(error).strip()
    for row in parsed.rows:
        assert row.code or row.barcode
        for value in (row.price, row.cost, row.stock, row.min_stock, row.tax_rate):
            assert value is None or value.is_finite()


@st.composite
def supplier_files(draw) -> str:
    header = draw(
        st.lists(st.sampled_from([*product_csv.SUPPLIER_COLUMNS, "fax"]), min_size=1, max_size=5)
    )
    rows = draw(st.lists(st.lists(_cell, min_size=len(header), max_size=len(header)), max_size=4))
    return _csv(header, rows, ",")


@UNIT
@given(st.one_of(supplier_files(), hostile_text))
def test_supplier_files_parse_into_rows_and_errors(text):
    parsed = valid_or_refused(lambda: product_csv.parse_suppliers(text))
    if parsed is not None:
        assert all(str(error).strip() for error in parsed.errors)


@UNIT
@given(st.binary(max_size=200))
@example(b"\xff\xfe")
@example(b"\xef\xbb\xbfcode\n")
def test_csv_bytes_decode_or_refuse(data):
    valid_or_refused(lambda: product_csv.decode(data))


# --- the product form --------------------------------------------------------------------------

_form_value = st.one_of(
    hostile_text,
    hostile_decimals,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.lists(hostile_text, max_size=3),
)


@UNIT
@given(
    st.dictionaries(
        st.sampled_from([*ProductInput.model_fields, "colour"]), _form_value, max_size=10
    )
)
@example({"name": "Salt", "code": "S1", "price": Decimal("sNaN")})
@example({"barcodes": 1.0})
@example({"name": None, "tax_rate_id": Decimal("sNaN")})
@example({"name": "Salt", "code": "S1", "price": float("nan"), "opening_stock": float("inf")})
@example({"name": "Salt", "code": "S1", "price": "1", "barcodes": "8901234567890 8901234567890"})
def test_product_form_validates_or_names_the_bad_fields(data):
    product = valid_or_refused(lambda: validate_product(data))
    if product is not None:
        assert product.name and product.code
        assert 0 <= product.price <= MAX_MONEY and product.price.is_finite()
        assert product.cost.is_finite() and product.opening_stock.is_finite()


# --- the customer form -------------------------------------------------------------------------


@UNIT
@given(
    st.builds(
        CustomerForm,
        name=hostile_text,
        phone=st.one_of(hostile_text, st.from_regex(r"\+?[0-9 \-]{6,16}", fullmatch=True)),
        email=st.one_of(hostile_text, st.emails()),
        address=hostile_text,
        tax_id=hostile_text,
        credit_limit=number_text,
        status=st.sampled_from(["active", "inactive", "blocked", "vip", " Active ", ""]),
        notes=hostile_text,
        code=hostile_text,
        card_barcode=hostile_text,
    ),
    st.decimals(min_value=0, max_value=MAX_MONEY, places=2),
)
def test_customer_form_checks_or_names_the_bad_fields(form, default_limit):
    fields = valid_or_refused(lambda: check_customer(form, default_limit))
    if fields is not None:
        assert fields.name
        assert 0 <= fields.credit_limit <= MAX_MONEY


# --- the terminal's config ---------------------------------------------------------------------

_config_keys = st.sampled_from([f.name for f in Config.__dataclass_fields__.values()] + ["colour"])
_toml_value = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**6), max_value=10**6),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.sampled_from(["~nobody-here/font.ttf", "~/x.ttf", "sqlite:///x.db", "network:127.0.0.1"]),
)


def _toml_string(text: str) -> str:
    escaped = "".join(
        ch if ch.isprintable() and ch not in '"\\' else f"\\u{ord(ch):04x}"
        for ch in text
        if ord(ch) <= 0xFFFF
    )
    return f'"{escaped}"'


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return _toml_string(value)


@UNIT
@given(st.dictionaries(_config_keys, _toml_value, max_size=5))
@example({"printer_font": "~nobody-here/font.ttf"})
@example({"printer_font": "\x00"})
@example({"receipt_columns": "9" * 5000})
def test_config_values_load_or_refuse_with_config_error(values):
    try:
        Config(**{k: v for k, v in values.items() if k != "colour"})
    except ConfigError as error:
        assert str(error).startswith("config key '")


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("config")


@UNIT
@given(
    st.one_of(
        st.dictionaries(_config_keys, _toml_value, max_size=4).map(
            lambda d: "".join(f"{key} = {_toml(value)}\n" for key, value in d.items())
        ),
        hostile_text,
    ),
    st.dictionaries(
        _config_keys.map(lambda key: "POSTERM_" + key.upper()),
        hostile_text.filter(lambda t: "\x00" not in t),
        max_size=3,
    ),
)
def test_config_file_and_environment_load_or_refuse(config_dir, toml_text, env):
    path = config_dir / "posterm.toml"
    path.write_text(toml_text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in env.items():
            patch.setenv(variable, value)
        try:
            config = load_config(path)
        except ConfigError as error:
            assert str(error).strip()
        else:
            assert 1 <= len(config.terminal) <= 32


# --- saved bills and cart arithmetic -----------------------------------------------------------


@UNIT
@given(
    st.lists(
        st.builds(
            CartLine,
            product_id=st.integers(1, 5),
            name=st.text(max_size=8),
            unit_price=hostile_decimals,
            quantity=hostile_decimals,
            tax_rate=st.one_of(hostile_decimals, st.sampled_from([Decimal(0), Decimal(18)])),
            line_discount=st.one_of(
                st.none(),
                st.builds(Discount, st.sampled_from(["amount", "percent"]), hostile_decimals),
            ),
        ),
        max_size=4,
    ),
    st.one_of(
        st.none(), st.builds(Discount, st.sampled_from(["amount", "percent"]), hostile_decimals)
    ),
    st.booleans(),
    st.sampled_from(list(CashRounding)),
    st.lists(
        st.builds(
            Tender, st.sampled_from(["cash", "upi", "card", "credit", "gold"]), hostile_decimals
        ),
        max_size=3,
    ),
    st.booleans(),
)
def test_bill_arithmetic_and_tenders_compute_or_refuse(
    lines, discount, inclusive, rounding, tenders, customer
):
    totals = valid_or_refused(lambda: compute_bill(lines, discount, inclusive, rounding, 2))
    if totals is None:
        return
    assert totals.total_due.is_finite() and totals.total_due >= 0
    allocation = valid_or_refused(
        lambda: allocate_tenders(totals.total_due, tenders, customer_attached=customer)
    )
    if allocation is not None:
        paid = sum((p.amount for p in allocation.payments), Decimal(0))
        assert paid == totals.total_due
        assert allocation.change >= 0 and allocation.credit_amount >= 0
