"""Real python-escpos printer objects against fakes that speak ESC/POS: network over TCP,
serial over a pty, and a file; status (DLE EOT), paper-out, offline, dropped jobs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from posterm.domain.errors import PrinterError
from posterm.domain.receipt import Barcode, Cut, QrCode, ReceiptDocument, ReceiptLine
from posterm.hardware.fakes.escpos_decode import decode
from posterm.hardware.fakes.printer import FakeNetworkPrinter, format_job
from posterm.hardware.fakes.serial_devices import FakeSerialPrinter
from posterm.hardware.links import LinkPrinter, parse_status
from posterm.hardware.printer import FilePrinter, PrintOptions, open_printer
from posterm.hardware.scanner import wait_until

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def receipt(lines: int = 3) -> ReceiptDocument:
    body = tuple(ReceiptLine(f"Item {n:02d}   28.00") for n in range(lines))
    return ReceiptDocument(
        32,
        (
            ReceiptLine("Sharma Stores", "center", bold=True, double=True),
            *body,
            Barcode("BILL-2026-000042"),
            QrCode("upi://pay?pa=shop@upi&am=28.00"),
            Cut(),
        ),
    )


@pytest.fixture
def fake():
    with FakeNetworkPrinter() as printer:
        yield printer


def test_a_network_printer_gets_the_receipt_in_one_job(fake):
    printer = open_printer(fake.address, 32)
    assert isinstance(printer, LinkPrinter)
    printer.print_document(receipt())
    printer.kick_drawer()
    assert fake.wait_for_jobs(2)
    first, kick = (job.decoded for job in fake.printed_jobs)
    assert first.text_lines[0] == "Sharma Stores" and first.lines[0].double_width
    assert "Item 02   28.00" in first.text_lines
    assert first.barcodes == [("CODE128", "BILL-2026-000042")]
    assert first.qr_codes == ["upi://pay?pa=shop@upi&am=28.00"] and first.cuts == 1
    assert kick.events[-3] == ("drawer", 0, 50, 50) and kick.drawer_kicks == 1
    # Status was asked before and after each job (DLE EOT 1 and 4).
    assert [e for e in first.events if e[0] == "status"] == [("status", n) for n in (1, 4, 1, 4)]
    shown = format_job(fake.printed_jobs[0], 1)
    assert "    [cut full]" in shown and "    [barcode CODE128 BILL-2026-000042]" in shown


def test_the_status_of_a_network_printer(fake):
    printer = open_printer(fake.address, 32)
    assert printer.status().summary == "online, paper ok"
    fake.paper = "low"
    assert printer.status().summary == "online, paper low"
    fake.paper = "out"
    assert printer.status().problem == "out of paper"
    fake.paper, fake.online = "ok", False
    assert printer.status().problem.startswith("offline")


def test_paper_out_and_offline_refuse_the_job_before_sending_it(fake):
    printer = open_printer(fake.address, 32)
    fake.paper = "out"
    with pytest.raises(PrinterError, match=r"^printer 127\.0\.0\.1:\d+: out of paper$"):
        printer.print_document(receipt())
    printer.kick_drawer()  # out of paper, the drawer still opens
    assert fake.wait_for_jobs(1) and fake.printed_jobs[0].decoded.drawer_kicks == 1
    fake.paper, fake.online = "ok", False
    with pytest.raises(PrinterError, match="offline"):
        printer.kick_drawer()
    time.sleep(0.3)
    assert len(fake.printed_jobs) == 1  # the receipt was not sent: a reprint prints it later
    fake.online = True
    printer.print_document(receipt())
    assert fake.wait_for_jobs(2) and fake.printed_jobs[1].decoded.cuts == 1


def test_a_printer_that_drops_the_connection_mid_job_fails_the_job(fake):
    fake.drop_after = 60
    printer = open_printer(fake.address, 32)
    with pytest.raises(PrinterError) as info:
        printer.print_document(receipt(lines=40))
    assert "\n" not in str(info.value)
    assert wait_until(lambda: bool(fake.jobs)) and fake.jobs[-1].dropped


def test_a_printer_without_status_still_prints(fake):
    fake.silent = True
    printer = open_printer(fake.address, 32)
    assert not printer.status().known
    printer.print_document(receipt())  # asked once, then not again on this printer
    assert fake.wait_for_jobs(1)
    assert fake.printed_jobs[0].decoded.cuts == 1


def test_a_printer_that_is_off_is_one_line_at_once():
    dead = FakeNetworkPrinter()
    address = dead.address
    dead.close()  # nothing listens on the port any more
    printer = open_printer(address, 32, timeout=3)
    started = time.monotonic()
    with pytest.raises(PrinterError, match=r"^printer 127\.0\.0\.1:\d+: cannot connect \(Conn"):
        printer.print_document(receipt())
    assert time.monotonic() - started < 3


def test_a_serial_printer_on_a_pty(tmp_path: Path):
    with FakeSerialPrinter(tmp_path / "ttyPRN") as fake:
        printer = open_printer(f"serial:{tmp_path / 'ttyPRN'}:19200", 32)
        assert printer.status().summary == "online, paper ok"
        printer.print_document(receipt())
        assert fake.wait_for(lambda: b"\x1dV" in fake.received)
        time.sleep(0.3)  # the status query after the job
        decoded = fake.decoded()
        assert decoded.text_lines[0] == "Sharma Stores" and decoded.cuts == 1
        assert decoded.barcodes == [("CODE128", "BILL-2026-000042")]
        fake.paper = "out"
        with pytest.raises(PrinterError, match="out of paper"):
            printer.print_document(receipt())


def test_a_serial_printer_that_is_unplugged(tmp_path: Path):
    printer = open_printer(f"serial:{tmp_path / 'ttyUSB9'}", 32)
    with pytest.raises(PrinterError, match=r"^printer .*ttyUSB9: ") as info:
        printer.print_document(receipt())
    assert "\n" not in str(info.value)


def test_a_file_printer_with_the_printer_options(tmp_path: Path):
    path = tmp_path / "lp0"
    options = PrintOptions(codepage="CP858", drawer_pin=5, drawer_pulse_ms=200)
    device = FilePrinter(path, columns=32, options=options)
    device.print_document(ReceiptDocument(32, (ReceiptLine("café €5"), Cut())))
    device.kick_drawer()
    decoded = decode(path.read_bytes())
    assert decoded.text_lines == ["café €5"]
    assert decoded.events[-1] == ("drawer", 1, 100, 100)  # pin 5, 200 ms on
    assert not device.can_print("₹") and device.can_print("€")


@pytest.mark.skipif(not DEJAVU.is_file(), reason="needs the DejaVu font")
def test_with_a_font_a_line_the_code_page_lacks_prints_as_an_image(tmp_path: Path):
    path = tmp_path / "lp0"
    device = FilePrinter(path, columns=42, options=PrintOptions(font_path=str(DEJAVU)))
    assert device.can_print("₹")
    device.print_document(
        ReceiptDocument(42, (ReceiptLine("TOTAL ₹671.00", bold=True), ReceiptLine("plain")))
    )
    decoded = decode(path.read_bytes())
    assert decoded.images == 1 and decoded.text_lines[-1] == "plain"
    assert "TOTAL" not in " ".join(decoded.text_lines)


def test_status_bytes_as_epson_printers_send_them():
    assert parse_status(0x12, 0x12).summary == "online, paper ok"
    assert parse_status(0x12, 0x1E).paper == "low"
    assert parse_status(0x12, 0x72).problem == "out of paper"
    assert parse_status(0x1A, 0x12).problem.startswith("offline")
    assert not parse_status(None, None).known
