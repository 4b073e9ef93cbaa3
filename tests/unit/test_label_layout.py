"""Label layout: name, price and the right barcode symbology, `count` copies, each cut."""

from __future__ import annotations

from decimal import Decimal

from posterm.domain.labels import LabelItem, build_labels
from posterm.domain.receipt import Barcode, Cut, ReceiptLine, render_text


def _item(barcode: str, count: int = 1, unit: str = "pcs", name: str = "Tata Salt 1kg"):
    return LabelItem(name, "SALT1", barcode, Decimal("28.00"), unit, count)


def test_each_label_has_name_price_barcode_and_a_cut():
    doc = build_labels([_item("8901058000290", count=2)], 32, "Rs.")
    assert [type(e) for e in doc.elements] == [ReceiptLine, ReceiptLine, Barcode, Cut] * 2
    name, price = doc.elements[0], doc.elements[1]
    assert (name.text, name.bold, price.text, price.double) == (
        "Tata Salt 1kg",
        True,
        "Rs.28.00",
        True,
    )
    assert doc.elements[2] == Barcode("8901058000290", "EAN13")
    assert "|| 8901058000290 ||" in render_text(doc)


def test_symbology_follows_the_code():
    def symbology(code: str) -> str:
        return build_labels([_item(code)], 42).elements[2].symbology

    assert symbology("96385074") == "EAN8"
    assert symbology("049000028911") == "UPC-A"
    assert symbology("SHOP-17") == "CODE128"
    assert build_labels([_item("")], 42).elements[2] == Barcode("SALT1", "CODE128")


def test_long_names_wrap_to_two_lines_and_weighed_goods_show_the_unit():
    doc = build_labels(
        [_item("", unit="kg", name="Annapurna Gold Sona Masoori Rice Premium Pack")], 24
    )
    lines = [e for e in doc.elements if isinstance(e, ReceiptLine)]
    assert [line.text for line in lines[:2]] == ["Annapurna Gold Sona", "Masoori Rice Premium"]
    assert lines[2].text == "28.00 / kg"
    assert all(line.width <= 24 for line in lines)
