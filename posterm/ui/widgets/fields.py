"""Input fields for a till: no blinking cursor, so an idle SSH session sends no bytes."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class Field(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = False
