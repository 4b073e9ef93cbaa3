"""Fake serial devices on pseudo-terminals: a scanner, a Toledo 8217 scale, a pole display and
a serial receipt printer.

Each lives at a fixed path (a symlink to its pty, as udev's /dev/serial/by-id links are), so
`unplug()` and `plug()` behave like pulling the USB-serial cable and putting it back: the
till's port breaks, and the same path works again later.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import threading
import time
import tty
from decimal import Decimal
from pathlib import Path

from posterm.hardware.fakes.escpos_decode import Decoded, decode


class FakeSerialDevice:
    """A pty whose slave is reachable at `path`; subclasses answer what the till sends."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._master = -1
        self._slave = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.received = bytearray()
        self._lock = threading.Condition()

    def __enter__(self) -> FakeSerialDevice:
        return self.plug()

    def __exit__(self, *exc: object) -> None:
        self.unplug()

    @property
    def plugged(self) -> bool:
        return self._master != -1

    def plug(self) -> FakeSerialDevice:
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)  # no echo, no CR/LF translation: bytes as a cable carries them
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.path.symlink_to(os.ttyname(self._slave))
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="fake-serial", daemon=True)
        self._thread.start()
        return self

    def unplug(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        for fd in (self._master, self._slave):
            if fd != -1:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def send(self, data: bytes) -> None:
        """Bytes from the device to the till."""
        os.write(self._master, data)

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                continue  # no reader on the slave side yet
            if not data:
                continue
            with self._lock:
                self.received.extend(data)
                self.received_chunk(data)
                self._lock.notify_all()

    def received_chunk(self, data: bytes) -> None:
        """Called with each chunk the till sent (on the device's thread)."""


class FakeScanner(FakeSerialDevice):
    """Sends codes the way a serial scanner does: the code, then CR (or what you give)."""

    def scan(self, code: str, terminator: bytes = b"\r") -> None:
        self.send(code.encode("ascii") + terminator)


class FakeScale(FakeSerialDevice):
    """Answers `W` in Toledo 8217: the weight when stable, else `?` and a status byte."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self.weight = Decimal("0.000")  # kilograms
        self.motion = False
        self.over_capacity = False
        self.requests = 0

    def received_chunk(self, data: bytes) -> None:
        for byte in data:
            if byte != ord("W"):
                continue
            self.requests += 1
            status = 0
            if self.motion:
                status |= 1
            if self.over_capacity:
                status |= 2
            if self.weight < 0:
                status |= 4
            if status:
                self.send(b"\x02?" + bytes([0x40 | status]) + b"\r")
            else:
                self.send(b"\x02" + f"{self.weight:06.3f}".encode() + b"\r")


class FakeDisplay(FakeSerialDevice):
    """A 2x20 display: decodes CD5220 and Epson commands into its two lines."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self.lines = [" " * 20, " " * 20]
        self.frames = 0
        self._pending = bytearray()
        self._row, self._col = 0, 0

    @property
    def text(self) -> tuple[str, str]:
        return self.lines[0], self.lines[1]

    def received_chunk(self, data: bytes) -> None:
        self._pending.extend(data)
        buf = self._pending
        i = 0
        while i < len(buf):
            byte = buf[i]
            if byte == 0x1B:  # ESC
                if i + 1 >= len(buf):
                    break
                cmd = buf[i + 1]
                if cmd == ord("@"):
                    self.lines = [" " * 20, " " * 20]
                    self._row = self._col = 0
                    self.frames += 1
                    i += 2
                elif cmd == ord("Q"):  # CD5220: ESC Q A|B text CR
                    end = buf.find(b"\r", i)
                    if end == -1 or i + 2 >= len(buf):
                        break
                    row = 0 if buf[i + 2] == ord("A") else 1
                    text = buf[i + 3 : end].decode("ascii", "replace")
                    self.lines[row] = text[:20].ljust(20)
                    i = end + 1
                else:
                    i += 2
            elif byte == 0x1F:  # Epson: US $ x y moves the cursor (1-based)
                if i + 3 >= len(buf):
                    break
                if buf[i + 1] == ord("$"):
                    self._col, self._row = buf[i + 2] - 1, buf[i + 3] - 1
                i += 4
            elif byte == 0x0C:  # clear
                self.lines = [" " * 20, " " * 20]
                self._row = self._col = 0
                i += 1
            elif byte == 0x0B:  # home
                self._row = self._col = 0
                i += 1
            elif 0x20 <= byte < 0x7F:
                if self._col < 20:
                    line = self.lines[self._row]
                    self.lines[self._row] = line[: self._col] + chr(byte) + line[self._col + 1 :]
                self._col += 1
                i += 1
            else:
                i += 1
        del buf[:i]


class FakeSerialPrinter(FakeSerialDevice):
    """An ESC/POS printer on a serial line: answers DLE EOT, decodes what it was sent."""

    def __init__(self, path: str | os.PathLike[str], *, profile: str | None = None) -> None:
        super().__init__(path)
        self.profile = profile
        self.paper = "ok"

    def received_chunk(self, data: bytes) -> None:
        at = self.received.find(b"\x10\x04", max(len(self.received) - len(data) - 2, 0))
        while at != -1 and at + 2 < len(self.received):
            n = self.received[at + 2]
            self.send(
                bytes([{"ok": 0x12, "low": 0x1E, "out": 0x72}[self.paper] if n == 4 else 0x12])
            )
            at = self.received.find(b"\x10\x04", at + 3)

    def decoded(self) -> Decoded:
        with self._lock:
            return decode(bytes(self.received), self.profile)
