"""Stock alerts: products at or below their minimum, batches expiring soon, and what to
reorder (from the sales of the last N days; see domain.stock.suggested_reorder).

Each list is read a page at a time. Enter opens the highlighted product's movements, F6
adjusts its stock.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label

from posterm.domain.errors import ValidationError
from posterm.domain.money import format_quantity, parse_quantity
from posterm.ui.background import run_service
from posterm.ui.emphasis import readable
from posterm.ui.names import count_of, short_name
from posterm.ui.widgets.key_bar import ScreenKeysFooter

PAGE = 50
DEFAULT_DAYS = {"low": 0, "expiring": 30, "reorder": 30}
_COLUMNS = {
    "low": [("Product", 34), ("Code", 10), ("Stock", 8), ("Min", 8), ("Unit", 5)],
    "expiring": [("Product", 34), ("Batch", 10), ("Expires", 10), ("Days", 5), ("Qty", 8)],
    "reorder": [("Product", 36), ("Stock", 8), ("Min", 7), ("Sold", 8), ("Order", 8)],
}
_TITLES = {
    "low": "Low stock: at or below the minimum",
    "expiring": "Batches expiring within {days} days (and expired ones still in stock)",
    "reorder": "Reorder: sales of the last {days} days + minimum - stock, in whole cases",
}


def _qty(value) -> Text:
    return Text(format_quantity(value), justify="right")


def _days(text: str) -> int:
    value = parse_quantity(text, "days")
    if value != value.to_integral_value() or value > 3650:
        raise ValidationError("days", "a whole number of days, at most 3650")
    return int(value)


class StockAlertsScreen(Screen[None]):
    BINDINGS = [
        Binding("f2", "view('low')", "Low", id="alerts.low"),
        Binding("f3", "view('expiring')", "Expiring", id="alerts.expiring"),
        Binding("f4", "view('reorder')", "Reorder", id="alerts.reorder"),
        Binding("f5", "days", "Days", id="alerts.days"),
        # Priority: the table has the focus, and its own Enter (select, hidden) came first.
        Binding("enter", "movements", "Moves", id="alerts.movements", priority=True),
        Binding("f6", "adjust", "Adjust", id="alerts.adjust"),
        Binding("pagedown", "more", "More", id="alerts.more", show=False),
        Binding("escape", "back", "Back", id="alerts.back"),
    ]
    PALETTE_NAMES = {"alerts.movements": "Movements"}

    def __init__(self, view: str = "low") -> None:
        super().__init__()
        self.view = view
        self.days = dict(DEFAULT_DAYS)
        self.items: list = []
        self.has_more = False
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Label("", id="alerts-title", classes="dialog-title")
        yield DataTable(id="alerts-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="alerts-status")
        yield ScreenKeysFooter(compact=True)

    def on_mount(self) -> None:
        self.action_view(self.view)

    def on_screen_resume(self) -> None:
        if self.items:
            self.reload()

    def action_view(self, view: str) -> None:
        self.view = view
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, width in _COLUMNS[view]:
            table.add_column(label, key=label.lower(), width=width)
        self.query_one("#alerts-title", Label).update(_TITLES[view].format(days=self.days[view]))
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.items = []
        self.query_one(DataTable).clear()
        self._load_page()

    def _load_page(self) -> None:
        from posterm.services import stock

        view, days, offset = self.view, self.days[self.view], len(self.items)
        calls = {
            "low": lambda: stock.low_stock(limit=PAGE, offset=offset),
            "expiring": lambda: stock.expiring(days, limit=PAGE, offset=offset),
            "reorder": lambda: stock.reorder_suggestions(days, limit=PAGE, offset=offset),
        }
        generation = self._generation
        run_service(
            self,
            calls[view],
            lambda page: self._show(page, view, generation),
            group="alerts",
            exclusive=False,
        )

    def _show(self, page: list, view: str, generation: int) -> None:
        if generation != self._generation or view != self.view:
            return
        table = self.query_one(DataTable)
        for item in page:
            table.add_row(*self._cells(item))
        self.items.extend(page)
        self.has_more = len(page) == PAGE
        more = " · PageDown: more" if self.has_more else ""
        empty = " (none)" if not self.items else ""
        self.query_one("#alerts-status", Label).update(
            f"{count_of(len(self.items), 'product')}{empty}{more}"
        )

    def _cells(self, item) -> tuple:
        if self.view == "low":
            p = item
            return (short_name(p.name, 34), p.code[:10], _qty(p.stock), _qty(p.min_stock), p.unit)
        if self.view == "expiring":
            late = readable(self.app, "red") if item.days_left < 0 else ""
            days = Text(str(item.days_left), justify="right", style=late)
            return (
                short_name(item.product.name, 34),
                item.batch_number[:10],
                f"{item.expiry_date:%d-%m-%Y}",
                days,
                _qty(item.quantity),
            )
        p = item.product
        return (
            short_name(p.name, 36),
            _qty(p.stock),
            _qty(p.min_stock),
            _qty(item.sold),
            _qty(item.suggested),
        )

    def _product_id(self) -> int | None:
        row = self.query_one(DataTable).cursor_row
        if not self.items or not 0 <= row < len(self.items):
            return None
        item = self.items[row]
        return item.id if self.view == "low" else item.product.id

    def action_more(self) -> None:
        if self.has_more:
            self.has_more = False
            self._load_page()

    def action_days(self) -> None:
        from posterm.ui.modals.value import ValueModal

        if self.view == "low":
            self.notify("Low stock has no days: F3 expiring, F4 reorder.")
            return

        def entered(result) -> None:
            if result is not None:
                self.days[self.view] = result.value
                self.action_view(self.view)

        self.app.push_screen(
            ValueModal("Days", "How many days?", _days, value=str(self.days[self.view])),
            entered,
        )

    def action_movements(self) -> None:
        from posterm.ui.screens.kardex import KardexScreen

        product_id = self._product_id()
        if product_id is not None:
            self.app.push_screen(KardexScreen(product_id))

    def action_adjust(self) -> None:
        from posterm.ui.modals.adjust_stock import AdjustStockModal

        product_id = self._product_id()
        if product_id is not None:
            self.app.push_screen(
                AdjustStockModal(product_id), lambda done: self.reload() if done else None
            )

    def action_back(self) -> None:
        self.dismiss()
