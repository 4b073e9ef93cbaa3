"""PageDown on a list read a page at a time (the sales list, past shifts).

The list's table has the focus and would take PageDown for its own paging, so the screen binds
PageDown with priority and calls `page_down`: the table pages as before, and once its cursor is
on the last row read so far, the next page is asked for.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable


def page_down(table: DataTable, more: Callable[[], None] | None) -> None:
    """Pages `table` down; `more()` reads the next page (None when there is none to read)."""
    table.action_page_down()
    if more is not None and table.row_count and table.cursor_row >= table.row_count - 1:
        more()
