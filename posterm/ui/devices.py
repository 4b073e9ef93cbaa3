"""The till's counter hardware in the UI: printer queue, drawer, scanners, scale, pole display.

`DevicesMixin` is mixed into the App: it owns one `Devices`, puts the keyboard-wedge filter in
front of the app's key handling, starts the serial scanner (whose thread posts `DeviceScan`
messages) and shows device troubles as notifications. Nothing here blocks the UI thread:
printing and the drawer go through `services.printing.PrintQueue`, display writes through a
thread of their own, scale readings through a worker.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message

from posterm.domain.errors import PermissionDenied, PostermError
from posterm.domain.permissions import Actor, Grant, Permission, grant

if TYPE_CHECKING:
    from textual.app import App

    from posterm.config import Config
    from posterm.services.printing import PrintOutcome, PrintQueue

log = logging.getLogger("posterm.ui")
CHANGE_SHOWN_SECONDS = 20  # the customer reads their change before the display goes idle


class DeviceScan(Message):
    """A code read by a serial scanner (posted from its thread)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class DeviceState(Message):
    """A device came, went or failed: one line for the cashier."""

    def __init__(self, text: str, ok: bool) -> None:
        super().__init__()
        self.text = text
        self.ok = ok


class Devices:
    """Opened from the config on first use; every method returns at once."""

    def __init__(self, app: App, config: Config) -> None:
        self.app = app
        self.config = config
        self._queue: PrintQueue | None = None
        self._display_writer: _DisplayWriter | None = None
        self._scale: Any = None
        self.serial_scanner: Any = None
        self.printer_problem = ""
        self._bill_was_empty = True
        self._change_shown_at = 0.0

    # --- printer and drawer -----------------------------------------------------------------

    @property
    def has_printer(self) -> bool:
        return self.config.printer != "none"

    @property
    def printing(self) -> PrintQueue:
        if self._queue is None:
            from posterm.hardware.printer import PrintOptions, open_printer
            from posterm.services.printing import PrintQueue
            from posterm.services.system import connection

            config = self.config
            options = PrintOptions(
                profile=config.printer_profile or None,
                codepage=config.printer_codepage,
                currency_fallback=config.printer_fallback,
                font_path=config.printer_font,
                drawer_pin=config.drawer_pin,
                drawer_pulse_ms=config.drawer_pulse_ms,
            )
            printer = open_printer(
                config.printer,
                config.receipt_columns,
                options=options,
                timeout=config.printer_timeout,
            )
            self._queue = PrintQueue(
                printer,
                config.receipt_columns,
                deadline=config.printer_timeout + 2,
                report=self._printer_outcome,
                connection=connection,
            )
        return self._queue

    def print_sale(
        self, sale_id: int, report: Callable[[str, bool], None], *, reprint: bool = False
    ) -> None:
        """Queues the receipt (and, for cash, the drawer kick); `report` hears how it went."""
        self.printing.print_sale(
            sale_id,
            reprint=reprint,
            on_done=lambda outcome: self._on_ui(report, outcome.message, not outcome.ok),
        )

    def print_document(
        self, build: Callable[[int, str], Any], report: Callable[[str, bool], None]
    ) -> None:
        """Queues a document that is not a sale; `report` hears how it went."""
        self.printing.print_document(
            build, on_done=lambda outcome: self._on_ui(report, outcome.message, not outcome.ok)
        )

    def check_printer(self) -> None:
        """Asks a printer that reports status how it is: trouble shows before the sale ends."""
        if self.has_printer:
            self.printing.check_status()

    def kick_drawer(self, report: Callable[[str, bool], None]) -> None:
        self.printing.kick_drawer(
            on_done=lambda outcome: self._on_ui(report, outcome.message, not outcome.ok)
        )

    def _printer_outcome(self, outcome: PrintOutcome) -> None:
        """On the queue's thread: remember and show printer trouble (once per change)."""
        problem = "" if outcome.ok else outcome.message
        if problem.startswith("printer ") and ": " in problem:
            problem = problem.split(": ", 1)[1]  # "printer HOST:PORT: out of paper"
        if outcome.job == "drawer" and not outcome.ok:
            problem = self.printer_problem  # the drawer's own report says it
        if problem == self.printer_problem:
            return
        self.printer_problem = problem
        if problem:
            self._on_ui(
                self.app.notify,
                f"Printer: {problem}. Sales still save; unprinted bills are in Sales (F4).",
                severity="error",
                timeout=10,
            )
        else:
            self._on_ui(self.app.notify, "Printer is back.", timeout=4)

    def _on_ui(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app has already closed
            self.app.call_from_thread(call, *args, **kwargs)

    # --- no sale ------------------------------------------------------------------------------

    def no_sale(self) -> None:
        """Opens the drawer without a sale: allowed by role or a manager's approval, audited."""
        app: Any = self.app
        if app.session is None:
            return
        if not self.has_printer:
            app.notify("No printer configured: the drawer opens through the printer.")
            return
        actor = app.session.actor
        allowed = grant(actor.role, Permission.NO_SALE_DRAWER)
        if allowed is Grant.NO:
            app.notify(str(PermissionDenied(Permission.NO_SALE_DRAWER.value, actor.role.value)))
            return
        if allowed is Grant.YES:
            self._open_no_sale(actor, "no sale")
            return
        from posterm.ui.modals.override import OverrideModal

        app.push_screen(
            OverrideModal(actor, Permission.NO_SALE_DRAWER, "Opening the drawer without a sale."),
            lambda approved: self._open_no_sale(approved, "") if approved else None,
        )

    def _open_no_sale(self, actor: Actor, reason: str) -> None:
        from posterm.services.printing import record_no_sale
        from posterm.ui.background import run_service

        def report(message: str, error: bool) -> None:
            self.app.notify(
                f"No sale: {message}", severity="error" if error else "information", timeout=6
            )

        run_service(
            self.app,
            lambda: record_no_sale(actor, reason),
            lambda _: self.kick_drawer(report),
            lambda error: self.app.notify(str(error), severity="error"),
            group="no-sale",
        )

    # --- customer display -----------------------------------------------------------------

    def _display(self) -> _DisplayWriter | None:
        if self.config.display == "none":
            return None
        if self._display_writer is None:
            from posterm.hardware.display import PoleDisplay
            from posterm.hardware.scanner import parse_serial

            device, baud = parse_serial(self.config.display)
            display = PoleDisplay(device, baud, protocol=self.config.display_protocol)
            self._display_writer = _DisplayWriter(display, self._device_trouble)
        return self._display_writer

    def show_idle(self) -> None:
        from posterm.hardware.display import idle_lines

        writer = self._display()
        if writer is not None:
            writer.show(*idle_lines(self.config.display_idle))

    def show_bill(self, bill: Any, totals: Any) -> None:
        """After every change of the bill: its last item and the total (or idle when empty)."""
        from posterm.hardware import display

        empty = bill.is_empty
        if self._bill_was_empty and not empty:
            self.check_printer()  # a new sale: say now if the printer is out of paper
        self._bill_was_empty = empty
        writer = self._display()
        if writer is None:
            return
        if empty:
            if time.monotonic() - self._change_shown_at > CHANGE_SHOWN_SECONDS:
                self.show_idle()
            return
        item = bill.items[-1]
        writer.show(*display.item_lines(item.name, item.unit_price, totals.total_due))

    def show_due(self, total: Decimal) -> None:
        from posterm.hardware import display

        writer = self._display()
        if writer is not None:
            writer.show(*display.total_lines(total))

    def show_change(self, total: Decimal, change: Decimal) -> None:
        from posterm.hardware import display

        writer = self._display()
        if writer is not None:
            self._change_shown_at = time.monotonic()
            writer.show(*display.change_lines(total, change))
            self.app.set_timer(CHANGE_SHOWN_SECONDS, self._idle_unless_selling)

    def _idle_unless_selling(self) -> None:
        if self._bill_was_empty:
            self._change_shown_at = 0.0
            self.show_idle()

    # --- scale ------------------------------------------------------------------------------

    @property
    def has_scale(self) -> bool:
        return self.config.scale != "none"

    def read_scale(self) -> Any:
        """Reads the scale once (blocking: call it in a worker); a hardware.scale.Reading."""
        if self._scale is None:
            from posterm.hardware.scale import ToledoScale
            from posterm.hardware.scanner import parse_serial

            device, baud = parse_serial(self.config.scale)
            self._scale = ToledoScale(device, baud)
        return self._scale.read()

    # --- serial scanner -------------------------------------------------------------------

    def start(self) -> None:
        if self.config.scanner.startswith("serial:"):
            from posterm.hardware.scanner import SerialScanner, parse_serial

            device, baud = parse_serial(self.config.scanner)
            self.serial_scanner = SerialScanner(
                device,
                baud,
                on_code=lambda code: self.app.post_message(DeviceScan(code)),
                on_state=lambda text, ok: self.app.post_message(DeviceState(text, ok)),
                prefix=self.config.scanner_prefix,
                suffix=self.config.scanner_suffix,
            ).start()
        self.show_idle()

    def stop(self) -> None:
        if self.serial_scanner is not None:
            self.serial_scanner.stop(wait=0.5)
        if self._display_writer is not None:
            self._display_writer.close()
        if self._queue is not None:
            self._queue.close()

    def _device_trouble(self, text: str) -> None:
        self.app.post_message(DeviceState(text, False))


class _DisplayWriter:
    """Writes to the pole display on a thread of its own; only the latest text matters."""

    def __init__(self, display: Any, trouble: Callable[[str], None]) -> None:
        self.display = display
        self.trouble = trouble
        self._latest: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=1)
        self._failing = False
        self._thread = threading.Thread(target=self._run, name="pole-display", daemon=True)
        self._thread.start()

    def show(self, upper: str, lower: str) -> None:
        with contextlib.suppress(queue.Empty):
            self._latest.get_nowait()  # an older text not yet written is not worth writing
        with contextlib.suppress(queue.Full):
            self._latest.put_nowait((upper, lower))

    def close(self) -> None:
        with contextlib.suppress(queue.Empty):
            self._latest.get_nowait()
        with contextlib.suppress(queue.Full):
            self._latest.put_nowait(None)

    def _run(self) -> None:
        while True:
            lines = self._latest.get()
            if lines is None:
                self.display.close()
                return
            try:
                self.display.show(*lines)
            except PostermError as error:
                if not self._failing:
                    self.trouble(str(error))
                self._failing = True
                continue
            self._failing = False


class DevicesMixin:
    """Mixed into PostermApp (before App): hardware wiring that app.py need not know about."""

    config: Config

    @property
    def devices(self) -> Devices:
        found = self.__dict__.get("_devices")
        if found is None:
            found = self.__dict__["_devices"] = Devices(self, self.config)  # type: ignore[arg-type]
        return found

    def on_mount(self) -> None:
        from posterm.hardware.scanner import wedge_settings
        from posterm.ui.scanner_input import KeyboardWedge

        self._wedge = None
        if self.config.scanner == "keyboard":
            self._wedge = KeyboardWedge(
                self,  # type: ignore[arg-type]
                wedge_settings(self.config),
                self._replay_keys,
            )
        self.devices.start()

    def on_unmount(self) -> None:
        self.devices.stop()

    async def on_event(self, event: events.Event) -> None:
        wedge = self.__dict__.get("_wedge")
        if wedge is not None and isinstance(event, events.Key) and not event.is_forwarded:
            interception = wedge.intercept(event)
            await self._replay_keys(interception.replay)
            if interception.after_replay is not None:
                interception.after_replay()
            if interception.taken:
                return
        await super().on_event(event)  # type: ignore[misc]

    async def _replay_keys(self, keys: list[events.Key]) -> None:
        """Keys the wedge held back from what turned out to be typing, handled as typed."""
        for key in keys:
            await super().on_event(key)  # type: ignore[misc]

    def on_device_scan(self, message: DeviceScan) -> None:
        from posterm.ui.scanner_input import _over_billing, _refuse
        from posterm.ui.screens.billing import BillingScreen

        app: Any = self
        if app.locked:
            return
        if isinstance(app.screen, BillingScreen):
            app.screen.take_scan(message.code)
        elif _over_billing(app):
            _refuse(app, message.code)
        else:
            app.notify(f"Scanned {message.code}: open Billing (Alt+B) to sell it.", timeout=5)

    def on_device_state(self, message: DeviceState) -> None:
        app: Any = self
        app.notify(message.text, severity="information" if message.ok else "warning", timeout=6)

    def action_no_sale(self) -> None:
        self.devices.no_sale()
