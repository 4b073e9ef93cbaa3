"""Weighing an item sold by weight: the scale's stable weight is taken by itself; typing a
weight by hand works as without a scale.

The scale is read every half second in a worker; motion, over capacity and a negative weight
are shown under the field until the weight settles.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Label

from posterm.domain.errors import PostermError
from posterm.ui.background import run_service
from posterm.ui.modals.value import Entered, ValueModal
from posterm.ui.widgets.fields import Field

POLL_SECONDS = 0.5


def weight_modal(app: Any, title: str, prompt: str, parse, **options: Any) -> ValueModal:
    """The weight window: read from the scale when the till has one."""
    if app.devices.has_scale:
        return ScaleWeightModal(title, prompt, parse, **options)
    return ValueModal(title, prompt, parse, **options)


class ScaleWeightModal(ValueModal):
    def on_mount(self) -> None:
        self.query_one("#value-error", Label).update("Reading the scale…")
        self._reading = False
        self.set_interval(POLL_SECONDS, self._poll)
        self._poll()

    def _poll(self) -> None:
        if self._reading or self.query_one("#value", Field).value.strip():
            return  # a weight typed by hand wins over the scale
        self._reading = True
        run_service(
            self,
            self.app.devices.read_scale,
            self._read,
            self._failed,
            group="scale",
            connect=False,
        )

    def _read(self, reading) -> None:
        self._reading = False
        if self.query_one("#value", Field).value.strip() or not self.is_current:
            return
        if reading.stable and reading.weight > 0:
            self.dismiss(Entered(reading.weight))
            return
        self.query_one("#value-error", Label).update(f"{reading.message}; or type the weight")

    def _failed(self, error: PostermError) -> None:
        self._reading = False
        if self.is_mounted:
            self.query_one("#value-error", Label).update(f"{error}; type the weight")
