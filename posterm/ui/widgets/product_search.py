"""Search as you type under a scan field: products matching the text, a page at a time.

Shared by every screen that takes products by scan or search (billing, receiving goods).
Letters (two or more) search; digits are a barcode and wait for Enter. The search runs in a
worker; answers to older keystrokes are dropped, and Down past the last result reads the
next page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from posterm.domain.scan_entry import QUANTITY_PREFIX
from posterm.ui.background import run_service

if TYPE_CHECKING:
    from posterm.domain.products import ProductInfo

SEARCH_PAGE = 20


def searched_text(value: str) -> str | None:
    """The text a scan field's value searches for, or None when it is a code (or too short)."""
    text = value.strip()
    match = QUANTITY_PREFIX.fullmatch(text)
    if match:
        text = match[2].strip()
    return text if text and not text.isdigit() and len(text) >= 2 else None


class ProductSearchList(OptionList):
    """Hidden until a search shows results; the scan field keeps the focus."""

    def __init__(self, describe: Callable[[ProductInfo], str], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="hidden")
        self.describe = describe
        self.results: list[ProductInfo] = []
        self._text = ""
        self._more = False
        self.can_focus = False

    @property
    def active(self) -> bool:
        return not self.has_class("hidden")

    def follow(self, value: str) -> None:
        """Call on every change of the scan field."""
        text = searched_text(value)
        if text is None:
            self.hide()
        else:
            self.search(text)

    def search(self, text: str, offset: int = 0) -> None:
        from posterm.services import catalog

        self._text = text

        def query() -> list[ProductInfo] | None:
            if text != self._text:
                return None  # typed on meanwhile: only the latest text is worth a query
            return catalog.search_products(text, limit=SEARCH_PAGE, offset=offset)

        run_service(
            self,
            query,
            lambda found: self._show(text, offset, found),
            group="search",
            exclusive=False,
        )

    def _show(self, text: str, offset: int, found: list[ProductInfo] | None) -> None:
        # Answers to older keystrokes can arrive late: only the latest text counts.
        if found is None or text != self._text:
            return
        if offset == 0:
            self.results = []
            self.clear_options()
            if not found:
                self.add_option(Option("No product matches.", disabled=True))
        self._more = len(found) == SEARCH_PAGE
        self.results.extend(found)
        self.add_options([Option(self.describe(product)) for product in found])
        if found and offset == 0:
            self.highlighted = 0
        self.remove_class("hidden")

    def hide(self) -> None:
        self._text = ""  # a late answer for what was typed before is dropped
        self.results = []
        self.add_class("hidden")

    def chosen(self) -> ProductInfo | None:
        """The highlighted result, if a search is showing any."""
        if not self.active or not self.results:
            return None
        index = self.highlighted or 0
        return self.results[min(index, len(self.results) - 1)]

    def move(self, step: int) -> None:
        at_end = self.highlighted == len(self.results) - 1
        if step > 0 and at_end and self._more:
            # The list is read a page at a time: going past the end fetches the next.
            self._more = False
            self.search(self._text, offset=len(self.results))
        self.action_cursor_down() if step > 0 else self.action_cursor_up()
