"""A keyboard-wedge scanner on the billing screen: a burst of keys is a scan wherever the focus is.

Keys reach the widgets as typed, with no delay for a person typing; `BurstDetector` watches
their timestamps. When a terminator ends a burst, the terminator is swallowed, what the burst
typed is taken back out of the field it landed in, and the code goes to the billing screen's
scan path (GTIN check digits and the catalogue lookup guard it). In a window over the bill
that cannot take a scan (a price, quantity, discount or payment field...) the scan is
refused with a message and the field keeps what it had.

On the billing screen itself a burst's keys after its first are held back instead of typed:
letting a field take a 13-digit code key by key (and search on each) costs more than the
whole scan, and the counter waits on it. Held keys are let through, in order, the moment
the burst turns out to be typing (a slow key, a non-character key, a terminator too early)
or when no key follows within the burst's gap, so a person typing never loses a key and
waits at most that gap (30 ms by default) to see it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import events
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input

from posterm.hardware.scanner import BurstDetector, WedgeSettings

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from textual.app import App
    from textual.timer import Timer


# Windows over the bill where a scan typed as text is what the cashier wants (the customer
# search takes a loyalty card's code).
SCAN_FRIENDLY_MODALS = ("PickModal",)


@dataclass
class _Snapshot:
    widget: Widget | None
    value: str = ""
    cursor: int = 0


@dataclass
class Interception:
    """What the app does with a key: `replay` first (held keys, in order), `after_replay`
    once they are with their widget, then the key itself unless `taken`."""

    taken: bool
    replay: list[events.Key] = field(default_factory=list)
    after_replay: Callable[[], None] | None = None


class KeyboardWedge:
    """`intercept(event)` before the app handles a key; `deliver` hands held keys back to the
    app's ordinary key handling when no key follows them in time."""

    def __init__(
        self,
        app: App,
        settings: WedgeSettings,
        deliver: Callable[[list[events.Key]], Awaitable[None]],
    ) -> None:
        self.app = app
        self.detector = BurstDetector(settings)
        self._snapshot = _Snapshot(None)
        self._deliver = deliver
        self._may_hold = False  # this burst began on the billing screen
        self._held: list[events.Key] = []
        self._last_held_at = 0.0
        self._release_timer: Timer | None = None

    @property
    def holding(self) -> bool:
        """Keys are held back now (typed soon, or taken as a scan)."""
        return bool(self._held)

    def intercept(self, event: events.Key) -> Interception:
        verdict = self.detector.feed(event.key, event.character, event.time)
        if verdict.kind == "more" and self._may_hold:
            self._hold(event)
            return Interception(True)
        released = self._release()
        if verdict.kind == "start":
            self._may_hold = _on_billing(self.app)
            if released:  # the field is as it was before this key once those are typed
                return Interception(False, released, lambda: self._note_field(later=True))
            self._note_field()
            return Interception(False)
        self._may_hold = False
        if verdict.kind != "scan":
            return Interception(False, released)
        # The held keys were the scan's: they are never typed, unless the scan is typing here.
        taken = self._route(verdict.code)
        return Interception(taken, [] if taken else released)

    def _note_field(self, *, later: bool = False) -> None:
        """Notes the focused field as it is before the burst's first key, to restore it if the
        burst is a scan; `later`, once the keys already queued for it have been typed."""
        snapshot = self._snapshot = _Snapshot(self.app.focused)
        widget = snapshot.widget

        def note() -> None:
            if isinstance(widget, Input):
                snapshot.value, snapshot.cursor = widget.value, widget.cursor_position

        if later and widget is not None:
            widget.call_later(note)
        else:
            note()

    def _hold(self, event: events.Key) -> None:
        self._held.append(event)
        self._last_held_at = time.monotonic()
        if self._release_timer is None:
            self._release_timer = self.app.set_timer(
                self.detector.settings.max_gap, self._release_if_stalled, name="wedge-release"
            )

    async def _release_if_stalled(self) -> None:
        """The timer's end: the held keys go to the fields unless more keys came meanwhile."""
        self._release_timer = None
        if not self._held:
            return
        wait = self._last_held_at + self.detector.settings.max_gap - time.monotonic()
        if wait > 0.001:
            self._release_timer = self.app.set_timer(
                wait, self._release_if_stalled, name="wedge-release"
            )
            return
        self._may_hold = False  # the rest of this burst, if any, is typed as it comes
        await self._deliver(self._release())

    def _release(self) -> list[events.Key]:
        held, self._held = self._held, []
        if self._release_timer is not None:
            self._release_timer.stop()
            self._release_timer = None
        return held

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


def _on_billing(app: App) -> bool:
    from posterm.ui.screens.billing import BillingScreen

    return isinstance(app.screen, BillingScreen)


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
