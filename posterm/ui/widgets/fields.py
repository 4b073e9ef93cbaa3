"""Input fields for a till: no blinking cursor, so an idle SSH session sends no bytes.

A keystroke repaints the field alone. Textual's Input asks for a layout of the whole screen
on every change of its text (its virtual size follows the text), although a field whose
size is set in CSS cannot grow: that layout was most of the cost of each key of a scanner
burst on the billing screen.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class Field(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = False
        self._typing = False

    def _watch_value(self, value: str) -> None:
        self._typing = True
        try:
            super()._watch_value(value)
        finally:
            self._typing = False

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False, **kwargs: Any):
        if layout and self._typing and not self.styles.auto_dimensions:
            layout = False  # the text changed, the field's size did not
        return super().refresh(*regions, repaint=repaint, layout=layout, **kwargs)
