"""`posterm printer|scanner|scale|display test`: try each device from the shell.

Each check writes what it sees through `say` (one line at a time) and raises a PostermError
subclass with one line when the device cannot be used; nothing here needs the database.
"""

from __future__ import annotations

import itertools
import os
import select
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from posterm.domain.errors import PostermError, PrinterError
from posterm.domain.receipt import Barcode, Cut, ReceiptDocument, ReceiptLine
from posterm.hardware.printer import PrintOptions, open_printer

Say = Callable[[str], None]
CODE_PAGE_SAMPLE = "café crème · ñ ü ß · £ € · ₹"


def test_page(columns: int, options: PrintOptions, printer_name: str) -> ReceiptDocument:
    """Columns ruler, bold and double size, code page characters, a barcode, then a cut."""
    ruler = "".join(str(i % 10) for i in range(1, columns + 1))
    return ReceiptDocument(
        columns,
        (
            ReceiptLine("posterm", "center", bold=True, double=True),
            ReceiptLine("printer test page", "center"),
            ReceiptLine(printer_name[:columns], "center"),
            ReceiptLine(f"profile: {options.profile or 'default'}"[:columns]),
            ReceiptLine(f"{columns} columns:"),
            ReceiptLine(ruler),
            ReceiptLine("bold text", bold=True),
            ReceiptLine("underlined text", underline=True),
            ReceiptLine("DOUBLE", double=True),
            ReceiptLine("right aligned", "right"),
            ReceiptLine("code page characters:"),
            ReceiptLine(CODE_PAGE_SAMPLE),
            Barcode("POSTERM-0123456789"),
            ReceiptLine("the end: the paper is cut below", "center"),
            Cut(),
        ),
    )


def printer_test(
    spec: str, columns: int, options: PrintOptions, timeout: float, say: Say, *, kick: bool
) -> None:
    """Prints the test page (and kicks the drawer with `kick`); raises PrinterError within
    `timeout` (+1 s) when the printer cannot be reached."""
    printer = open_printer(spec, columns, options=options, timeout=timeout)
    name = getattr(printer, "name", spec)

    def job() -> str:
        notes = []
        ask = getattr(printer, "status", None)
        if ask is not None:
            notes.append(f"{name}: {ask().summary}")
        printer.print_document(test_page(columns, options, name))
        notes.append(
            f"{name}: test page sent ({columns} columns, profile {options.profile or 'default'})"
        )
        if kick:
            printer.kick_drawer()
            notes.append(
                f"{name}: drawer kicked (pin {options.drawer_pin}, {options.drawer_pulse_ms} ms)"
            )
        return "\n".join(notes)

    for line in run_with_deadline(
        job, timeout + 1, f"{name}: no answer within {timeout:g} s"
    ).splitlines():
        say(line)


def run_with_deadline(job: Callable[[], Any], deadline: float, late: str) -> Any:
    """Runs `job` in a thread; its result, its PostermError, or PrinterError(`late`)."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(job())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(deadline)
    if failure:
        raise failure[0]
    if not result:
        raise PrinterError(late)
    return result[0]


# --- scanner -----------------------------------------------------------------------------------


def serial_scanner_test(
    spec: str, say: Say, *, count: int, seconds: float, prefix: str = "", suffix: str = ""
) -> int:
    """Shows each code a serial scanner sends and the time since the one before."""
    from posterm.hardware.scanner import SerialScanner, parse_serial

    device, baud = parse_serial(spec)
    seen: list[float] = []
    done = threading.Event()

    def code(text: str) -> None:
        now = time.monotonic()
        since = f"{(now - seen[-1]) * 1000:.0f} ms after the last" if seen else "first"
        seen.append(now)
        say(f"code {text!r} ({len(text)} characters, {since})")
        if count and len(seen) >= count:
            done.set()

    scanner = SerialScanner(
        device,
        baud,
        on_code=code,
        on_state=lambda text, ok: say(text),
        prefix=prefix,
        suffix=suffix,
    ).start()
    say(f"reading {device} at {baud} baud; scan something (Ctrl+C ends)")
    try:
        done.wait(seconds or None)
    finally:
        scanner.stop()
    return len(seen)


def keyboard_scanner_test(
    settings: Any, say: Say, *, count: int, seconds: float, stream: Any = None
) -> int:
    """Reads the keyboard raw and shows every line typed or scanned with its key timings,
    and whether posterm takes it for a scan (to tune scanner_min_length/max_gap_ms)."""
    from posterm.hardware.scanner import BurstDetector

    stream = stream or sys.stdin
    fd = stream.fileno()
    detector = BurstDetector(settings)
    old = None
    if os.isatty(fd):
        import termios
        import tty

        old = termios.tcgetattr(fd)
        tty.setcbreak(fd)
    say(
        f"scan a barcode (a scan: >= {settings.min_length} keys, "
        f"<= {settings.max_gap * 1000:.0f} ms apart, then Enter/Tab); Ctrl+C or Ctrl+D ends"
    )
    scans = 0
    typed: list[tuple[str, float]] = []
    deadline = time.monotonic() + seconds if seconds else None
    try:
        while True:
            wait = None if deadline is None else max(deadline - time.monotonic(), 0)
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                break
            data = os.read(fd, 256)
            if not data:
                break
            now = time.monotonic()
            for byte in data:
                char = chr(byte)
                if byte == 4:  # Ctrl+D
                    return scans
                key = {"\r": "enter", "\t": "tab", "\n": "ctrl+j"}.get(char, char)
                verdict = detector.feed(key, char if char.isprintable() else None, now)
                if char.isprintable():
                    typed.append((char, now))
                    continue
                if key in ("enter", "tab", "ctrl+j") and typed:
                    text = "".join(c for c, _ in typed)
                    gaps = [
                        round((b - a) * 1000, 1) for (_, a), (_, b) in itertools.pairwise(typed)
                    ]
                    gaps.append(round((now - typed[-1][1]) * 1000, 1))
                    kind = "SCAN" if verdict.kind == "scan" else "typing"
                    say(f"{kind}: {text!r} ({len(text)} keys) gaps ms: max {max(gaps)}, {gaps}")
                    scans += verdict.kind == "scan"
                    typed.clear()
                    if count and scans >= count:
                        return scans
    except KeyboardInterrupt:
        pass
    finally:
        if old is not None:
            import termios

            termios.tcsetattr(fd, termios.TCSADRAIN, old)
    return scans


# --- scale and display ---------------------------------------------------------------------------


def scale_test(spec: str, say: Say, *, readings: int, interval: float = 0.5) -> bool:
    """Reads the scale `readings` times; True when one of them was a stable weight."""
    from posterm.hardware.scale import ToledoScale
    from posterm.hardware.scanner import parse_serial

    device, baud = parse_serial(spec)
    scale = ToledoScale(device, baud)
    stable = False
    try:
        for number in range(1, readings + 1):
            reading = scale.read()
            stable = stable or reading.stable
            say(f"reading {number}: {reading.message}")
            if number < readings:
                time.sleep(interval)
    finally:
        scale.close()
    return stable


def display_test(spec: str, protocol: str, idle: str, say: Say, *, pause: float = 1.0) -> None:
    """Shows a sale's steps on the pole display: an item, the total and change, idle."""
    from posterm.hardware import display
    from posterm.hardware.scanner import parse_serial

    device, baud = parse_serial(spec)
    pole = display.PoleDisplay(device, baud, protocol=protocol)
    steps = [
        ("test", (display.fit("posterm display test"), display.fit("12345678901234567890"))),
        ("item", display.item_lines("Tata Salt 1kg", Decimal("28.00"), Decimal("313.00"))),
        ("total", display.total_lines(Decimal("313.00"))),
        ("change", display.change_lines(Decimal("313.00"), Decimal("187.00"))),
        ("idle", display.idle_lines(idle)),
    ]
    try:
        for index, (name, (upper, lower)) in enumerate(steps):
            pole.show(upper, lower)
            say(f"{name:>6}: [{upper}] [{lower}]")
            if index < len(steps) - 1:
                time.sleep(pause)
    finally:
        pole.close()


class DeviceMissing(PostermError):
    """The config names no such device."""
