"""A product's stock movements (kardex), newest first, read a page at a time.

Each line: when, what (sale, return, purchase, adjustment, count ...), the change, the stock
after it, the reference (bill, supplier invoice, ADJ-n, COUNT-n), the reason and who. The
highlighted line's note shows under the table. F2 adjusts the stock from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from posterm.domain.money import format_quantity
from posterm.ui.background import run_service
from posterm.ui.emphasis import readable
from posterm.ui.names import count_of

if TYPE_CHECKING:
    from posterm.domain.stock import KardexPage, Movement

PAGE = 50
_SHORT_KIND = {
    "opening": "Open",
    "purchase": "Purch",
    "adjustment": "Adjust",
}


def _signed(value, style: str = "red") -> Text:
    text = ("+" if value > 0 else "") + format_quantity(value)
    return Text(text, justify="right", style=style if value < 0 else "")


class KardexScreen(Screen[None]):
    """KardexScreen(product_id): push it from anywhere; Escape goes back."""

    BINDINGS = [
        Binding("f2", "adjust", "Adjust", id="kardex.adjust"),
        Binding("pagedown", "more", "More", id="kardex.more"),
        Binding("escape", "back", "Back", id="kardex.back"),
    ]

    def __init__(self, product_id: int) -> None:
        super().__init__()
        self.product_id = product_id
        self.movements: list[Movement] = []
        self.has_more = False
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Label("Stock movements", id="kardex-title", classes="dialog-title")
        yield DataTable(id="kardex-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="kardex-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key, width in [
            ("Date", "at", 11),
            ("Kind", "kind", 6),
            ("Change", "change", 7),
            ("After", "after", 7),
            ("Reference", "ref", 16),
            ("Reason", "reason", 9),
            ("User", "user", 8),
        ]:
            table.add_column(label, key=key, width=width)
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.movements = []
        self.query_one(DataTable).clear()
        self._load_page()

    def _load_page(self) -> None:
        from posterm.services import stock

        before = self.movements[-1].id if self.movements else None
        generation = self._generation
        run_service(
            self,
            lambda: stock.kardex(self.product_id, limit=PAGE, before_id=before),
            lambda page: self._show(page, generation),
            group="kardex",
            exclusive=False,
        )

    def _show(self, page: KardexPage, generation: int) -> None:
        if generation != self._generation:
            return
        product = page.product
        self.query_one("#kardex-title", Label).update(
            f"{product.name} ({product.code}) · stock {format_quantity(product.stock)} "
            f"{product.unit} · min {format_quantity(product.min_stock)}"
        )
        table = self.query_one(DataTable)
        for movement in page.movements:
            table.add_row(
                f"{movement.at:%d-%m %H:%M}",
                _SHORT_KIND.get(movement.kind, movement.kind_label),
                _signed(movement.quantity, readable(self.app, "red")),
                Text(format_quantity(movement.stock_after), justify="right"),
                movement.reference[:16],
                movement.reason_label[:9] if movement.reason else "",
                movement.username[:8],
            )
        self.movements.extend(page.movements)
        self.has_more = page.has_more
        self._status()

    def _status(self, detail: str = "") -> None:
        more = " · PageDown: more" if self.has_more else ""
        count = f"{count_of(len(self.movements), 'movement')}{more}"
        self.query_one("#kardex-status", Label).update(f"{detail} · {count}" if detail else count)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        index = event.cursor_row
        if 0 <= index < len(self.movements):
            movement = self.movements[index]
            parts = [movement.kind_label]
            if movement.reason:
                parts.append(movement.reason_label)
            if movement.note:
                parts.append(movement.note[:40])
            self._status(
                ": ".join(parts[:1]) + (" · " + " · ".join(parts[1:]) if parts[1:] else "")
            )
        if index >= len(self.movements) - 1 and self.has_more:
            self.action_more()

    def action_more(self) -> None:
        if self.has_more:
            self.has_more = False  # until the next page says otherwise
            self._load_page()

    def action_adjust(self) -> None:
        from posterm.ui.modals.adjust_stock import AdjustStockModal

        self.app.push_screen(
            AdjustStockModal(self.product_id), lambda done: self.reload() if done else None
        )

    def action_back(self) -> None:
        self.dismiss()
