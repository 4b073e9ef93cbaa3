"""Shelf and product labels printed on the receipt printer: name, price and barcode.

Pure and printer-free, like the receipt: `build_labels` lays out `count` copies of each
product's label for a roll of 32, 42 or 48 columns, each ending in a cut so the labels come
apart. A valid EAN-13, EAN-8 or UPC-A barcode is printed as that symbology (what the till's
scanner reads back); any other code (the shop's own, or the product code when there is no
barcode) as CODE128.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from posterm.domain.barcodes import BarcodeKind, classify
from posterm.domain.money import format_money
from posterm.domain.receipt import Barcode, Cut, ReceiptDocument, ReceiptElement, ReceiptLine

MAX_LABELS = 500  # of one product in one go: a typo of 1000 should not empty the roll
_SYMBOLOGY = {BarcodeKind.EAN13: "EAN13", BarcodeKind.EAN8: "EAN8", BarcodeKind.UPCA: "UPC-A"}


@dataclass(frozen=True, slots=True)
class LabelItem:
    name: str
    code: str
    barcode: str  # "" when the product has none: its code is printed instead
    price: Decimal
    unit: str
    count: int


def label_barcode(item: LabelItem) -> Barcode:
    data = item.barcode or item.code
    return Barcode(data, _SYMBOLOGY.get(classify(data), "CODE128"))


def _wrap(text: str, width: int, lines: int) -> list[str]:
    words, out, line = text.split(), [], ""
    for word in words:
        word = word[:width]
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        out.append(line)
    return out[:lines]


def build_labels(
    items: list[LabelItem], columns: int, currency_symbol: str = ""
) -> ReceiptDocument:
    """`count` labels of each item, in order: name (two lines at most), price, barcode, cut."""
    elements: list[ReceiptElement] = []
    for item in items:
        price = format_money(item.price, currency_symbol)
        per = "" if item.unit == "pcs" else f" / {item.unit}"
        big = f"{price}{per}"
        one = [
            *(ReceiptLine(line, "center", bold=True) for line in _wrap(item.name, columns, 2)),
            ReceiptLine(big, "center", bold=True, double=len(big) * 2 <= columns),
            label_barcode(item),
            Cut(),
        ]
        elements.extend(one * item.count)
    return ReceiptDocument(columns, tuple(elements))
