"""A 2x20 customer pole display on a serial port: CD5220 and Epson (ESC/POS display) commands.

CD5220: `ESC @` initialise, `ESC Q A text CR` upper line, `ESC Q B text CR` lower line.
Epson: `ESC @`, `FF` (clear), then the upper line, `US $ 1 2` (cursor to column 1, row 2)
and the lower line. Both get exactly 20 plain ASCII characters a line, so old text never
shows through.
"""

from __future__ import annotations

import contextlib
import threading
import unicodedata
from decimal import Decimal
from typing import Any

from posterm.domain.errors import PostermError

WIDTH = 20
ESC, FF, US, CR = b"\x1b", b"\x0c", b"\x1f", b"\r"


class DisplayError(PostermError):
    """The pole display cannot be reached."""


def fit(text: str, align: str = "left") -> str:
    """`text` as exactly 20 plain ASCII characters (accents dropped, ₹ as Rs)."""
    text = text.replace("₹", "Rs")
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = "".join(ch if ch.isprintable() else " " for ch in plain)[:WIDTH]
    if align == "right":
        return plain.rjust(WIDTH)
    if align == "center":
        return plain.center(WIDTH)
    return plain.ljust(WIDTH)


def two_columns(left: str, right: str) -> str:
    """`left` and `right` on one 20-character line, the right part kept whole."""
    right = fit(right).strip()
    room = max(WIDTH - len(right) - 1, 0)
    return fit(fit(left).strip()[:room].ljust(room) + " " + right)


def frame(upper: str, lower: str, protocol: str = "cd5220") -> bytes:
    """The bytes that show `upper` and `lower` on a display speaking `protocol`."""
    top, bottom = fit(upper).encode("ascii"), fit(lower).encode("ascii")
    if protocol == "epson":
        return ESC + b"@" + FF + top + US + b"$\x01\x02" + bottom
    return ESC + b"@" + ESC + b"QA" + top + CR + ESC + b"QB" + bottom + CR


class PoleDisplay:
    """`show(upper, lower)` writes both lines; the port is opened on first use and opened
    again after a failure (an unplugged display comes back by itself)."""

    def __init__(
        self,
        device: str,
        baud: int = 9600,
        *,
        protocol: str = "cd5220",
        timeout: float = 1.0,
        open_port: Any = None,
    ) -> None:
        self.device = device
        self.baud = baud
        self.protocol = protocol
        self.timeout = timeout
        self._open_port = open_port or _open_serial
        self._port: Any = None
        self._lock = threading.Lock()

    def show(self, upper: str, lower: str = "") -> None:
        data = frame(upper, lower, self.protocol)
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._port is None:
                        self._port = self._open_port(self.device, self.baud, self.timeout)
                    self._port.write(data)
                    self._port.flush()
                    return
                except Exception as exc:
                    self._drop()
                    if attempt == 2:
                        raise DisplayError(f"display {self.device}: {_reason(exc)}") from None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._port is not None:
            with contextlib.suppress(Exception):
                self._port.close()
        self._port = None


# --- what the till shows -----------------------------------------------------------------------


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def item_lines(name: str, price: Decimal, total: Decimal) -> tuple[str, str]:
    return two_columns(name, money(price)), two_columns("TOTAL", money(total))


def total_lines(total: Decimal) -> tuple[str, str]:
    return two_columns("TOTAL", money(total)), fit("")


def change_lines(total: Decimal, change: Decimal) -> tuple[str, str]:
    return two_columns("TOTAL", money(total)), two_columns("CHANGE", money(change))


def idle_lines(idle: str) -> tuple[str, str]:
    upper, _, lower = idle.partition("|")
    return fit(upper, "center"), fit(lower, "center")


def _open_serial(device: str, baud: int, timeout: float) -> Any:
    import serial

    return serial.Serial(device, baud, timeout=timeout, write_timeout=timeout)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None)
    if not text and len(exc.args) == 2 and isinstance(exc.args[1], str):
        text = exc.args[1]  # termios.error(5, 'Input/output error')
    return (text or str(exc) or type(exc).__name__).splitlines()[0]
