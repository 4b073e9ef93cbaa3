"""Rich styles for figures that need the eye (low stock, a negative change, an error) that
stay readable without colour.

Under NO_COLOR Textual turns every colour into a grey of the same brightness: red becomes a
grey barely lighter than the dark background, so a "-2" in red all but disappears. There the
colour is dropped (the figure keeps the foreground's grey) and what was bold is underlined
too, so it still stands out.
"""

from __future__ import annotations

from textual.app import App

_COLOURS = {"red", "green", "yellow"}


def readable(app: App, style: str) -> str:
    """`style` as given, or without its colour (bold also underlined) under NO_COLOR."""
    if not getattr(app, "no_color", False):
        return style
    words = [word for word in style.split() if word not in _COLOURS]
    if "bold" in words:
        words.append("underline")
    return " ".join(words)
