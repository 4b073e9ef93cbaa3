"""Receipt printers: a receipt document rendered to ESC/POS bytes and sent in one write.

python-escpos renders the bytes (its `Dummy` printer collects them in one buffer); the link to
the printer is ours, so a receipt always goes out as one write and a failure is one
`PrinterError`. python-escpos is imported on the first print, never at start: its import takes
a quarter of a second (it loads its printer database and Pillow).

Links: `none` and `file:PATH` (a file, or a device such as /dev/usb/lp0) live here; network,
USB, serial and CUPS go through python-escpos's own printer classes (`posterm.hardware.links`).
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import platformdirs

from posterm.domain.errors import ConfigError, PrinterError
from posterm.domain.receipt import (
    SYMBOL_FALLBACKS,
    Barcode,
    Cut,
    QrCode,
    ReceiptDocument,
    ReceiptLine,
)

# Characters a printer's code pages may lack, replaced by one character of the same width so
# the layout holds; anything else unprintable becomes DEFAULT_CHAR.
TEXT_FALLBACKS: dict[str, str] = {
    "–": "-",
    "—": "-",
    "‒": "-",
    "−": "-",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "•": "*",
    "·": ".",
    "…": ".",
    "\u00a0": " ",
}
DEFAULT_CHAR = "?"

# Printable width in dots of a 58 mm (32 columns) and an 80 mm (42/48 columns) roll at 203 dpi.
_DOTS_58MM = 384
_DOTS_80MM = 576
BARCODE_HEIGHT = 60  # dots, about 7.5 mm


@runtime_checkable
class ReceiptPrinter(Protocol):
    """What the till prints receipts on. Implementations raise PrinterError, nothing else.

    A printer may also offer `can_print(text) -> bool` (whether its code pages hold every
    character of `text`); see `printable()`.
    """

    def print_document(self, doc: ReceiptDocument) -> None: ...

    def kick_drawer(self) -> None: ...


@dataclass(frozen=True)
class PrintOptions:
    """How receipts are turned into bytes for one printer (the config's printer_* keys)."""

    profile: str | None = None  # python-escpos profile name; None: its default
    codepage: str = ""  # force one code page (e.g. CP858); "": chosen per character
    currency_fallback: str = ""  # printed for a currency symbol the printer lacks; "": Rs./code
    font_path: str = ""  # a TrueType font: lines the code pages cannot hold print as images
    drawer_pin: int = 2
    drawer_pulse_ms: int = 100


def printable(printer: ReceiptPrinter, text: str) -> bool:
    """Whether `printer` can print every character of `text` (True when it cannot tell)."""
    check = getattr(printer, "can_print", None)
    return True if check is None else bool(check(text))


# --- python-escpos, loaded on first use --------------------------------------------------------


_IMPORT_LOCK = threading.Lock()


@cache
def _escpos() -> Any:
    """Imports python-escpos without letting it touch the process's logging or temp dir."""
    with _IMPORT_LOCK:
        return _import_escpos()


def _import_escpos() -> Any:
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        # It caches its printer database as a pickle, by default in a new temp dir each run.
        cache_dir = Path(platformdirs.user_cache_dir("posterm", appauthor=False)) / "escpos"
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache_dir)
        except OSError:
            pass
    root = logging.getLogger()
    handlers = list(root.handlers)
    try:
        # escpos.capabilities calls logging.basicConfig(): a stderr handler on the root logger
        # would write into the Textual screen. Whatever it adds is taken off again.
        from escpos import capabilities, exceptions, printer
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
    return _Escpos(printer.Dummy, capabilities.get_profile, exceptions.Error)


class _Escpos:
    def __init__(self, dummy: Any, get_profile: Any, error: type[Exception]) -> None:
        self.Dummy = dummy
        self.get_profile = get_profile
        self.Error = error


def preload() -> None:
    """Imports python-escpos now (call it in a worker at start so the first print is quick)."""
    _escpos()


def _dummy(profile: str | None) -> Any:
    escpos = _escpos()
    try:
        escpos.get_profile(profile)
    except KeyError:
        raise PrinterError(f"unknown printer profile '{profile}'") from None
    return escpos.Dummy(profile=profile)


@cache
def _encodable_checker(profile: str | None, codepage: str = "") -> Any:
    device = _dummy(profile)
    encoder = device.magic.encoder
    pages = [codepage.upper()] if codepage else list(device.profile.get_code_pages())

    @cache
    def encodable(char: str) -> bool:
        if char.isascii():
            return char.isprintable()
        return any(encoder.can_encode(page, char) for page in pages)

    return encodable


def can_encode(text: str, profile: str | None = None, codepage: str = "") -> bool:
    """Whether some code page of the printer profile (or `codepage`) holds all of `text`."""
    encodable = _encodable_checker(profile, codepage)
    return all(encodable(char) for char in text)


def _printable_text(
    text: str, profile: str | None, fallbacks: Mapping[str, str], codepage: str = ""
) -> str:
    encodable = _encodable_checker(profile, codepage)
    out = []
    for char in text:
        if encodable(char):
            out.append(char)
        else:
            # A currency sign in free text (a header's "above ₹500") gets its fallback too;
            # amounts were laid out with it already (receipt.build_receipt).
            out.append(fallbacks.get(char) or SYMBOL_FALLBACKS.get(char, DEFAULT_CHAR))
    return "".join(out)


# --- CODE128 -----------------------------------------------------------------------------------


def _code128_parts(data: str) -> list[tuple[str, str]]:
    """(code set, characters) runs: digit runs go to code set C where that makes it shorter.

    A run of 4+ digits at the start or end, or of 6+ in the middle, is worth the switch; an odd
    digit is left in code set B. Shorter barcodes fit a 58 mm roll.
    """
    runs: list[str] = []
    for char in data:
        if runs and runs[-1][0].isdigit() == char.isdigit():
            runs[-1] += char
        else:
            runs.append(char)
    parts: list[tuple[str, str]] = []

    def add(code_set: str, chars: str) -> None:
        if parts and parts[-1][0] == code_set:
            parts[-1] = (code_set, parts[-1][1] + chars)
        elif chars:
            parts.append((code_set, chars))

    for index, run in enumerate(runs):
        edge = index == 0 or index == len(runs) - 1
        if run[0].isdigit() and len(run) >= (4 if edge else 6):
            odd = len(run) % 2
            add("B", run[:odd])
            add("C", run[odd:])
        else:
            add("B", run)
    return parts


def code128_payload(data: str) -> str:
    """The data for ESC/POS `GS k 73`: `{B`/`{C` switch code sets; C carries digit pairs."""
    payload = []
    for code_set, chars in _code128_parts(data):
        payload.append("{" + code_set)
        if code_set == "C":
            payload.extend(chr(int(chars[i : i + 2])) for i in range(0, len(chars), 2))
        else:
            payload.append(chars.replace("{", "{{"))
    return "".join(payload)


def _code128_modules(data: str) -> int:
    parts = _code128_parts(data)
    symbols = 1 + (len(parts) - 1) + 1  # start, code set switches, check symbol
    symbols += sum(len(chars) // 2 if code_set == "C" else len(chars) for code_set, chars in parts)
    return symbols * 11 + 13  # the stop symbol is 13 modules


def _barcode_width(data: str, columns: int, device: Any) -> int:
    try:
        dots = int(device.profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        dots = _DOTS_58MM if columns <= 32 else _DOTS_80MM
    if columns <= 32:
        dots = min(dots, _DOTS_58MM)
    modules = _code128_modules(data)
    return 3 if modules * 3 <= dots * 0.85 else 2


# --- rendering ---------------------------------------------------------------------------------


def escpos_bytes(
    doc: ReceiptDocument,
    profile: str | None = None,
    *,
    fallbacks: Mapping[str, str] = TEXT_FALLBACKS,
    codepage: str = "",
    font_path: str = "",
) -> bytes:
    """The ESC/POS bytes of `doc` for a printer of python-escpos profile `profile`.

    Characters no code page of the profile holds are replaced by `fallbacks` (one character
    each, so the layout holds) or by "?"; with `font_path`, such a line is printed as a
    picture of the text instead. `codepage` forces one code page. Raises PrinterError for an
    unknown profile, code page or font.
    """
    escpos = _escpos()
    device = _dummy(profile)
    try:
        device.hw("INIT")
        if codepage:
            try:
                device.charcode(codepage)
            except (escpos.Error, LookupError, ValueError):
                raise PrinterError(f"unknown code page '{codepage}'") from None
        style: tuple[str, bool, bool, bool] | None = None
        for element in doc.elements:
            if isinstance(element, ReceiptLine):
                wanted = (element.align, element.bold, element.underline, element.double)
                if wanted != style:
                    device.set(
                        align=element.align,
                        bold=element.bold,
                        underline=1 if element.underline else 0,
                        normal_textsize=not element.double,
                        double_width=element.double,
                        double_height=element.double,
                    )
                    style = wanted
                text = element.text.rstrip() if element.align == "left" else element.text.strip()
                if font_path and not can_encode(text, profile, codepage):
                    _image_line(device, element, text, doc.columns, font_path)
                    style = None
                    continue
                device.text(_printable_text(text, profile, fallbacks, codepage) + "\n")
            elif isinstance(element, Barcode):
                _barcode(device, element, doc.columns)
                style = None
            elif isinstance(element, QrCode):
                _qr(device, element)
                style = None
            elif isinstance(element, Cut):
                device.cut()
                style = None
        return bytes(device.output)
    except escpos.Error as exc:
        raise PrinterError(f"cannot render the receipt: {exc}") from None


# Product barcodes on shelf labels: the printer draws them from their digits (check digit
# included), function type B of `GS k`.
_GTIN_SYMBOLOGIES = {"EAN13": "EAN13", "EAN8": "EAN8", "UPC-A": "UPC-A", "UPCA": "UPC-A"}


def _gtin_barcode(device: Any, element: Barcode) -> None:
    if not element.data.isdigit() or not device.profile.supports("barcodeB"):
        return
    device.set(align="center", bold=False, underline=0, normal_textsize=True)
    device._hw_barcode(
        element.data,
        _GTIN_SYMBOLOGIES[element.symbology.upper()],
        height=BARCODE_HEIGHT,
        width=3,
        pos="BELOW",
        font="A",
        align_ct=True,
        function_type="B",
        check=True,
    )
    device.text("\n")


def _barcode(device: Any, element: Barcode, columns: int) -> None:
    if element.symbology.upper() in _GTIN_SYMBOLOGIES:
        _gtin_barcode(device, element)
        return
    if element.symbology.upper() != "CODE128":
        raise PrinterError(f"barcode type {element.symbology} is not supported")
    data = element.data
    if not data or not all(32 <= ord(char) < 127 for char in data):
        return  # CODE128 code set B holds printable ASCII; the number is printed as text anyway
    if not device.profile.supports("barcodeB"):
        return
    device.set(align="center", bold=False, underline=0, normal_textsize=True)
    # _hw_barcode is what barcode() calls for a printer-rendered code; barcode() itself prints
    # "Using hardware barcode renderer" to stdout, which must not reach a terminal UI.
    device._hw_barcode(
        code128_payload(data),
        "CODE128",
        height=BARCODE_HEIGHT,
        width=_barcode_width(data, columns, device),
        pos="BELOW",
        font="A",
        align_ct=True,
        function_type="B",
        check=True,
    )
    device.text("\n")


def _qr(device: Any, element: QrCode) -> None:
    if not element.data:
        return
    device.set(align="center", bold=False, underline=0, normal_textsize=True)
    if device.profile.supports("qrCode"):
        device.qr(element.data, size=5, native=True)
    elif device.profile.supports("bitImageRaster"):
        device.qr(element.data, size=5, native=False, center=True)
    device.text("\n")


def _image_line(device: Any, element: ReceiptLine, text: str, columns: int, font_path: str) -> None:
    """Prints `text` as a picture drawn with the shop's font (for ₹, Devanagari, ...)."""
    from PIL import Image, ImageDraw, ImageFont

    dots = _paper_dots(columns, device)
    height = 48 if element.double else 24  # the height of font A, doubled for double size
    try:
        font = ImageFont.truetype(font_path, size=int(height * 0.85))
    except OSError as exc:
        raise PrinterError(f"cannot read the printer font {font_path}: {exc}") from None
    image = Image.new("1", (dots, height), 1)
    draw = ImageDraw.Draw(image)
    width = draw.textlength(text, font=font)
    x = {"left": 0, "center": (dots - width) / 2, "right": dots - width}[element.align]
    draw.text((max(x, 0), 0), text, font=font, fill=0)
    if element.bold:
        draw.text((max(x, 0) + 1, 0), text, font=font, fill=0)
    device.image(image, center=False)


def _paper_dots(columns: int, device: Any) -> int:
    try:
        dots = int(device.profile.profile_data["media"]["width"]["pixels"])
    except (KeyError, TypeError, ValueError):
        dots = _DOTS_58MM if columns <= 32 else _DOTS_80MM
    return min(dots, _DOTS_58MM) if columns <= 32 else dots


def drawer_kick_bytes(pin: int = 2, pulse_ms: int = 100) -> bytes:
    """ESC p m t1 t2: the pulse that opens a cash drawer wired to the printer (pin 2 or 5).

    The pulse is on for `pulse_ms` and off as long (the printer counts in 2 ms steps).
    """
    steps = max(1, min(255, pulse_ms // 2))
    device = _dummy(None)
    device.cashdraw([27, 112, 0 if pin == 2 else 1, steps, steps])
    return bytes(device.output)


def document_bytes(doc: ReceiptDocument, options: PrintOptions) -> bytes:
    """`escpos_bytes` with a printer's options (its fallback serves every currency sign)."""
    fallbacks = dict(TEXT_FALLBACKS)
    if options.currency_fallback:
        fallbacks.update(dict.fromkeys(SYMBOL_FALLBACKS, options.currency_fallback))
    return escpos_bytes(
        doc,
        options.profile,
        fallbacks=fallbacks,
        codepage=options.codepage,
        font_path=options.font_path,
    )


def can_print(text: str, options: PrintOptions) -> bool:
    """Whether a printer with `options` prints `text` as it is (a font prints anything)."""
    if options.font_path:
        return True
    try:
        return can_encode(text, options.profile, options.codepage)
    except PrinterError:
        return False


# --- printers ----------------------------------------------------------------------------------


class NullPrinter:
    """`printer = "none"`: the till has no printer; printing does nothing."""

    columns: int

    def __init__(self, columns: int = 42) -> None:
        self.columns = columns

    def print_document(self, doc: ReceiptDocument) -> None:
        return None

    def kick_drawer(self) -> None:
        return None

    def __repr__(self) -> str:
        return "NullPrinter()"


class FilePrinter:
    """`printer = "file:PATH"`: appends each receipt's bytes to a file or device in one write.

    A regular file is created when missing and fsynced after each receipt; a path under /dev is
    never created (an unplugged printer must fail, not become a file).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        columns: int = 42,
        profile: str | None = None,
        options: PrintOptions | None = None,
    ):
        self.path = Path(path)
        self.columns = columns
        self.options = options or PrintOptions(profile=profile)
        self.profile = self.options.profile
        self.currency_fallback = self.options.currency_fallback
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FilePrinter({str(self.path)!r})"

    def can_print(self, text: str) -> bool:
        return can_print(text, self.options)

    def print_document(self, doc: ReceiptDocument) -> None:
        self.write(document_bytes(doc, self.options))

    def kick_drawer(self) -> None:
        self.write(drawer_kick_bytes(self.options.drawer_pin, self.options.drawer_pulse_ms))

    def write(self, data: bytes) -> None:
        """Appends `data` in one write, then fsyncs a regular file; raises PrinterError."""
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        if not str(self.path).startswith("/dev/"):
            flags |= os.O_CREAT
        with self._lock:
            try:
                fd = os.open(self.path, flags, 0o644)
                try:
                    view = memoryview(data)
                    while view:
                        written = os.write(fd, view)
                        view = view[written:]
                    if stat.S_ISREG(os.fstat(fd).st_mode):
                        os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise PrinterError(f"cannot print to {self.path}: {reason}") from None


def open_printer(
    config_printer: str,
    columns: int,
    *,
    profile: str | None = None,
    options: PrintOptions | None = None,
    timeout: float = 10,
) -> ReceiptPrinter:
    """The printer named by the config's `printer` value (nothing is opened yet).

    Raises ConfigError for a value that names no link.
    """
    options = options or PrintOptions(profile=profile)
    spec = config_printer.strip()
    if spec == "none":
        return NullPrinter(columns)
    if spec.startswith("file:") and len(spec) > len("file:"):
        return FilePrinter(
            Path(spec[len("file:") :]).expanduser(), columns=columns, options=options
        )
    from posterm.hardware.links import open_link_printer

    printer = open_link_printer(spec, columns, options, timeout)
    if printer is None:
        raise ConfigError(
            f"printer '{spec}': expected none, file:PATH, network:HOST[:PORT], "
            "usb:VID:PID[:IN_EP:OUT_EP], serial:DEVICE[:BAUD] or cups:NAME"
        )
    return printer
