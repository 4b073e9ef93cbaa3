"""Reads ESC/POS bytes back into what a printer would do: lines of text, styles and events.

Enough of the command set for what posterm sends (text modes, alignment, code pages, CODE128
and QR codes, feeds, cuts, the drawer pulse); an unknown command raises, so a test notices
bytes it did not expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ESC, GS, LF, NUL, DLE, EOT = 0x1B, 0x1D, 0x0A, 0x00, 0x10, 0x04

_ESC_ONE_ARG = set(b"MGr{3J ")  # commands with one parameter byte we only skip
_GS_ONE_ARG = set(b"Bb|")
_BARCODE_TYPES_B = {
    65: "UPC-A",
    66: "UPC-E",
    67: "EAN13",
    68: "EAN8",
    69: "CODE39",
    70: "ITF",
    71: "NW7",
    72: "CODE93",
    73: "CODE128",
    74: "GS1-128",
}
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


@dataclass
class PrintedLine:
    text: str
    align: str = "left"
    bold: bool = False
    underline: bool = False
    double_width: bool = False
    double_height: bool = False


@dataclass
class Decoded:
    lines: list[PrintedLine] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    # Lines and events in the order the printer met them.
    sequence: list[PrintedLine | tuple[Any, ...]] = field(default_factory=list)

    def add_event(self, event: tuple[Any, ...]) -> None:
        self.events.append(event)
        self.sequence.append(event)

    @property
    def text_lines(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def barcodes(self) -> list[tuple[str, str]]:
        """(symbology, data) of every barcode, in order."""
        return [(e[1], e[2]) for e in self.events if e[0] == "barcode"]

    @property
    def qr_codes(self) -> list[str]:
        return [e[1] for e in self.events if e[0] == "qr"]

    @property
    def cuts(self) -> int:
        return sum(1 for e in self.events if e[0] == "cut")

    @property
    def drawer_kicks(self) -> int:
        return sum(1 for e in self.events if e[0] == "drawer")

    @property
    def images(self) -> int:
        return sum(1 for e in self.events if e[0] == "image")

    def kinds(self) -> list[str]:
        return [e[0] for e in self.events]


def describe(event: tuple[Any, ...]) -> str:
    """An event as one line of a printer's log, e.g. "[cut partial]", "[drawer pin 2 100 ms]"."""
    kind = event[0]
    if kind == "drawer":
        pin = 2 if event[1] in (0, 48) else 5
        return f"[drawer kick pin {pin} {event[2] * 2} ms]"
    if kind == "barcode":
        return f"[barcode {event[1]} {event[2]}]"
    if kind == "qr":
        return f"[qr {event[1]}]"
    if kind == "cut":
        return f"[cut {event[1]}]"
    if kind == "image":
        return f"[image {event[1]}x{event[2]} dots]"
    if kind == "status":
        return f"[status query {event[1]}]"
    return "[" + " ".join(str(part) for part in event) + "]"


def _codepage_tables(profile: str | None) -> dict[int, list[str]]:
    from escpos.capabilities import get_profile
    from escpos.magicencode import Encoder

    tables = {}
    for name, slot in get_profile(profile).get_code_pages().items():
        try:
            tables[int(slot)] = Encoder._get_codepage_char_list(name)
        except (LookupError, KeyError, AssertionError):
            continue
    return tables


def decode_code128(payload: bytes) -> str:
    """The text a scanner reads from a `GS k 73` payload ({A/{B/{C code sets, {{ for {)."""
    out: list[str] = []
    code_set = "B"
    i = 0
    while i < len(payload):
        byte = payload[i]
        if byte == ord("{") and i + 1 < len(payload):
            nxt = chr(payload[i + 1])
            if nxt in "ABC":
                code_set = nxt
                i += 2
                continue
            if nxt == "{":
                out.append("{")
                i += 2
                continue
            i += 2  # FNC codes: not text
            continue
        out.append(f"{byte:02d}" if code_set == "C" else chr(byte))
        i += 1
    return "".join(out)


def decode(data: bytes, profile: str | None = None) -> Decoded:
    """Decodes `data` as printed by a printer of python-escpos profile `profile`."""
    tables = _codepage_tables(profile)
    result = Decoded()
    state = {
        "align": "left",
        "bold": False,
        "underline": False,
        "double_width": False,
        "double_height": False,
    }
    codepage: int | None = None
    buffer: list[str] = []

    def flush() -> None:
        line = PrintedLine("".join(buffer), **state)
        result.lines.append(line)
        result.sequence.append(line)
        buffer.clear()

    def set_bold(value: bool) -> None:
        if value != state["bold"]:
            result.add_event(("bold", value))
        state["bold"] = value

    i = 0
    n = len(data)
    while i < n:
        byte = data[i]
        if byte == LF:
            flush()
            i += 1
        elif byte == DLE and i + 2 < n and data[i + 1] == EOT:
            result.add_event(("status", data[i + 2]))  # a real-time status query
            i += 3
        elif byte == ESC:
            cmd = data[i + 1]
            arg = data[i + 2] if i + 2 < n else 0
            if cmd == ord("@"):
                state.update(
                    align="left",
                    bold=False,
                    underline=False,
                    double_width=False,
                    double_height=False,
                )
                result.add_event(("init",))
                i += 2
            elif cmd == ord("t"):
                codepage = arg
                i += 3
            elif cmd == ord("!"):
                set_bold(bool(arg & 0x08))
                state["double_height"] = bool(arg & 0x10)
                state["double_width"] = bool(arg & 0x20)
                state["underline"] = bool(arg & 0x80)
                i += 3
            elif cmd == ord("E"):
                set_bold(bool(arg & 1))
                i += 3
            elif cmd == ord("-"):
                state["underline"] = arg in (1, 2, 49, 50)
                i += 3
            elif cmd == ord("a"):
                state["align"] = _ALIGN[arg]
                i += 3
            elif cmd == ord("d"):
                if buffer:
                    flush()
                result.add_event(("feed", arg))
                i += 3
            elif cmd == ord("p"):
                result.add_event(("drawer", data[i + 2], data[i + 3], data[i + 4]))
                i += 5
            elif cmd == ord("2"):
                i += 2
            elif cmd in _ESC_ONE_ARG:
                i += 3
            else:
                raise ValueError(f"unknown command ESC {cmd:#04x} at byte {i}")
        elif byte == GS:
            cmd = data[i + 1]
            arg = data[i + 2] if i + 2 < n else 0
            if cmd == ord("!"):
                state["double_width"] = (arg >> 4) > 0
                state["double_height"] = (arg & 0x0F) > 0
                i += 3
            elif cmd == ord("V"):
                if buffer:
                    flush()
                result.add_event(("cut", "partial" if arg in (1, 49, 66) else "full"))
                i += 4 if arg in (65, 66) else 3
            elif cmd in (ord("h"), ord("w"), ord("f"), ord("H")):
                i += 3
            elif cmd == ord("k"):
                if arg <= 6:
                    end = data.index(NUL, i + 3)
                    result.add_event(("barcode", str(arg), data[i + 3 : end].decode()))
                    i = end + 1
                else:
                    length = data[i + 3]
                    payload = data[i + 4 : i + 4 + length]
                    symbology = _BARCODE_TYPES_B.get(arg, str(arg))
                    text = decode_code128(payload) if arg in (73, 74) else payload.decode()
                    result.add_event(("barcode", symbology, text))
                    i += 4 + length
            elif cmd == ord("(") and data[i + 2] in (ord("k"), ord("L")):
                size = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + size]
                if data[i + 2] == ord("k") and body[:2] == b"1P":
                    result.add_event(("qr", body[3:].decode("utf-8")))
                i += 5 + size
            elif cmd == ord("v") and data[i + 2] == ord("0"):
                width = data[i + 4] + 256 * data[i + 5]
                height = data[i + 6] + 256 * data[i + 7]
                result.add_event(("image", width * 8, height))
                i += 8 + width * height
            elif cmd in _GS_ONE_ARG:
                i += 3
            else:
                raise ValueError(f"unknown command GS {cmd:#04x} at byte {i}")
        elif byte < 0x20:
            raise ValueError(f"unexpected control byte {byte:#04x} at byte {i}")
        else:
            if byte < 0x80:
                buffer.append(chr(byte))
            else:
                table = tables.get(codepage) if codepage is not None else None
                buffer.append(table[byte - 0x80] if table else "\ufffd")
            i += 1
    if buffer:
        flush()
    return result
