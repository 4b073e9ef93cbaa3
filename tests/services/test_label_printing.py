"""Printing labels of chosen products on the receipt printer, on both databases."""

from __future__ import annotations

import pytest

from posterm.domain.barcodes import make_ean13
from posterm.domain.errors import NotFound, PrinterError, ValidationError
from posterm.hardware.fakes.escpos_decode import decode
from posterm.hardware.printer import FilePrinter, NullPrinter
from posterm.services import labels


def test_labels_reach_the_printer_with_a_count_per_product(make_product, tmp_path):
    salt = make_product("Tata Salt 1kg", "28.00")
    atta = make_product("Aashirvaad Atta 5kg", "285.00")
    atta.barcode = make_ean13("890172500037")
    atta.save()
    target = tmp_path / "printer.bin"
    printed = labels.print_labels([(atta.id, 2), (salt.id, 1)], FilePrinter(target), 42)
    assert printed == 3
    decoded = decode(target.read_bytes())
    assert decoded.barcodes == [
        ("EAN13", atta.barcode),
        ("EAN13", atta.barcode),
        ("CODE128", salt.barcode),  # the fixture's barcode is no GTIN: the shop's own code
    ]
    assert decoded.cuts == 3
    assert decoded.text_lines.count("Aashirvaad Atta 5kg") == 2
    assert "Rs.285.00" in decoded.text_lines  # ₹ is not in the printer's code pages


def test_bad_counts_unknown_products_and_no_printer_are_refused(make_product, tmp_path):
    salt = make_product()
    with pytest.raises(ValidationError, match="count"):
        labels.print_labels([(salt.id, 0)], FilePrinter(tmp_path / "p"), 42)
    with pytest.raises(NotFound):
        labels.print_labels([(9999, 1)], FilePrinter(tmp_path / "p"), 42)
    with pytest.raises(PrinterError, match="no printer"):
        labels.print_labels([(salt.id, 1)], NullPrinter(), 42)
    assert not (tmp_path / "p").exists()
