"""Styles for figures that need the eye stay readable without colour (NO_COLOR)."""

from __future__ import annotations

from types import SimpleNamespace

from posterm.ui.emphasis import readable


def test_colours_as_given_when_the_terminal_has_them():
    assert readable(SimpleNamespace(no_color=False), "bold red") == "bold red"


def test_without_colour_red_goes_and_bold_is_underlined():
    mono = SimpleNamespace(no_color=True)
    assert readable(mono, "red") == ""  # a near-black grey on black otherwise
    assert readable(mono, "bold red") == "bold underline"
    assert readable(mono, "bold") == "bold underline"
