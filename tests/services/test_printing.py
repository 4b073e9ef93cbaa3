"""Printing receipts after checkout, on both databases: layout, the printed mark, failures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from posterm.data.database import write_transaction
from posterm.data.models import Sale
from posterm.domain.cart import Discount
from posterm.domain.errors import PrinterError
from posterm.domain.money import format_money
from posterm.domain.receipt import RECEIPT_COLUMNS, ReceiptDocument
from posterm.domain.returns import ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.hardware.fakes.escpos_decode import decode
from posterm.hardware.printer import FilePrinter, NullPrinter
from posterm.services import checkout, returns
from posterm.services.printing import print_sale, receipt_document, receipt_preview
from posterm.services.settings import set_setting

D = Decimal


class RecordingPrinter:
    """A printer that keeps what it is sent, or fails like a printer gone offline."""

    def __init__(self, fail: bool = False, error: Exception | None = None) -> None:
        self.fail = fail
        self.error = error or PrinterError("printer offline")
        self.documents: list[ReceiptDocument] = []

    def print_document(self, doc: ReceiptDocument) -> None:
        if self.fail:
            raise self.error
        self.documents.append(doc)

    def kick_drawer(self) -> None:
        pass


@pytest.fixture
def shop(owner):
    for key, value in {
        "store_name": "Sharma General Store",
        "store_address": "12, MG Road\\nIndiranagar, Bengaluru 560038",
        "store_phone": "080 4123 4567",
        "store_tax_id": "29ABCDE1234F1Z5",
        "receipt_footer": "Thank you! Visit again.",
        "cash_rounding": "1.00",
    }.items():
        set_setting(owner, key, value)
    return owner


@pytest.fixture
def credit_sale(shop, make_product, make_customer):
    """Four lines at three tax rates, a line discount, UPI, cash with change and credit."""
    salt = make_product("Tata Salt 1kg", "28.00", tax="GST 5%")
    oil = make_product("Fortune Sunflower Refined Oil 1 litre pouch", "165.00", tax="GST 5%")
    soap = make_product("Lux Soap 100g", "118.00", tax="GST 18%")
    dal = make_product(
        "Loose Toor Dal", "141.00", stock="20", tax="GST 0%", unit="kg", by_weight=True
    )
    ramesh = make_customer("Ramesh Gupta", credit_limit="2000")
    request = CheckoutRequest(
        cart_id=uuid4(),
        lines=[
            SaleLineRequest(salt.id, D(2)),
            SaleLineRequest(oil.id, D(1), line_discount=Discount.amount(D(10))),
            SaleLineRequest(soap.id, D(3)),
            SaleLineRequest(dal.id, D("0.750")),
        ],
        customer_id=ramesh.id,
        tenders=[
            Tender("upi", D(100), "UPI-4471"),
            Tender("credit", D(300)),
            Tender("cash", D(500)),
        ],
    )
    return checkout.checkout(shop, request)


def test_a_realistic_sale_previews_at_every_width(credit_sale):
    sale = credit_sale
    assert sale.round_off and sale.change and sale.credit_amount  # the sale shows them all
    for columns in RECEIPT_COLUMNS:
        text = receipt_preview(sale.id, columns)
        lines = text.splitlines()
        assert max(len(x) for x in lines) <= columns
        assert sale.bill_number in text and "Sharma General" in text
        assert "GSTIN: 29ABCDE1234F1Z5" in text and "Customer: Ramesh Gupta" in text
        for rate in ("0%", "5%", "18%"):
            assert any(x.startswith(rate + " ") for x in lines), rate
        assert "Total tax (incl.)" in text and "Round off" in text
        assert any(x.startswith("TOTAL") and x.endswith(f"₹{sale.total:,.2f}") for x in lines)
        assert any(x.startswith("Change") and x.endswith(f"₹{sale.change:,.2f}") for x in lines)
        assert any(x.startswith("Balance due now") and x.endswith("₹300.00") for x in lines)
        assert "UPI (UPI-4471)" in text and "On credit" in text
        assert f"|| {sale.bill_number} ||" in text


def test_printing_marks_the_sale_printed(credit_sale, tmp_path: Path):
    path = tmp_path / "receipts.bin"
    assert Sale.get_by_id(credit_sale.id).printed is False

    print_sale(credit_sale.id, FilePrinter(path, columns=42), 42)

    row = Sale.get_by_id(credit_sale.id)
    assert row.printed is True and row.printed_at is not None
    printed = decode(path.read_bytes())
    assert printed.barcodes == [("CODE128", credit_sale.bill_number)] and printed.cuts == 1
    text = "\n".join(printed.text_lines)
    # The printer cannot print ₹: the receipt is laid out with Rs. instead.
    assert "₹" not in text and f"Rs.{credit_sale.total:,.2f}" in text
    assert "REPRINT" not in text


def test_a_failed_print_leaves_the_sale_unprinted_and_a_reprint_marks_it(
    credit_sale, tmp_path: Path
):
    broken = FilePrinter(tmp_path / "missing" / "lp0")
    with pytest.raises(PrinterError, match="No such file"):
        print_sale(credit_sale.id, broken, 32)
    row = Sale.get_by_id(credit_sale.id)
    assert (row.printed, row.printed_at) == (False, None)
    # The sale itself is committed and untouched.
    assert checkout.get_sale(credit_sale.id) == credit_sale

    # The retry is the customer's first receipt: it is not marked REPRINT.
    retry = RecordingPrinter()
    print_sale(credit_sale.id, retry, 32, reprint=True)
    assert Sale.get_by_id(credit_sale.id).printed is True
    assert not any("REPRINT" in x.text for x in retry.documents[0].lines)
    # A copy after a good print is.
    print_sale(credit_sale.id, retry, 32, reprint=True)
    assert any("REPRINT" in x.text for x in retry.documents[1].lines)


def test_a_printer_whose_write_raises_is_a_printer_error(credit_sale):
    offline = RecordingPrinter(fail=True, error=OSError(5, "Input/output error"))
    with pytest.raises(PrinterError, match="Input/output error"):
        print_sale(credit_sale.id, offline, 42)
    assert Sale.get_by_id(credit_sale.id).printed is False

    print_sale(credit_sale.id, RecordingPrinter(), 42, reprint=True)
    assert Sale.get_by_id(credit_sale.id).printed is True


def test_a_failed_copy_keeps_the_mark_of_the_original(credit_sale):
    print_sale(credit_sale.id, RecordingPrinter(), 42)
    printed_at = Sale.get_by_id(credit_sale.id).printed_at
    with pytest.raises(PrinterError):
        print_sale(credit_sale.id, RecordingPrinter(fail=True), 42, reprint=True)
    row = Sale.get_by_id(credit_sale.id)
    assert (row.printed, row.printed_at) == (True, printed_at)


def test_no_printer_prints_and_marks_nothing(credit_sale):
    print_sale(credit_sale.id, NullPrinter(), 42)
    assert Sale.get_by_id(credit_sale.id).printed is False


def test_printing_refuses_to_run_inside_a_transaction(credit_sale):
    with write_transaction(), pytest.raises(RuntimeError, match="never inside a transaction"):
        print_sale(credit_sale.id, RecordingPrinter(), 42)


def test_returns_and_voids_name_the_bill_they_reverse(credit_sale, shop, tmp_path: Path):
    bill = returns.returnable(credit_sale.bill_number)
    salt = next(x for x in bill.lines if x.name == "Tata Salt 1kg")
    back = returns.make_return(
        shop,
        ReturnRequest(uuid4(), credit_sale.bill_number, [ReturnLineRequest(salt.line_id, D(1))]),
    )
    for columns in RECEIPT_COLUMNS:
        text = receipt_preview(back.id, columns)
        assert max(len(x) for x in text.splitlines()) <= columns
        flat = " ".join(text.split())
        assert f"RETURN – against {credit_sale.bill_number}" in flat
        assert f"TOTAL {format_money(back.total, '₹')}" in flat
        assert "Cash refund" in flat

    void = returns.void_sale(shop, credit_sale.bill_number, "keyed twice", uuid4())
    path = tmp_path / "receipts.bin"
    print_sale(void.id, FilePrinter(path), 32)
    assert Sale.get_by_id(void.id).printed is True
    printed = decode(path.read_bytes())
    flat = " ".join(" ".join(printed.text_lines).split())
    assert f"VOID – cancels {credit_sale.bill_number}" in flat
    assert printed.barcodes == [("CODE128", void.bill_number)]
    doc = receipt_document(void.id, 48, reprint=True, currency_fallback="Rs.")
    assert any("REPRINT" in x.text for x in doc.lines)
