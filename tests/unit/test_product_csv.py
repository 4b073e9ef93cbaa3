"""Reading product and supplier CSV files: encodings, separators, quotes, every bad row named."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from posterm.domain.errors import ValidationError
from posterm.domain.product_csv import (
    PRODUCT_COLUMNS,
    decode,
    money_text,
    parse_products,
    parse_suppliers,
    quantity_text,
    write_rows,
)

D = Decimal


def test_bom_semicolons_quotes_any_case_and_order():
    data = (
        "\ufeffNAME;Code;Price;barcodes;Sold_By_Weight;TAX_RATE\r\n"
        '"Toor Dal; Loose";21001;120.5;"111|222";yes;5%\r\n'
        '"Say ""Cheese""";P2;10;;no;\r\n'
    ).encode()

    parsed = parse_products(decode(data))

    assert parsed.errors == []
    dal, cheese = parsed.rows
    assert (dal.code, dal.name, dal.price) == ("21001", "Toor Dal; Loose", D("120.50"))
    assert dal.barcodes == ("111", "222") and dal.sold_by_weight is True
    assert dal.tax_rate == D(5) and not dal.clears_tax_rate
    assert cheese.name == 'Say "Cheese"' and cheese.clears_tax_rate
    assert cheese.barcodes == () and dal.stock is None  # no stock column: left alone


def test_empty_lines_are_skipped_but_rows_keep_their_spreadsheet_numbers():
    parsed = parse_products("code,name,price\n\nA1,Apple,10\n,,\nB1,Bun,x\n")
    assert [row.code for row in parsed.rows] == ["A1"]
    assert [str(e) for e in parsed.errors] == [
        "row 5, price: 'x' is not a plain number (digits and a point, like 28.50)"
    ]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1,250", "not a plain number"),
        ("12,50", "not a plain number"),
        ("-3", "must not be negative"),
        ("12.345", "at most 2 decimal places"),
        ("1e3", "not a plain number"),
        ("100000000", "must be at most"),
    ],
)
def test_bad_prices(cell, reason):
    parsed = parse_products(f'code,name,price\nA1,Apple,"{cell}"\n')
    assert parsed.rows == []
    ((error),) = parsed.errors
    assert (error.row, error.column) == (2, "price") and reason in error.reason


def test_every_bad_row_and_column_is_reported():
    parsed = parse_products(
        "code,name,price,unit,sold_by_weight,stock,barcode,prcie\n"
        "A 1,Apple,10,box,maybe,1.2345,111,\n"
        "B1,Bun,5,pcs,no,2,111\n"
    )
    found = {(e.row, e.column) for e in parsed.errors}
    assert found == {
        (1, "prcie"),
        (2, "code"),
        (2, "unit"),
        (2, "sold_by_weight"),
        (2, "stock"),
        (3, ""),  # 7 fields under an 8-column header
    }


def test_duplicates_within_the_file():
    parsed = parse_products(
        "code,name,price,barcode,barcodes\nA1,A,1,111,\nA1,B,1,222,\nC1,C,1,333,111|444\n"
    )
    assert [str(e) for e in parsed.errors] == [
        "row 3, code: A1 is also on row 2",
        "row 4, barcodes: 111 is also on row 2",
    ]


def test_file_level_problems():
    with pytest.raises(ValidationError, match="not UTF-8"):
        decode(b"code,name\nA1,Caf\xe9\n")
    with pytest.raises(ValidationError, match="empty"):
        parse_products("\n\n")
    assert "needs a code or a barcode" in str(parse_products("name,price\nA,1\n").errors[0])
    assert "no products" in str(parse_products("code,name\n").errors[0])
    with pytest.raises(ValidationError, match="row 2"):
        parse_products('code,name\nA1,"unclosed\n')


def test_suppliers():
    parsed = parse_suppliers(
        "Name;Phone;Email;Address\n"
        'Jaipur Traders;98290 12345;a@b.in;"Line 1\nLine 2"\n'
        "jaipur traders;;;\n"
        ";1;;\n"
        "X;;not-an-email;\n"
    )
    assert [row.name for row in parsed.rows] == ["Jaipur Traders"]
    assert parsed.rows[0].values["address"] == "Line 1\nLine 2"
    # A quoted field over two lines is one row, as a spreadsheet shows it.
    assert [(e.row, e.column) for e in parsed.errors] == [(3, "name"), (4, "name"), (5, "email")]


def test_written_numbers_read_back_exactly():
    assert (money_text(D("28.5")), money_text(D("12.3456")), money_text(D(0))) == (
        "28.50",
        "12.3456",
        "0.00",
    )
    assert (quantity_text(D("2.500")), quantity_text(D(3)), quantity_text(D("-0.125"))) == (
        "2.5",
        "3",
        "-0.125",
    )
    out = io.StringIO()
    row = ["A1", 'Say "hi", ok', "", "", "", "pcs", "1.00", "0.5000", "", "", "2.5", "0", "no"]
    write_rows(out, PRODUCT_COLUMNS, [row])
    (back,) = parse_products(out.getvalue()).rows
    assert back.name == 'Say "hi", ok' and back.stock == D("2.5") and back.cost == D("0.5")
