"""Barcode scanners: a keyboard wedge told apart from typing, and a serial scanner thread.

A keyboard-wedge scanner "types" a code far faster than a person: `BurstDetector` watches key
timestamps (given to it, so tests inject them) and calls a run of at least `min_length`
characters, each within `max_gap` seconds of the one before and ended by a terminator key,
a scan. Keys that bunch together over a slow SSH link can look like a burst too; the scan path
behind it guards those (GTIN check digits, then the catalogue lookup), so they never add a
wrong item.

`SerialScanner` reads a scanner on a serial port (pyserial) in a thread of its own and hands
each code to a callback; an unplugged scanner is retried until it comes back.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("posterm.hardware")

# Terminator names in the config, and the key names a terminal sends for them.
TERMINATOR_KEYS = {"enter": ("enter",), "tab": ("tab",), "lf": ("ctrl+j", "newline")}


@dataclass(frozen=True)
class WedgeSettings:
    """The config's scanner_* keys."""

    min_length: int = 6
    max_gap: float = 0.030  # seconds between two keys of one scan
    terminators: tuple[str, ...] = ("enter", "tab", "lf")
    prefix: str = ""
    suffix: str = ""

    @property
    def terminator_keys(self) -> frozenset[str]:
        return frozenset(key for name in self.terminators for key in TERMINATOR_KEYS[name])


def wedge_settings(config: Any) -> WedgeSettings:
    return WedgeSettings(
        min_length=config.scanner_min_length,
        max_gap=config.scanner_max_gap_ms / 1000,
        terminators=tuple(config.scanner_terminators.split(",")),
        prefix=config.scanner_prefix,
        suffix=config.scanner_suffix,
    )


@dataclass(frozen=True)
class KeyVerdict:
    """What to do with one key: `kind` is

    - "start": a character that may begin a scan (the caller notes where the focus is),
    - "more": a character that continues one,
    - "scan": the terminator that ends a scan: swallow it; `code` is the scanned code,
    - "pass": anything else (typing, a function key).
    Characters are always delivered as typed; a caller undoes them once "scan" says so.
    """

    kind: str
    code: str = ""
    gaps: tuple[float, ...] = ()  # seconds between the scan's keys, for `posterm scanner test`
    length: int = 0  # characters typed since the burst began (prefix and suffix included)


@dataclass
class BurstDetector:
    """Feeds on (key, character, timestamp); pure, no clock of its own."""

    settings: WedgeSettings = field(default_factory=WedgeSettings)
    _chars: list[str] = field(default_factory=list)
    _times: list[float] = field(default_factory=list)

    def reset(self) -> None:
        self._chars.clear()
        self._times.clear()

    def feed(self, key: str, character: str | None, at: float) -> KeyVerdict:
        max_gap = self.settings.max_gap
        quick = bool(self._times) and at - self._times[-1] <= max_gap
        if character is not None and len(character) == 1 and character.isprintable():
            if not quick:
                self.reset()
            self._chars.append(character)
            self._times.append(at)
            return KeyVerdict("start" if len(self._chars) == 1 else "more")
        if key in self.settings.terminator_keys and quick:
            text = "".join(self._chars)
            times = [*self._times, at]
            self.reset()
            code = self._code(text)
            if code is not None:
                gaps = tuple(b - a for a, b in itertools.pairwise(times))
                return KeyVerdict("scan", code, gaps, len(text))
            return KeyVerdict("pass", length=len(text))
        self.reset()
        return KeyVerdict("pass")

    def _code(self, text: str) -> str | None:
        prefix, suffix = self.settings.prefix, self.settings.suffix
        if len(text) < self.settings.min_length:
            return None
        if prefix and not text.startswith(prefix):
            return None
        if suffix and not text.endswith(suffix):
            return None
        code = text[len(prefix) : len(text) - len(suffix)]
        return code.strip() or None


# --- serial scanners ---------------------------------------------------------------------------


def parse_serial(spec: str, default_baud: int = 9600) -> tuple[str, int]:
    """ "serial:/dev/ttyACM0:9600" -> ("/dev/ttyACM0", 9600)."""
    rest = spec.removeprefix("serial:")
    device, _, baud = rest.partition(":")
    return device, int(baud) if baud.isdigit() else default_baud


class SerialScanner:
    """Reads codes (ended by CR and/or LF) from a serial scanner in a daemon thread.

    `on_code(code)` gets each code with its prefix and suffix taken off; `on_state(message,
    ok)` hears of connecting, disconnecting and reconnecting. Both run on the reader's thread.
    `open_port(device, baud)` makes the pyserial port (tests pass their own).
    """

    def __init__(
        self,
        device: str,
        baud: int = 9600,
        *,
        on_code: Callable[[str], None],
        on_state: Callable[[str, bool], None] | None = None,
        prefix: str = "",
        suffix: str = "",
        retry_seconds: float = 1.0,
        open_port: Callable[[str, int], Any] | None = None,
    ) -> None:
        self.device = device
        self.baud = baud
        self.on_code = on_code
        self.on_state = on_state or (lambda message, ok: None)
        self.prefix = prefix
        self.suffix = suffix
        self.retry_seconds = retry_seconds
        self._open_port = open_port or _open_serial
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="serial-scanner", daemon=True)
        self.connected = False

    def start(self) -> SerialScanner:
        self._thread.start()
        return self

    def stop(self, wait: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(wait)

    def _run(self) -> None:
        announced_failure = False
        while not self._stop.is_set():
            try:
                port = self._open_port(self.device, self.baud)
            except (OSError, ValueError) as exc:
                if not announced_failure:
                    self.on_state(f"scanner {self.device}: {_reason(exc)}; retrying", False)
                    announced_failure = True
                self._stop.wait(self.retry_seconds)
                continue
            except Exception as exc:  # pyserial's SerialException is an OSError; others too
                if not announced_failure:
                    self.on_state(f"scanner {self.device}: {_reason(exc)}; retrying", False)
                    announced_failure = True
                self._stop.wait(self.retry_seconds)
                continue
            self.connected, announced_failure = True, False
            self.on_state(f"scanner {self.device} connected", True)
            try:
                self._read(port)
            except Exception as exc:  # unplugged: read fails; come back when it returns
                if not self._stop.is_set():
                    log.info("scanner %s: %s", self.device, _reason(exc))
                    self.on_state(f"scanner {self.device} disconnected; waiting for it", False)
                    announced_failure = True
            finally:
                self.connected = False
                with contextlib.suppress(Exception):
                    port.close()
            self._stop.wait(self.retry_seconds)

    def _read(self, port: Any) -> None:
        buffer = bytearray()
        while not self._stop.is_set():
            chunk = port.read(port.in_waiting or 1)
            if not chunk:
                continue  # the read timed out: nothing scanned
            buffer.extend(chunk)
            while True:
                ends = [at for at in (buffer.find(b"\r"), buffer.find(b"\n")) if at != -1]
                if not ends:
                    break
                end = min(ends)
                raw, buffer = bytes(buffer[:end]), buffer[end + 1 :]
                code = self._clean(raw.decode("ascii", "replace"))
                if code:
                    self.on_code(code)

    def _clean(self, text: str) -> str:
        text = text.strip()
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix) :]
        if self.suffix and text.endswith(self.suffix):
            text = text[: -len(self.suffix)]
        return text.strip()


def _open_serial(device: str, baud: int) -> Any:
    import serial

    return serial.Serial(device, baud, timeout=0.2)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None)
    if not text and len(exc.args) == 2 and isinstance(exc.args[1], str):
        text = exc.args[1]  # termios.error(5, 'Input/output error')
    return (text or str(exc) or type(exc).__name__).splitlines()[0]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Polls `predicate` (for tests and the test commands)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
