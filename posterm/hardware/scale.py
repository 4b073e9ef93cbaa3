"""A shop scale on a serial port, Toledo 8217 protocol (as NCR and Magellan scanner-scales use).

The till sends `W`; the scale answers `STX weight CR` (e.g. "\\x0201.234\\r", kilograms) when
the weight is stable, or `STX ? status CR` when it cannot give one: the status byte's bits say
in motion (1), over capacity (2), negative (4), outside the zero range (8), at zero (16).
7 data bits, even parity, 9600 baud.
"""

from __future__ import annotations

import contextlib
import re
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from posterm.domain.errors import PostermError

STX, CR = b"\x02", b"\r"
MOTION, OVER_CAPACITY, NEGATIVE, OUTSIDE_ZERO, AT_ZERO = 1, 2, 4, 8, 16
_WEIGHT = re.compile(rb"\x02\s*([0-9]+\.[0-9]+|[0-9]+)N?\r")
_STATUS = re.compile(rb"\x02\?(.)\r", re.DOTALL)


class ScaleError(PostermError):
    """The scale cannot be reached, or answered something that is no weight."""


@dataclass(frozen=True)
class Reading:
    """One answer of the scale: a stable weight, or why there is none."""

    weight: Decimal | None  # kilograms, 3 decimals; None when not stable or in error
    status: int = 0

    @property
    def stable(self) -> bool:
        return self.weight is not None

    @property
    def message(self) -> str:
        """One line for the cashier."""
        if self.weight is not None:
            return f"{self.weight:.3f} kg"
        problems = []
        if self.status & MOTION:
            problems.append("in motion: wait for it to settle")
        if self.status & OVER_CAPACITY:
            problems.append("over capacity")
        if self.status & NEGATIVE:
            problems.append("negative weight: zero the scale")
        if self.status & OUTSIDE_ZERO:
            problems.append("outside the zero range")
        if not problems and self.status & AT_ZERO:
            problems.append("nothing on the scale")
        return "scale " + ", ".join(problems or ["gave no weight"])


def parse_reply(data: bytes) -> Reading:
    """Reads one Toledo 8217 answer (STX ... CR); raises ScaleError for anything else."""
    match = _WEIGHT.search(data)
    if match:
        try:
            return Reading(Decimal(match[1].decode()).quantize(Decimal("0.001")))
        except InvalidOperation:
            pass
    match = _STATUS.search(data)
    if match:
        return Reading(None, match[1][0] & 0x3F)
    raise ScaleError(f"the scale answered {data!r}, not a Toledo 8217 weight")


class ToledoScale:
    """`read()` asks for the weight once. The port stays open between readings and is opened
    again after a failure, so an unplugged scale comes back by itself."""

    def __init__(
        self, device: str, baud: int = 9600, *, timeout: float = 1.0, open_port: Any = None
    ) -> None:
        self.device = device
        self.baud = baud
        self.timeout = timeout
        self._open_port = open_port or _open_serial
        self._port: Any = None
        self._lock = threading.Lock()

    def read(self) -> Reading:
        with self._lock:
            try:
                if self._port is None:
                    self._port = self._open_port(self.device, self.baud, self.timeout)
                self._port.reset_input_buffer()
                self._port.write(b"W")
                reply = self._port.read_until(CR, 64)
            except Exception as exc:
                self._drop()
                raise ScaleError(f"scale {self.device}: {_reason(exc)}") from None
        if not reply:
            raise ScaleError(f"scale {self.device}: no answer within {self.timeout:g} s")
        return parse_reply(reply)

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._port is not None:
            with contextlib.suppress(Exception):
                self._port.close()
        self._port = None


def _open_serial(device: str, baud: int, timeout: float) -> Any:
    import serial

    return serial.Serial(
        device,
        baud,
        bytesize=serial.SEVENBITS,
        parity=serial.PARITY_EVEN,
        stopbits=serial.STOPBITS_ONE,
        timeout=timeout,
        write_timeout=timeout,
    )


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None)
    if not text and len(exc.args) == 2 and isinstance(exc.args[1], str):
        text = exc.args[1]  # termios.error(5, 'Input/output error')
    return (text or str(exc) or type(exc).__name__).splitlines()[0]
