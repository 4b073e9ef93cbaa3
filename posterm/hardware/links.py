"""Printers on python-escpos links: network (TCP 9100), USB, serial and CUPS.

python-escpos opens the link (`escpos.printer.Network`, `Usb`, `Serial`, `CupsPrinter`/`LP`);
the receipt's bytes are rendered once (`printer.escpos_bytes`) and go out in one write. Each
job opens the link and closes it again: a printer switched off and on, or a second till on
the same network printer, never finds a stale connection.

Printers that answer DLE EOT (real-time status: Epson and most clones, on network, serial and
USB) are asked before and after each job, so paper-out or offline fails the job (the sale is
then marked unprinted) and the cashier hears of it before the next sale. A printer that does
not answer is remembered as one without status; its jobs still print. One that answered
before and falls silent has hung: its job fails, and it is asked again next time.
"""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass
from typing import Any

from posterm.domain.errors import PrinterError
from posterm.domain.receipt import ReceiptDocument
from posterm.hardware.printer import (
    PrintOptions,
    _escpos,
    can_print,
    document_bytes,
    drawer_kick_bytes,
)

STATUS_TIMEOUT = 0.5  # seconds a printer has to answer DLE EOT before it counts as silent
DLE_EOT = b"\x10\x04"
# DLE EOT n answers: bits 1 and 4 are always set; the others mean what is named here.
_OFFLINE = 0x08  # n=1: printer status, "offline"
_PAPER_NEAR_END = 0x0C  # n=4: paper roll sensor, "near end"
_PAPER_OUT = 0x60  # n=4: "paper end"


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself; `known` is False when it cannot say."""

    known: bool
    online: bool = True
    paper: str = "ok"  # ok, low, out

    @property
    def problem(self) -> str:
        """One line for the cashier, or "" when the printer can print."""
        if not self.online:
            return "offline (cover open or an error)"
        if self.paper == "out":
            return "out of paper"
        return ""

    @property
    def summary(self) -> str:
        if not self.known:
            return "status unknown (the printer does not report it)"
        if self.problem:
            return self.problem
        return "online, paper low" if self.paper == "low" else "online, paper ok"


def parse_status(online_byte: int | None, paper_byte: int | None) -> PrinterStatus:
    """The status from the answers to DLE EOT 1 and DLE EOT 4 (None: no answer)."""
    if online_byte is None:
        return PrinterStatus(known=False)
    paper = "ok"
    if paper_byte is not None:
        if paper_byte & _PAPER_OUT:
            paper = "out"
        elif paper_byte & _PAPER_NEAR_END:
            paper = "low"
    return PrinterStatus(known=True, online=not online_byte & _OFFLINE, paper=paper)


class LinkPrinter:
    """A receipt printer behind a python-escpos link; raises PrinterError, nothing else."""

    def __init__(
        self,
        name: str,
        make_device: Any,
        *,
        columns: int,
        options: PrintOptions,
        timeout: float,
        reports_status: bool = True,
    ) -> None:
        self.name = name
        self.columns = columns
        self.options = options
        self.profile = options.profile
        self.currency_fallback = options.currency_fallback
        self.timeout = timeout
        self._make_device = make_device
        self._reports_status = reports_status
        self._answered = False  # it has answered a status query on this link
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LinkPrinter({self.name!r})"

    def can_print(self, text: str) -> bool:
        return can_print(text, self.options)

    def print_document(self, doc: ReceiptDocument) -> None:
        self.send(document_bytes(doc, self.options))

    def kick_drawer(self) -> None:
        # A printer out of paper still opens its drawer: only an offline one is not asked.
        data = drawer_kick_bytes(self.options.drawer_pin, self.options.drawer_pulse_ms)
        self.send(data, paper_needed=False)

    def status(self) -> PrinterStatus:
        """Asks the printer how it is (opens the link); raises PrinterError if unreachable."""
        with self._lock, self._opened() as device:
            return self._status(device)

    def send(self, data: bytes, *, paper_needed: bool = True) -> None:
        """One job: open, check the status, write `data` in one go, check again, close."""
        with self._lock, self._opened() as device:
            self._refuse_if_unwell(device, before=True, paper_needed=paper_needed)
            try:
                device._raw(data)
            except OSError as exc:
                raise PrinterError(f"{self.name}: {_reason(exc)}") from None
            except _escpos().Error as exc:
                raise PrinterError(f"{self.name}: {_one_line(exc)}") from None
            self._refuse_if_unwell(device, before=False, paper_needed=paper_needed)

    # --- the link -------------------------------------------------------------------------

    def _opened(self) -> _Opened:
        return _Opened(self)

    def _refuse_if_unwell(self, device: Any, *, before: bool, paper_needed: bool) -> None:
        status = self._status(device)
        if status.problem and (paper_needed or not status.online):
            when = "" if before else " (after sending)"
            raise PrinterError(f"{self.name}: {status.problem}{when}")

    def _status(self, device: Any) -> PrinterStatus:
        if not self._reports_status:
            return PrinterStatus(known=False)
        online = self._ask(device, 1)
        if online is None:
            if self._answered:
                # It answered before: this silence is a printer that hung, and what is sent
                # to it may never come out. Failing the job leaves the sale unprinted.
                raise PrinterError(f"{self.name}: the printer stopped answering")
            # Silent: it takes receipts without answering. Not asked again on this link.
            self._reports_status = False
            return PrinterStatus(known=False)
        self._answered = True
        return parse_status(online, self._ask(device, 4))

    def _ask(self, device: Any, n: int) -> int | None:
        """Sends DLE EOT n; the answer byte, or None when none comes in STATUS_TIMEOUT."""
        try:
            device._raw(DLE_EOT + bytes([n]))
            answer = _read_one(device)
        except TimeoutError:
            return None
        except OSError as exc:
            raise PrinterError(f"{self.name}: {_reason(exc)}") from None
        except _escpos().Error:
            return None
        if answer is None:
            raise PrinterError(f"{self.name}: the printer closed the connection mid-job")
        return answer


class _Opened:
    """Opens the link on enter (a one-line PrinterError if it cannot), closes it on exit."""

    def __init__(self, printer: LinkPrinter) -> None:
        self.printer = printer
        self.device: Any = None

    def __enter__(self) -> Any:
        escpos = _escpos()
        try:
            self.device = self.printer._make_device()
            self.device.open()
        except OSError as exc:
            raise PrinterError(f"{self.printer.name}: {_reason(exc)}") from None
        except (escpos.Error, RuntimeError, ValueError) as exc:
            raise PrinterError(f"{self.printer.name}: {_one_line(exc)}") from None
        return self.device

    def __exit__(self, *exc: object) -> None:
        if self.device is not None:
            try:
                self.device.close()
            except (OSError, _escpos().Error):
                pass


def _read_one(device: Any) -> int | None:
    """One status byte from the link (None at end of stream); raises TimeoutError."""
    raw = device.device
    if isinstance(raw, socket.socket):
        raw.settimeout(STATUS_TIMEOUT)
        data = raw.recv(1)
        if not data:
            return None
        return data[0]
    if hasattr(raw, "read") and hasattr(raw, "timeout"):  # a pyserial port
        raw.timeout = STATUS_TIMEOUT
        data = raw.read(1)
        if not data:
            raise TimeoutError
        return data[0]
    data = device._read()  # USB: its own timeout
    if not data:
        raise TimeoutError
    return data[0]


def _reason(exc: OSError) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer (timed out)"
    return (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0]


def _one_line(exc: Exception) -> str:
    """python-escpos says "Could not open socket for HOST:\\n[Errno 111] Connection refused":
    the cause is its last line."""
    lines = [part.strip() for part in str(getattr(exc, "msg", "") or exc).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return type(exc).__name__
    if len(lines) > 1:
        cause = re.sub(r"^\[Errno -?\d+\]\s*", "", lines[-1])
        return f"cannot connect ({cause})"
    return lines[0]


# --- parsing the config's `printer` value -----------------------------------------------------


def open_link_printer(
    spec: str, columns: int, options: PrintOptions, timeout: float
) -> LinkPrinter | None:
    """The printer for a network:, usb:, serial: or cups: value; None for anything else."""
    kind, _, rest = spec.partition(":")
    profile = options.profile
    if kind == "network" and rest:
        host, _, port_text = rest.partition(":")
        port = int(port_text) if port_text.isdigit() else 9100

        def network() -> Any:
            return _escpos_printer().Network(host, port=port, timeout=timeout, profile=profile)

        return LinkPrinter(
            f"printer {host}:{port}", network, columns=columns, options=options, timeout=timeout
        )
    if kind == "serial" and rest:
        device, _, baud_text = rest.partition(":")
        baud = int(baud_text) if baud_text.isdigit() else 9600

        def serial() -> Any:
            _require("serial", "pyserial")
            return _escpos_printer().Serial(
                device, baudrate=baud, timeout=timeout, dsrdtr=False, profile=profile
            )

        return LinkPrinter(
            f"printer {device}", serial, columns=columns, options=options, timeout=timeout
        )
    if kind == "usb" and rest:
        parts = rest.split(":")
        if len(parts) not in (2, 4):
            return None
        vid, pid = int(parts[0], 16), int(parts[1], 16)
        endpoints = {}
        if len(parts) == 4:
            endpoints = {"in_ep": int(parts[2], 16), "out_ep": int(parts[3], 16)}

        def usb() -> Any:
            _require("usb", "pyusb")
            return _escpos_printer().Usb(
                vid, pid, timeout=int(timeout * 1000), profile=profile, **endpoints
            )

        return LinkPrinter(
            f"printer usb {parts[0]}:{parts[1]}",
            usb,
            columns=columns,
            options=options,
            timeout=timeout,
        )
    if kind == "cups" and rest:

        def cups() -> Any:
            printers = _escpos_printer()
            if printers.CupsPrinter.is_usable():
                return printers.CupsPrinter(rest, profile=profile)
            return printers.LP(rest, profile=profile)  # the `lp` command, without pycups

        # A CUPS queue takes the job and answers nothing back.
        return LinkPrinter(
            f"printer {rest}",
            cups,
            columns=columns,
            options=options,
            timeout=timeout,
            reports_status=False,
        )
    return None


def _escpos_printer() -> Any:
    _escpos()  # imported the quiet way first (logging, cache dir)
    from escpos import printer

    return printer


def _require(module: str, package: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise PrinterError(f"this printer link needs the {package} package") from None
