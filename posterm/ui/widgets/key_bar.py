"""Footers for screens with more keys than one 80-column row holds: one that wraps onto two
rows, and one that leaves out the app's own keys rather than show them cut ("^q Qu")."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def _screen_keys(footer: Footer, widgets: Iterable[Widget]) -> Iterable[Widget]:
    """`widgets` without the keys of the app itself (Ctrl+Q, Ctrl+L: they work on every
    screen and show on the others); the palette key stays."""
    own = {
        binding.action
        for bindings in footer.screen._bindings.key_to_bindings.values()
        for binding in bindings
    }
    for widget in widgets:
        if (
            isinstance(widget, FooterKey)
            and not widget.has_class("-command-palette")
            and widget.action not in own
        ):
            continue
        yield widget


class ScreenKeysFooter(Footer):
    """A one-row footer of the screen's own keys only, for a screen whose keys fill the row:
    Textual would show the app's keys after them cut off behind the palette key."""

    def compose(self) -> ComposeResult:
        yield from _screen_keys(self, super().compose())


class TwoRowFooter(Footer):
    """Textual's Footer laid out as a grid of `columns` keys a row instead of one long row.

    Footer.compose sets the grid to one column per key, so the column count is put back
    after it; the palette key stays docked at the right of the first row.
    """

    DEFAULT_CSS = """
    TwoRowFooter {
        height: 2;
        layout: grid;
        grid-columns: auto;
        /* A grid cell is as wide as its key's content and padding, not its margin: the gap
           between keys must be padding or each label loses its last letter. */
        &.-compact FooterKey {
            margin: 0;
            padding-right: 1;
            .footer-key--key {
                padding: 0;
            }
            .footer-key--description {
                padding: 0 0 0 1;
            }
        }
    }
    """

    def __init__(self, columns: int, *, screen_keys_only: bool = False, **kwargs) -> None:
        """`screen_keys_only` leaves out the app's own keys (Ctrl+Q, Ctrl+L: they work on
        every screen and show on the others), for a screen whose keys fill both rows."""
        super().__init__(compact=True, **kwargs)
        self.columns = columns
        self.screen_keys_only = screen_keys_only

    def compose(self) -> ComposeResult:
        widgets = super().compose()
        yield from _screen_keys(self, widgets) if self.screen_keys_only else widgets
        self.styles.grid_size_columns = self.columns
