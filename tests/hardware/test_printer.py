"""ESC/POS rendering and the file printer, read back through a decoder of the bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posterm.domain.errors import ConfigError, PrinterError
from posterm.domain.receipt import (
    RECEIPT_COLUMNS,
    Barcode,
    Cut,
    QrCode,
    ReceiptDocument,
    ReceiptLine,
    build_receipt,
    render_text,
)
from posterm.hardware import printer as printer_module
from posterm.hardware.fakes.escpos_decode import decode, decode_code128
from posterm.hardware.links import LinkPrinter
from posterm.hardware.printer import (
    FilePrinter,
    NullPrinter,
    ReceiptPrinter,
    can_encode,
    code128_payload,
    drawer_kick_bytes,
    escpos_bytes,
    open_printer,
    printable,
)
from tests.unit.test_receipt import sale, store


@pytest.mark.parametrize("columns", RECEIPT_COLUMNS)
def test_the_printer_receives_the_receipt_line_for_line(columns: int) -> None:
    doc = build_receipt(sale(), store(), columns, currency_fallback="Rs.")
    printed = decode(escpos_bytes(doc))

    expected = [x.text.strip() for x in doc.lines]
    got = [x.text.strip() for x in printed.lines if x.text.strip()]
    assert got == [x for x in expected if x]
    assert printed.kinds()[0] == "init"
    assert printed.barcodes == [("CODE128", "BILL-2025-000123")]
    assert printed.cuts == 1 and printed.kinds()[-1] == "cut"
    for line in printed.lines:
        limit = columns // 2 if line.double_width else columns
        assert len(line.text) <= limit, line


def test_styles_reach_the_printer() -> None:
    doc = build_receipt(sale(), store(store_name="Sharma Stores"), 42, currency_fallback="Rs.")
    printed = decode(escpos_bytes(doc))
    name = printed.lines[0]
    assert (name.text, name.bold, name.double_width, name.double_height, name.align) == (
        "Sharma Stores",
        True,
        True,
        True,
        "center",
    )
    total = next(x for x in printed.lines if x.text.startswith("TOTAL"))
    assert total.bold and total.double_width and total.text.endswith("Rs.671.00")
    address = printed.lines[1]
    assert not address.bold and not address.double_width and address.align == "center"
    body = next(x for x in printed.lines if x.text.startswith("Tata Salt"))
    assert (body.bold, body.align) == (False, "left")
    # Bold is switched on and off again around the bold lines.
    bold = [e[1] for e in printed.events if e[0] == "bold"]
    assert bold[:2] == [True, False] and bold[-1] is False


def test_underline_and_right_alignment() -> None:
    doc = ReceiptDocument(32, (ReceiptLine("Signed", "right", underline=True), ReceiptLine("x")))
    printed = decode(escpos_bytes(doc))
    assert (printed.lines[0].align, printed.lines[0].underline) == ("right", True)
    assert (printed.lines[1].align, printed.lines[1].underline) == ("left", False)


def test_characters_the_printer_lacks_keep_the_layout() -> None:
    assert not can_encode("₹")
    assert can_encode("Rs. 10 café")
    doc = ReceiptDocument(32, (ReceiptLine("₹10 – café ‘ok’ 漢"),))
    # The default profile's code pages hold é, – and ‘’ (CP1252); nothing holds ₹ or 漢.
    # A currency sign in free text gets its fallback (amounts were laid out with it already).
    assert decode(escpos_bytes(doc)).lines[0].text == "Rs.10 – café ‘ok’ ?"
    # A printer with CP437 only gets a same-width stand-in, else "?": the layout holds.
    simple = decode(escpos_bytes(doc, "simple"), "simple")
    assert simple.lines[0].text == "Rs.10 - café 'ok' ?"


def test_a_qr_code_is_sent_natively() -> None:
    doc = ReceiptDocument(42, (QrCode("upi://pay?pa=shop@upi&am=10.00"), Cut()))
    assert decode(escpos_bytes(doc)).qr_codes == ["upi://pay?pa=shop@upi&am=10.00"]
    assert "[QR: upi://pay?pa=shop@upi&am=10.00]" in render_text(doc)


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=60))
def test_code128_payloads_scan_back_to_their_data(data: str) -> None:
    payload = code128_payload(data)
    assert payload[0] == "{" and payload[1] in "BC"
    assert decode_code128(payload.encode()) == data


def test_digit_runs_use_code_set_c_so_the_barcode_fits_a_58mm_roll() -> None:
    assert code128_payload("BILL-2025-000001") == "{BBILL-2025-{C\x00\x00\x01"
    assert code128_payload("12345") == "{B1{C\x17\x2d"
    doc = ReceiptDocument(32, (Barcode("BILL-2025-000001"),))
    raw = escpos_bytes(doc)
    width = raw[raw.index(b"\x1dw") + 2]
    assert width == 2  # 189 modules of 2 dots fit the 384 dots of a 58 mm head
    wide = escpos_bytes(ReceiptDocument(48, (Barcode("S1"),)))
    assert wide[wide.index(b"\x1dw") + 2] == 3


def test_a_barcode_the_symbology_cannot_hold_is_left_out() -> None:
    printed = decode(escpos_bytes(ReceiptDocument(32, (Barcode("BILL-№1"), Cut()))))
    assert printed.barcodes == [] and printed.cuts == 1


def test_the_file_printer_appends_one_receipt_per_print_in_one_write(tmp_path, monkeypatch):
    path = tmp_path / "receipts.bin"
    device = FilePrinter(path, columns=32)
    doc = build_receipt(sale(), store(), 32, currency_fallback="Rs.")
    expected = escpos_bytes(doc)

    writes: list[int] = []
    real_write = os.write

    def counting_write(fd: int, data) -> int:
        writes.append(len(data))
        return real_write(fd, data)

    monkeypatch.setattr(printer_module.os, "write", counting_write)
    device.print_document(doc)
    assert path.read_bytes() == expected and writes == [len(expected)]
    device.print_document(doc)
    assert path.read_bytes() == expected * 2 and writes == [len(expected)] * 2

    first = decode(path.read_bytes()[: len(expected)])
    assert first.barcodes == [("CODE128", "BILL-2025-000123")] and first.cuts == 1
    both = decode(path.read_bytes())
    assert both.cuts == 2 and len(both.barcodes) == 2


def test_the_drawer_kick_goes_to_the_printer(tmp_path: Path) -> None:
    path = tmp_path / "lp0"
    FilePrinter(path).kick_drawer()
    assert path.read_bytes() == drawer_kick_bytes()
    assert decode(path.read_bytes()).events == [("drawer", 0, 50, 50)]


def test_a_missing_directory_is_one_printer_error(tmp_path: Path) -> None:
    device = FilePrinter(tmp_path / "no" / "such" / "dir" / "receipts.bin")
    with pytest.raises(
        PrinterError, match=r"^cannot print to .*receipts\.bin: No such file"
    ) as info:
        device.print_document(ReceiptDocument(32, (ReceiptLine("x"), Cut())))
    assert "\n" not in str(info.value)
    with pytest.raises(PrinterError):
        device.kick_drawer()


def test_a_device_path_is_never_created() -> None:
    path = Path("/dev/posterm-test-no-such-printer")
    with pytest.raises(PrinterError, match="No such file"):
        FilePrinter(path).print_document(ReceiptDocument(32, (ReceiptLine("x"),)))
    assert not path.exists()


def test_an_unknown_profile_is_a_printer_error() -> None:
    with pytest.raises(PrinterError, match="unknown printer profile 'no-such-printer'"):
        escpos_bytes(ReceiptDocument(32, ()), "no-such-printer")


def test_open_printer_reads_the_config_value(tmp_path: Path) -> None:
    none = open_printer("none", 32)
    assert isinstance(none, NullPrinter) and isinstance(none, ReceiptPrinter)
    none.print_document(ReceiptDocument(32, ()))
    none.kick_drawer()

    file_printer = open_printer(f"file:{tmp_path}/out.bin", 48)
    assert isinstance(file_printer, FilePrinter) and isinstance(file_printer, ReceiptPrinter)
    assert (file_printer.path, file_printer.columns) == (tmp_path / "out.bin", 48)

    # The links open nothing until a job is sent.
    for link, name in [
        ("network:192.168.1.50:9100", "printer 192.168.1.50:9100"),
        ("network:shop-printer", "printer shop-printer:9100"),
        ("usb:04b8:0202", "printer usb 04b8:0202"),
        ("usb:04b8:0202:81:03", "printer usb 04b8:0202"),
        ("serial:/dev/ttyS0:19200", "printer /dev/ttyS0"),
        ("cups:TM", "printer TM"),
    ]:
        linked = open_printer(link, 42)
        assert isinstance(linked, LinkPrinter) and isinstance(linked, ReceiptPrinter)
        assert linked.name == name
    with pytest.raises(ConfigError, match=r"^printer 'parallel:1': expected none, file:PATH"):
        open_printer("parallel:1", 42)


def test_printable_asks_the_printer_when_it_can_tell(tmp_path: Path) -> None:
    assert printable(NullPrinter(), "₹")
    assert not printable(FilePrinter(tmp_path / "x"), "₹")
    assert printable(FilePrinter(tmp_path / "x"), "Rs.")


def test_python_escpos_loads_on_first_print_and_leaves_logging_alone() -> None:
    code = (
        "import sys, logging\n"
        "import posterm.hardware.printer as p\n"
        "assert 'escpos' not in sys.modules\n"
        "from posterm.domain.receipt import ReceiptDocument, ReceiptLine\n"
        "p.escpos_bytes(ReceiptDocument(32, (ReceiptLine('x'),)))\n"
        "assert 'escpos' in sys.modules\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
