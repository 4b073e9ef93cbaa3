"""The fake network printer's fault modes the stress run relies on: a printer that cannot be
reached (the connect times out), a roll that ends part-way through a receipt, and a printer
that stops answering after it has answered (hung, not one without status)."""

from __future__ import annotations

import time

import pytest

from posterm.domain.errors import PrinterError
from posterm.domain.receipt import Barcode, Cut, ReceiptDocument, ReceiptLine
from posterm.hardware.fakes.printer import FakeNetworkPrinter
from posterm.hardware.printer import open_printer


def receipt() -> ReceiptDocument:
    lines = tuple(ReceiptLine(f"Item {n:02d}   28.00") for n in range(12))
    return ReceiptDocument(32, (*lines, Barcode("BILL-2026-000042"), Cut()))


@pytest.fixture
def fake():
    with FakeNetworkPrinter() as printer:
        yield printer


def test_an_unreachable_printer_times_out_and_then_comes_back(fake):
    printer = open_printer(fake.address, 32, timeout=1)
    fake.unreachable = True  # in effect once set
    started = time.monotonic()
    with pytest.raises(PrinterError, match="timed out"):
        printer.print_document(receipt())
    assert time.monotonic() - started < 3
    assert fake.printed_jobs == []
    fake.unreachable = False
    printer.print_document(receipt())
    assert fake.wait_for_jobs(1)
    assert fake.printed_jobs[0].decoded.barcodes == [("CODE128", "BILL-2026-000042")]


def test_paper_that_runs_out_mid_receipt_fails_the_job_after_sending(fake):
    printer = open_printer(fake.address, 32, timeout=2)
    fake.paper_out_after = 100
    with pytest.raises(PrinterError, match=r"out of paper \(after sending\)"):
        printer.print_document(receipt())
    assert fake.paper == "out"
    with pytest.raises(PrinterError, match="out of paper"):
        printer.print_document(receipt())  # the roll stays out until it is replaced
    fake.paper, fake.paper_out_after = "ok", None
    printer.print_document(receipt())


def test_a_printer_that_stops_answering_fails_its_jobs_until_it_answers_again(fake):
    printer = open_printer(fake.address, 32, timeout=2)
    assert printer.status().summary == "online, paper ok"
    fake.silent = True  # hung: the receipt may go nowhere
    with pytest.raises(PrinterError, match="stopped answering"):
        printer.print_document(receipt())
    fake.silent = False
    fake.paper = "out"  # it is still asked: trouble after the hang is noticed
    with pytest.raises(PrinterError, match="out of paper"):
        printer.print_document(receipt())
    fake.paper = "ok"
    printer.print_document(receipt())
