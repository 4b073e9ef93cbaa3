"""Tests for posterm.domain.barcodes: check digits, classification, in-store EAN-13s."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posterm.domain.barcodes import (
    DEFAULT_LAYOUT,
    BarcodeKind,
    EmbeddedCode,
    EmbeddedKind,
    EmbeddedLayout,
    classify,
    decode_embedded,
    ean_check_digit,
    equivalent_codes,
    is_valid_gtin,
    make_ean13,
)
from posterm.domain.errors import ValidationError

D = Decimal


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("400638133393", 1),  # EAN-13 4006381333931
        ("7351353", 7),  # EAN-8 73513537
        ("03600029145", 2),  # UPC-A 036000291452
        ("1001234567890", 2),  # GTIN-14 10012345678902
        ("890103086502", 2),  # an Indian (890) EAN-13
        ("000000000000", 0),
    ],
)
def test_ean_check_digit(body: str, check: int) -> None:
    assert ean_check_digit(body) == check


@pytest.mark.parametrize("body", ["", "12a4", "１２３", "12 3", "²"])
def test_ean_check_digit_rejects_non_digits(body: str) -> None:
    with pytest.raises(ValidationError):
        ean_check_digit(body)


@pytest.mark.parametrize(
    ("code", "valid", "kind"),
    [
        ("4006381333931", True, BarcodeKind.EAN13),
        ("73513537", True, BarcodeKind.EAN8),
        ("036000291452", True, BarcodeKind.UPCA),
        ("0036000291452", True, BarcodeKind.EAN13),
        ("10012345678902", True, BarcodeKind.GTIN14),
        ("8901030865022", True, BarcodeKind.EAN13),
        ("4006381333932", False, BarcodeKind.INVALID_CHECK),
        ("73513536", False, BarcodeKind.INVALID_CHECK),
        ("036000291453", False, BarcodeKind.INVALID_CHECK),
        ("10012345678903", False, BarcodeKind.INVALID_CHECK),
        ("400638133393", False, BarcodeKind.INVALID_CHECK),  # UPC-A length, wrong check digit
        ("SKU-1001", False, BarcodeKind.OTHER),
        ("1234", False, BarcodeKind.OTHER),
        ("123456789", False, BarcodeKind.OTHER),
        ("400638133393A", False, BarcodeKind.OTHER),
        (" 4006381333931", False, BarcodeKind.OTHER),
        ("", False, BarcodeKind.OTHER),
    ],
)
def test_validity_and_classify(code: str, valid: bool, kind: BarcodeKind) -> None:
    assert is_valid_gtin(code) is valid
    assert classify(code) is kind


def test_make_ean13() -> None:
    assert make_ean13("400638133393") == "4006381333931"
    assert make_ean13("210012301250") == "2100123012503"
    for bad in ["40063813339", "4006381333931", "40063813339x", ""]:
        with pytest.raises(ValidationError):
            make_ean13(bad)


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_make_ean13_is_always_valid(body: str) -> None:
    code = make_ean13(body)
    assert is_valid_gtin(code)
    assert classify(code) is BarcodeKind.EAN13


@settings(max_examples=200)
@given(
    st.text(alphabet="0123456789", min_size=12, max_size=12),
    st.integers(min_value=0, max_value=12),
    st.integers(min_value=1, max_value=9),
)
def test_single_digit_error_is_caught(body: str, position: int, delta: int) -> None:
    code = make_ean13(body)
    wrong = str((int(code[position]) + delta) % 10)
    misread = code[:position] + wrong + code[position + 1 :]
    assert not is_valid_gtin(misread)
    assert classify(misread) is BarcodeKind.INVALID_CHECK


def test_equivalent_codes() -> None:
    assert equivalent_codes("036000291452") == ("036000291452", "0036000291452")
    assert equivalent_codes("0036000291452") == ("0036000291452", "036000291452")
    assert equivalent_codes("4006381333931") == ("4006381333931",)
    assert equivalent_codes("SKU-1") == ("SKU-1",)
    assert equivalent_codes("036000291453") == ("036000291453",)


def test_default_layout() -> None:
    layout = EmbeddedLayout()
    assert layout == DEFAULT_LAYOUT
    assert layout.weight_prefixes == ("21", "22")
    assert layout.price_prefixes == ("23", "24")
    assert (layout.item_digits, layout.value_digits) == (5, 5)
    assert (layout.weight_decimals, layout.price_decimals) == (3, 2)
    assert layout.to_text() == "weight=21,22;price=23,24;item=5;value=5"


def test_layout_parse() -> None:
    text = "weight=21,22;price=23,24;item=5;value=5"
    assert EmbeddedLayout.parse(text) == EmbeddedLayout()
    assert EmbeddedLayout.parse("") == EmbeddedLayout()
    layout = EmbeddedLayout.parse(" Weight = 20 ; price= ; item=4; value=6; weight_decimals=3; ")
    assert layout == EmbeddedLayout(("20",), (), 4, 6, 3, 2)
    assert EmbeddedLayout.parse(layout.to_text()) == layout
    odd = EmbeddedLayout(("25",), ("26", "27"), 6, 4, 2, 0)
    assert (
        odd.to_text() == "weight=25;price=26,27;item=6;value=4;weight_decimals=2;price_decimals=0"
    )
    assert EmbeddedLayout.parse(odd.to_text()) == odd


@pytest.mark.parametrize(
    "text",
    [
        "weight=21;price=21",  # one prefix with two meanings
        "weight=2",
        "weight=210",
        "weight=19",
        "weight=30",
        "weight=ab",
        "item=5;value=4",  # must add up to 10
        "item=0;value=10",
        "item=x",
        "item=-1",
        "color=red",
        "weight",
        "item=5;item=5",
        "price_decimals=6",
    ],
)
def test_layout_parse_rejects(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        EmbeddedLayout.parse(text)
    assert caught.value.field == "barcode_layout"


def test_decode_weight_code() -> None:
    code = make_ean13("210012301250")  # item 00123, 01250 g
    assert decode_embedded(code) == EmbeddedCode("2100123", EmbeddedKind.WEIGHT, D("1.250"))
    result = decode_embedded(code, DEFAULT_LAYOUT)
    assert result is not None
    assert str(result.value) == "1.250"


def test_decode_price_code() -> None:
    code = make_ean13("240456700999")
    result = decode_embedded(code)
    assert result == EmbeddedCode("2404567", EmbeddedKind.PRICE, D("9.99"))
    assert result is not None
    assert str(result.value) == "9.99"


def test_decode_zero_and_largest_values() -> None:
    zero = decode_embedded(make_ean13("220000100000"))
    assert zero is not None
    assert str(zero.value) == "0.000"
    top = decode_embedded(make_ean13("239999999999"))
    assert top is not None
    assert top.value == D("999.99")


def test_decode_other_layouts() -> None:
    layout = EmbeddedLayout.parse("weight=28;price=29;item=4;value=6;price_decimals=2")
    weight = decode_embedded(make_ean13("281234001500"), layout)
    assert weight == EmbeddedCode("281234", EmbeddedKind.WEIGHT, D("1.500"))
    price = decode_embedded(make_ean13("299876123456"), layout)
    assert price == EmbeddedCode("299876", EmbeddedKind.PRICE, D("1234.56"))
    assert decode_embedded(make_ean13("210012301250"), layout) is None


@pytest.mark.parametrize(
    "code",
    [
        "4006381333931",  # a normal product
        "2500123012501",  # in-store but prefix not in the layout
        "2100123012508",  # right prefix, wrong check digit
        "210012301250",  # 12 digits
        "21001230125099",
        "SKU-1",
        "",
    ],
)
def test_decode_returns_none(code: str) -> None:
    assert decode_embedded(code) is None
