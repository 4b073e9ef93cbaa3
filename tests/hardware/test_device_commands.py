"""posterm printer|scanner|scale|display test, against the fakes and against nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from posterm.cli import main
from posterm.hardware.fakes.printer import FakeNetworkPrinter
from posterm.hardware.fakes.serial_devices import FakeDisplay, FakeScale


def test_printer_test_prints_the_test_page(capsys, monkeypatch):
    with FakeNetworkPrinter() as fake:
        monkeypatch.setenv("POSTERM_PRINTER", fake.address)
        monkeypatch.setenv("POSTERM_RECEIPT_COLUMNS", "32")
        assert main(["printer", "test", "--drawer"]) == 0
        assert fake.wait_for_jobs(2)
        page = fake.printed_jobs[0].decoded
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(": online, paper ok") and "test page sent (32 columns" in out[1]
    assert "drawer kicked (pin 2, 100 ms)" in out[2]
    assert "12345678901234567890123456789012" in page.text_lines
    assert any(line.bold for line in page.lines if line.text == "bold text")
    assert any(line.double_width for line in page.lines if line.text == "DOUBLE")
    assert page.barcodes == [("CODE128", "POSTERM-0123456789")] and page.cuts == 1
    assert fake.printed_jobs[1].decoded.drawer_kicks == 1


def test_printer_test_against_a_dead_port_is_one_line_and_fails(capsys, monkeypatch):
    dead = FakeNetworkPrinter()
    address = dead.address
    dead.close()
    monkeypatch.setenv("POSTERM_PRINTER_TIMEOUT", "3")
    started = time.monotonic()
    assert main(["printer", "test", "--device", address]) == 1
    assert time.monotonic() - started < 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("posterm: printer 127.0.0.1:")
    assert "cannot connect" in err


def test_printer_test_as_a_command(tmp_path: Path):
    """The real command line: one line on stderr, non-zero exit, well within the timeout."""
    dead = FakeNetworkPrinter()
    address = dead.address
    dead.close()
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "posterm", "printer", "test", "--device", address],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "POSTERM_PRINTER_TIMEOUT": "2"},
    )
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "cannot connect" in result.stderr
    assert time.monotonic() - started < 10  # the interpreter's start included


def test_without_a_device_configured(capsys):
    assert main(["scale", "test"]) == 1
    assert capsys.readouterr().err == (
        "posterm: no scale configured (set scale in posterm.toml, or give --device)\n"
    )


def test_scale_and_display_tests(capsys, tmp_path: Path, monkeypatch):
    monkeypatch.setattr("posterm.hardware.checks.time.sleep", lambda seconds: None)
    with FakeScale(tmp_path / "scale") as scale:
        scale.weight = Decimal("1.25")
        assert (
            main(["scale", "test", "--device", f"serial:{tmp_path / 'scale'}", "--readings", "2"])
            == 0
        )
        # A fresh pty: Linux refuses a second 7E1 set-up of the same one (real ports don't).
        scale.unplug()
        scale.plug()
        scale.motion = True
        assert (
            main(["scale", "test", "--device", f"serial:{tmp_path / 'scale'}", "--readings", "1"])
            == 1
        )
    out = capsys.readouterr().out
    assert "reading 1: 1.250 kg" in out and "in motion" in out
    with FakeDisplay(tmp_path / "pole") as pole:
        assert main(["display", "test", "--device", f"serial:{tmp_path / 'pole'}"]) == 0
        assert pole.wait_for(lambda: pole.text[0].strip() == "WELCOME")
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].strip() for line in out] == [
        "test",
        "item",
        "total",
        "change",
        "idle",
    ]


def test_scanner_test_shows_codes_and_timings(capsys, tmp_path: Path):
    from posterm.hardware.fakes.serial_devices import FakeScanner

    with FakeScanner(tmp_path / "scan") as fake:
        import threading

        def scan_soon() -> None:
            time.sleep(0.4)
            fake.scan("8901000000017")

        threading.Thread(target=scan_soon, daemon=True).start()
        spec = f"serial:{tmp_path / 'scan'}"
        assert main(["scanner", "test", "--device", spec, "--count", "1", "--seconds", "5"]) == 0
    out = capsys.readouterr().out
    assert "code '8901000000017' (13 characters, first)" in out


def test_keyboard_scanner_test_reads_key_timings(capsys, monkeypatch):
    import os

    from posterm.hardware.checks import keyboard_scanner_test
    from posterm.hardware.scanner import WedgeSettings

    read_end, write_end = os.pipe()
    os.write(write_end, b"8901000000017\r")
    os.close(write_end)
    with os.fdopen(read_end) as stream:
        lines: list[str] = []
        keyboard_scanner_test(WedgeSettings(), lines.append, count=1, seconds=2, stream=stream)
    assert lines[1].startswith("SCAN: '8901000000017' (13 keys) gaps ms: max ")
