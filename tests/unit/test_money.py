"""Tests for posterm.domain.money: parsing, rounding, formatting and cash rounding."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posterm.domain.errors import ValidationError
from posterm.domain.money import (
    MONEY_PLACES,
    QUANTITY_PLACES,
    CashRounding,
    format_money,
    format_quantity,
    parse_money,
    parse_quantity,
    quantize_money,
    quantize_quantity,
    round_cash,
)

D = Decimal


def test_constants() -> None:
    assert MONEY_PLACES == 4
    assert QUANTITY_PLACES == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12.00"),
        ("12.5", "12.50"),
        (" 1,234.50 ", "1234.50"),
        ("1,234,567.89", "1234567.89"),
        ("12,34,567", "1234567"),  # Indian grouping as typed in Indian shops
        ("0", "0"),
        ("-0", "0"),
        (".5", "0.50"),
        ("5.", "5"),
        ("+7", "7"),
        ("12.500", "12.50"),  # trailing zeros are not extra precision
        ("99999999.99", "99999999.99"),
    ],
)
def test_parse_money_accepts(text: str, expected: str) -> None:
    value = parse_money(text)
    assert value == D(expected)
    assert value.as_tuple().exponent == -2
    assert not value.is_signed()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is required"),
        ("   ", "is required"),
        ("abc", "not a number"),
        ("12abc", "not a number"),
        ("NaN", "not a number"),
        ("nan", "not a number"),
        ("Infinity", "not a number"),
        ("-inf", "not a number"),
        ("1e3", "not a number"),
        ("1E-2", "not a number"),
        ("1,2", "not a number"),
        ("1,2345", "not a number"),
        ("12,", "not a number"),
        ("1.2.3", "not a number"),
        ("--1", "not a number"),
        (".", "not a number"),
        ("٣", "not a number"),
        ("1.234", "at most 2 decimal places"),
        ("0.001", "at most 2 decimal places"),
        ("-1", "must not be negative"),
        ("-0.01", "must not be negative"),
        ("100000000", "must be at most 99,999,999.99"),
        ("99999999.991", "at most 2 decimal places"),
        ("9" * 200, "must be at most 99,999,999.99"),
    ],
)
def test_parse_money_rejects(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_money(text, "price")
    assert caught.value.field == "price"
    assert caught.value.message == message
    assert str(caught.value) == f"price: {message}"


def test_parse_money_options() -> None:
    assert parse_money("-5.25", allow_negative=True) == D("-5.25")
    assert parse_money("1.2345", places=4) == D("1.2345")
    assert parse_money("7", places=0) == D("7")
    with pytest.raises(ValidationError, match="whole number"):
        parse_money("7.5", places=0)
    with pytest.raises(ValidationError, match=r"at most 500\.00"):
        parse_money("500.01", maximum=D("500"))
    with pytest.raises(ValidationError, match=r"at least -500\.00"):
        parse_money("-500.01", allow_negative=True, maximum=D("500"))
    assert parse_money("1.5").as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", "3"),
        ("0.25", "0.250"),
        ("1.5", "1.5"),
        (" 1,000 ", "1000"),
        ("99999.999", "99999.999"),
    ],
)
def test_parse_quantity_accepts(text: str, expected: str) -> None:
    value = parse_quantity(text)
    assert value == D(expected)
    assert value.as_tuple().exponent == -3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is required"),
        ("x", "not a number"),
        ("0", "must be more than zero"),
        ("0.000", "must be more than zero"),
        ("-1", "must not be negative"),
        ("0.0001", "at most 3 decimal places"),
        ("100000", "must be at most 99999.999"),
        ("1e2", "not a number"),
    ],
)
def test_parse_quantity_rejects(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_quantity(text)
    assert caught.value.field == "quantity"
    assert caught.value.message == message


def test_parse_quantity_options() -> None:
    assert parse_quantity("0", allow_zero=True) == 0
    assert parse_quantity("-2", allow_negative=True) == D("-2")
    with pytest.raises(ValidationError, match="at most 10"):
        parse_quantity("11", maximum=D("10"))
    with pytest.raises(ValidationError, match="weight: "):
        parse_quantity("abc", "weight")


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("2.345", 2, "2.35"),  # half up, not banker's rounding (which gives 2.34)
        ("2.355", 2, "2.36"),
        ("2.344999", 2, "2.34"),
        ("-2.345", 2, "-2.35"),  # a return mirrors the sale
        ("0.005", 2, "0.01"),
        ("1.00005", 4, "1.0001"),
        ("12", 2, "12.00"),
        ("0.5", 0, "1"),
    ],
)
def test_quantize_money_half_up(value: str, places: int, expected: str) -> None:
    result = quantize_money(D(value), places)
    assert result == D(expected)
    assert str(result) == expected


def test_quantize_quantity() -> None:
    assert str(quantize_quantity(D("0.2505"))) == "0.251"
    assert str(quantize_quantity(D("3"))) == "3.000"


@pytest.mark.parametrize(
    ("value", "symbol", "expected"),
    [
        ("1234.5", "", "1,234.50"),
        ("-1234.5", "", "-1,234.50"),
        ("1234.5", "₹", "₹1,234.50"),
        ("-5", "₹", "-₹5.00"),
        ("0", "Rs.", "Rs.0.00"),
        ("-0.001", "", "0.00"),  # no "-0.00"
        ("1234567.891", "", "1,234,567.89"),
        ("0.125", "", "0.13"),
        ("999", "", "999.00"),
    ],
)
def test_format_money(value: str, symbol: str, expected: str) -> None:
    assert format_money(D(value), symbol) == expected


def test_format_money_places() -> None:
    assert format_money(D("1234.5"), places=3) == "1,234.500"
    assert format_money(D("1234.5"), places=0) == "1,235"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", "3"),
        ("3.000", "3"),
        ("0.25", "0.250"),
        ("1.5", "1.500"),
        ("12.345", "12.345"),
        ("-2", "-2"),
        ("-0.5", "-0.500"),
        ("0", "0"),
        ("1234", "1234"),
    ],
)
def test_format_quantity(value: str, expected: str) -> None:
    assert format_quantity(D(value)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", CashRounding.NONE),
        (" None ", CashRounding.NONE),
        ("0.05", CashRounding.STEP_0_05),
        ("0.1", CashRounding.STEP_0_10),
        ("0.10", CashRounding.STEP_0_10),
        ("0.5", CashRounding.STEP_0_50),
        ("0.50", CashRounding.STEP_0_50),
        ("1", CashRounding.STEP_1_00),
        ("1.00", CashRounding.STEP_1_00),
    ],
)
def test_cash_rounding_parse(text: str, expected: CashRounding) -> None:
    assert CashRounding.parse(text) is expected


@pytest.mark.parametrize("text", ["", "0", "0.01", "0.25", "2", "-1", "1e0", "abc", "half"])
def test_cash_rounding_parse_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CashRounding.parse(text)
    assert caught.value.field == "cash_rounding"


def test_cash_rounding_round_trips_through_its_text() -> None:
    for member in CashRounding:
        assert CashRounding.parse(str(member)) is member
        assert CashRounding(member.value) is member
    assert CashRounding.NONE.step is None
    assert CashRounding.STEP_0_05.step == D("0.05")


@pytest.mark.parametrize(
    ("total", "rounding", "expected"),
    [
        ("10.03", CashRounding.NONE, "10.03"),
        ("10.02", CashRounding.STEP_0_05, "10.00"),
        ("10.03", CashRounding.STEP_0_05, "10.05"),
        ("10.025", CashRounding.STEP_0_05, "10.050"),
        ("10.07", CashRounding.STEP_0_05, "10.05"),
        ("10.08", CashRounding.STEP_0_05, "10.10"),
        ("10.04", CashRounding.STEP_0_10, "10.00"),
        ("10.05", CashRounding.STEP_0_10, "10.10"),
        ("10.24", CashRounding.STEP_0_50, "10.00"),
        ("10.25", CashRounding.STEP_0_50, "10.50"),
        ("10.49", CashRounding.STEP_1_00, "10.00"),
        ("10.50", CashRounding.STEP_1_00, "11.00"),
        ("-10.50", CashRounding.STEP_1_00, "-11.00"),
        ("0.00", CashRounding.STEP_1_00, "0.00"),
        ("104.99", CashRounding.STEP_1_00, "105.00"),
    ],
)
def test_round_cash(total: str, rounding: CashRounding, expected: str) -> None:
    result = round_cash(D(total), rounding)
    assert result == D(expected)
    assert result.as_tuple().exponent == D(total).as_tuple().exponent  # keeps the total's places


money_values = st.decimals(
    min_value=D("-99999999.99"), max_value=D("99999999.99"), places=2, allow_nan=False
)


@settings(max_examples=200)
@given(money_values)
def test_format_then_parse_round_trips(value: Decimal) -> None:
    assert parse_money(format_money(value), allow_negative=True) == value


@settings(max_examples=200)
@given(money_values, st.sampled_from([m for m in CashRounding if m.step is not None]))
def test_round_cash_is_nearest_multiple(total: Decimal, rounding: CashRounding) -> None:
    step = rounding.step
    assert step is not None
    result = round_cash(total, rounding)
    assert result % step == 0
    assert abs(result - total) <= step / 2
    assert round_cash(-total, rounding) == -result  # symmetric: returns mirror sales
    assert round_cash(result, rounding) == result


@settings(max_examples=200)
@given(st.decimals(min_value=D("0.001"), max_value=D("99999.999"), places=3, allow_nan=False))
def test_quantity_format_then_parse_round_trips(value: Decimal) -> None:
    assert parse_quantity(format_quantity(value)) == value
