"""A footer that wraps its keys onto two rows, for screens with more keys than 80 columns hold."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


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
        own = {
            binding.action
            for bindings in self.screen._bindings.key_to_bindings.values()
            for binding in bindings
        }
        for widget in super().compose():
            if (
                self.screen_keys_only
                and isinstance(widget, FooterKey)
                and not widget.has_class("-command-palette")
                and widget.action not in own
            ):
                continue
            yield widget
        self.styles.grid_size_columns = self.columns
