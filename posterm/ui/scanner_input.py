"""A keyboard-wedge scanner on the billing screen: a burst of keys is a scan wherever the focus is.

Keys reach the widgets as typed, with no delay for a person typing; `BurstDetector` watches
their timestamps. When a terminator ends a burst, the terminator is swallowed, what the burst
typed is taken back out of the field it landed in, and the code goes to the billing screen's
scan path (GTIN check digits and the catalogue lookup guard it). In a window over the bill
that cannot take a scan (a price, quantity, discount or payment field...) the scan is
refused with a message and the field keeps what it had.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input

from posterm.hardware.scanner import BurstDetector, WedgeSettings

if TYPE_CHECKING:
    from textual.app import App


# Windows over the bill where a scan typed as text is what the cashier wants (the customer
# search takes a loyalty card's code).
SCAN_FRIENDLY_MODALS = ("PickModal",)


@dataclass
class _Snapshot:
    widget: Widget | None
    value: str = ""
    cursor: int = 0


class KeyboardWedge:
    """`intercept(event)` before the app handles a key: True when it took the key."""

    def __init__(self, app: App, settings: WedgeSettings) -> None:
        self.app = app
        self.detector = BurstDetector(settings)
        self._snapshot = _Snapshot(None)

    def intercept(self, event: events.Key) -> bool:
        verdict = self.detector.feed(event.key, event.character, event.time)
        if verdict.kind == "start":
            self._snapshot = self._take_snapshot()
            return False
        if verdict.kind != "scan":
            return False
        return self._route(verdict.code)

    def _take_snapshot(self) -> _Snapshot:
        focused = self.app.focused
        if isinstance(focused, Input):
            return _Snapshot(focused, focused.value, focused.cursor_position)
        return _Snapshot(focused)

    def _route(self, code: str) -> bool:
        from posterm.ui.screens.billing import BillingScreen

        screen = self.app.screen
        if isinstance(screen, BillingScreen):
            self._undo_then(lambda: screen.take_scan(code))
            return True
        if isinstance(screen, ModalScreen) and _over_billing(self.app):
            if type(screen).__name__ in SCAN_FRIENDLY_MODALS:
                return False  # typed into its search field, Enter and all
            self._undo_then(lambda: _refuse(self.app, code))
            return True
        return False  # other sections: a scan is typing, as it always was

    def _undo_then(self, then) -> None:
        """Takes the burst back out of its field once the field has seen all its keys."""
        snapshot = self._snapshot
        self._snapshot = _Snapshot(None)
        widget = snapshot.widget

        def undo() -> None:
            if isinstance(widget, Input) and widget.is_mounted:
                widget.value = snapshot.value
                widget.cursor_position = snapshot.cursor
            then()

        if widget is not None and widget.is_mounted:
            widget.call_later(undo)  # after the burst's keys still waiting in its queue
        else:
            self.app.call_later(undo)


def _over_billing(app: App) -> bool:
    from posterm.ui.screens.billing import BillingScreen

    return any(isinstance(screen, BillingScreen) for screen in app.screen_stack[:-1])


def _refuse(app: App, code: str) -> None:
    app.bell()
    app.notify(
        f"Scan {code} ignored: finish or close this window first (Escape), then scan again.",
        severity="warning",
        timeout=6,
    )
