"""The stock screen (Alt+K): the product list, searched as you type, filtered and sorted.

The list is read a page at a time (PageDown past the last row reads the next), so 300k
products never load whole. The find field keeps the focus: typing searches by name, code or
barcode; Up/Down/PageUp/PageDown move in the list; F-keys act on the highlighted product.

Other screens hang off this one: `selected_product_id` is the highlighted product, and
F11/F12/Ctrl+N/Ctrl+R/Ctrl+O open the stock ledger's screens (movements, adjust, count,
alerts, import).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Label

from posterm.domain.catalog_records import ProductFilter
from posterm.domain.money import format_money, format_quantity
from posterm.ui.background import run_service
from posterm.ui.emphasis import readable
from posterm.ui.names import count_of, short_name
from posterm.ui.widgets.fields import Field
from posterm.ui.widgets.key_bar import TwoRowFooter

if TYPE_CHECKING:
    from posterm.domain.catalog_records import PageCursor, ProductDetail, ProductPage, ProductRow

PAGE = 50
SEARCH_PAGE = 25  # typed text: a screenful at a time, each keystroke reads one
# F5 steps through these sorts: (key, descending, what the title says).
SORTS = (
    ("name", False, "by name"),
    ("stock", False, "lowest stock first"),
    ("stock", True, "highest stock first"),
    ("price", False, "cheapest first"),
    ("price", True, "dearest first"),
)
STATUS_CYCLE = ("active", "inactive", "discontinued", None)
_STATUS_MARK = {"active": "", "inactive": "off", "discontinued": "disc"}


class StockScreen(Screen[None]):
    BINDINGS = [
        Binding("f2", "edit", "Edit", id="stock.edit"),
        Binding("f3,insert", "new", "New", id="stock.new"),
        Binding("f4", "status", "Status", id="stock.status"),
        Binding("f5", "sort", "Sort", id="stock.sort"),
        Binding("f6", "filter", "Filter", id="stock.filter"),
        Binding("f7", "toggle_active", "Off/on", id="stock.toggle_active"),
        Binding("f8", "labels", "Labels", id="stock.labels"),
        # Short names: all fourteen keys and the palette fill two 80-column rows exactly.
        Binding("f9", "categories", "Categ", id="stock.categories"),
        Binding("f10", "tax_rates", "Tax", id="stock.tax_rates"),
        # The stock ledger's screens (ui/stock_commands.py); priority over the find field.
        Binding("f11", "movements", "Moves", id="stock.movements", priority=True),
        Binding("f12", "adjust", "Adjust", id="stock.adjust", priority=True),
        Binding("ctrl+n", "count", "Count", id="stock.count", priority=True),
        Binding("ctrl+r", "alerts", "Alerts", id="stock.alerts", priority=True),
        Binding("ctrl+o", "import_csv", "Import", id="stock.import", priority=True),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("escape", "clear_find", "Clear", show=False),
    ]
    PALETTE_NAMES = {"stock.categories": "Categories", "stock.tax_rates": "Tax rates"}

    def __init__(self) -> None:
        super().__init__()
        self.filter = ProductFilter()
        self.rows: list[ProductRow] = []
        self.next_page: PageCursor | None = None
        self._fetching = False  # a page is on its way (not `loading`: Textual's, it blurs)
        self.sort_index = 0
        self.category_name = ""
        self.label_queue: dict[int, tuple[str, int]] = {}  # product id -> (name, labels)
        self._generation = 0
        self._shown = False

    # --- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label("", id="stock-title")
        with Horizontal(id="stock-find-row"):
            yield Label("Find ›", id="stock-find-label")
            yield Field(id="stock-find", placeholder="name, code or barcode", max_length=60)
        yield DataTable(id="stock-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="stock-status")
        yield TwoRowFooter(columns=7, screen_keys_only=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False
        for label, key, width in [
            ("Code", "code", 9),
            ("Name", "name", 29),
            ("Stock", "stock", 8),
            ("Unit", "unit", 5),
            ("Price", "price", 10),
            ("", "status", 4),
        ]:
            table.add_column(label, key=key, width=width)
        self.query_one("#stock-find", Field).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.query_one("#stock-find", Field).focus()
        if self._shown:  # back from another section or a modal: stock may have moved since
            self.reload(keep_id=self.selected_product_id)
        self._shown = True

    @property
    def selected_product_id(self) -> int | None:
        """The highlighted product's id (None when the list is empty)."""
        row = self.selected_row
        return row.id if row is not None else None

    @property
    def selected_row(self) -> ProductRow | None:
        if not self.rows:
            return None
        return self.rows[min(self.query_one(DataTable).cursor_row, len(self.rows) - 1)]

    # --- reading pages ----------------------------------------------------------------------

    def reload(self, keep_id: int | None = None) -> None:
        """Reads the first page again (after a change of text, filter, sort or a product)."""
        self._generation += 1
        self.rows = []
        self.next_page = None
        self.query_one(DataTable).clear()
        self._title()
        self._load_page(keep_id=keep_id)

    def _title(self) -> None:
        wanted = self.filter
        label = SORTS[self.sort_index][2]
        parts = [wanted.status or "all statuses"]
        if self.category_name:
            parts.append(self.category_name)
        if wanted.low_stock:
            parts.append("low stock")
        if wanted.expiring_days is not None:
            parts.append(f"expiring ≤ {wanted.expiring_days} days")
        if wanted.sold_by_weight is not None:
            parts.append("by weight" if wanted.sold_by_weight else "by piece")
        self.query_one("#stock-title", Label).update(f"Stock · {', '.join(parts)} · {label}")

    def _load_page(self, keep_id: int | None = None) -> None:
        from posterm.services import product_list

        wanted, after, generation = self.filter, self.next_page, self._generation
        self._fetching = True
        run_service(
            self,
            lambda: product_list.list_products(
                wanted, after=after, limit=SEARCH_PAGE if wanted.text else PAGE
            ),
            lambda page: self._show_page(page, generation, keep_id),
            group="stock-list",
            exclusive=False,
        )

    def _show_page(self, page: ProductPage, generation: int, keep_id: int | None) -> None:
        if generation != self._generation:
            return  # an answer to older text or filters
        self._fetching = False
        table = self.query_one(DataTable)
        for row in page.rows:
            stock = Text(format_quantity(row.stock), justify="right")
            if row.low or row.stock < 0:
                stock.stylize(readable(self.app, "bold red"))
            table.add_row(
                row.code[:9],
                short_name(row.name, 29),
                stock,
                row.unit,
                Text(format_money(row.price), justify="right"),
                Text(_STATUS_MARK.get(row.status, row.status), style="yellow"),
                key=str(row.id),
            )
        self.rows.extend(page.rows)
        self.next_page = page.next
        if keep_id is not None:
            ids = [r.id for r in self.rows]
            if keep_id in ids:
                table.move_cursor(row=ids.index(keep_id))
        self._status()

    def _status(self, message: str = "") -> None:
        if message:
            self.query_one("#stock-status", Label).update(message)
            return
        shown = len(self.rows)
        if not shown:
            wanted = self.filter
            narrowed = replace(wanted, sort="name", descending=False) != ProductFilter(
                text=wanted.text
            )
            if narrowed:  # a status or filter hides them, not an empty shop
                status = f"{wanted.status} " if wanted.status else ""
                text = f"No {status}product matches: F4 status, F6 filter."
            elif wanted.text:
                text = "No product matches."
            else:
                text = "No products here: F3 adds one."
        else:
            more = " · PageDown for more" if self.next_page is not None else ""
            text = f"{shown} shown{more}"
        if self.label_queue:
            total = sum(count for _, count in self.label_queue.values())
            text += f" · {count_of(total, 'label')} to print (F8)"
        self.query_one("#stock-status", Label).update(text)

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        target = max(0, min(len(self.rows) - 1, table.cursor_row + step))
        table.move_cursor(row=target)
        # Near the end of what is loaded: read the next page before it is reached.
        if self.next_page is not None and not self._fetching and target >= len(self.rows) - 10:
            self._load_page()

    # --- typing -----------------------------------------------------------------------------

    def on_input_changed(self, event: Field.Changed) -> None:
        if event.input.id != "stock-find":
            return
        self.filter = replace(self.filter, text=event.value.strip())
        self.reload()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        if event.input.id == "stock-find":
            event.stop()
            self.action_edit()

    def action_clear_find(self) -> None:
        self.query_one("#stock-find", Field).value = ""

    # --- filters and sort -------------------------------------------------------------------

    def action_status(self) -> None:
        current = STATUS_CYCLE.index(self.filter.status)
        self.filter = replace(self.filter, status=STATUS_CYCLE[(current + 1) % len(STATUS_CYCLE)])
        self.reload()

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        sort, descending, _ = SORTS[self.sort_index]
        self.filter = replace(self.filter, sort=sort, descending=descending)
        self.reload()

    def action_filter(self) -> None:
        from posterm.services import categories
        from posterm.ui.modals.stock_filter import StockFilterModal

        def chosen(result) -> None:
            if result is None:
                return
            self.filter, self.category_name = result
            self.reload()

        run_service(
            self,
            categories.list_categories,
            lambda categories: self.app.push_screen(
                StockFilterModal(self.filter, categories), chosen
            ),
        )

    # --- one product ------------------------------------------------------------------------

    def _actor(self):
        return self.app.session.actor

    def action_new(self) -> None:
        from posterm.ui.modals.product_form import open_product_form

        barcode = self.filter.text if self.filter.text.isdigit() else ""
        open_product_form(self, self._actor(), self._saved, barcode=barcode)

    def action_edit(self) -> None:
        row = self.selected_row
        if row is None:
            self.notify("No product selected.", severity="warning")
            return
        from posterm.ui.modals.product_form import open_product_form

        open_product_form(self, self._actor(), self._saved, product_id=row.id)

    def _saved(self, product: ProductDetail) -> None:
        self.notify(f"Saved: {product.name} ({product.code}).")
        if product.id in {row.id for row in self.rows}:
            self.reload(keep_id=product.id)
        else:  # a new product: find it, so it shows whatever page it is on
            self.query_one("#stock-find", Field).value = product.code

    def action_toggle_active(self) -> None:
        row = self.selected_row
        if row is None:
            self.notify("No product selected.", severity="warning")
            return
        from posterm.services import products
        from posterm.ui.modals.confirm import ConfirmModal

        actor = self._actor()
        activate = row.status != "active"
        question = f"{'Reactivate' if activate else 'Deactivate'} {row.name[:36]}?"
        detail = (
            "It can be sold again."
            if activate
            else "It is no longer sold or found at the till; its history stays."
        )

        def confirmed(yes: bool) -> None:
            if not yes:
                return
            call = (
                (lambda: products.reactivate_product(actor, row.id))
                if activate
                else (lambda: products.deactivate_product(actor, row.id))
            )
            run_service(self, call, self._status_changed)

        self.app.push_screen(ConfirmModal(question, detail), confirmed)

    def _status_changed(self, product: ProductDetail) -> None:
        self.notify(f"{product.name} is now {product.status}.")
        self.reload(keep_id=product.id)

    def action_labels(self) -> None:
        from posterm.ui.modals.labels import LabelsModal

        def closed(queue) -> None:
            self.label_queue = queue
            self._status()

        self.app.push_screen(
            LabelsModal(self.app.config, self.selected_row, self.label_queue), closed
        )

    def action_categories(self) -> None:
        from posterm.ui.modals.catalog_lists import CategoriesModal

        self.app.push_screen(CategoriesModal(self._actor()), lambda _: self.reload())

    def action_tax_rates(self) -> None:
        from posterm.ui.modals.catalog_lists import TaxRatesModal

        self.app.push_screen(TaxRatesModal(self._actor()), lambda _: self.reload())

    # --- the stock ledger ----------------------------------------------------------------

    def action_movements(self) -> None:
        from posterm.ui.stock_commands import open_kardex

        if self.selected_product_id is not None:
            open_kardex(self.app, self.selected_product_id)

    def action_adjust(self) -> None:
        from posterm.ui.stock_commands import open_adjust

        if self.selected_product_id is not None:
            open_adjust(self.app, self.selected_product_id)

    def action_count(self) -> None:
        from posterm.ui.stock_commands import open_count

        open_count(self.app)

    def action_alerts(self) -> None:
        from posterm.ui.stock_commands import open_alerts

        open_alerts(self.app)

    def action_import_csv(self) -> None:
        from posterm.ui.stock_commands import open_import

        open_import(self.app)
