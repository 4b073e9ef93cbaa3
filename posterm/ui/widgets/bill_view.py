"""The lines of the open bill and its totals, drawn from an OpenBill and its BillTotals."""

from __future__ import annotations

from typing import Self

from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import DataTable, Static

from posterm.domain.cart import BillTotals, LineTotals
from posterm.domain.money import format_money, format_quantity
from posterm.domain.open_bill import BillItem, OpenBill
from posterm.ui.names import count_of


class BillTable(DataTable):
    """One row per line; the cursor row is the line the F-keys act on."""

    can_focus = False  # the scan field keeps the focus; Up/Down move this cursor

    # A new row grows the table's virtual size, which for any widget means a layout of the
    # whole screen; this table's own size is fixed (app.tcss), so only its scrollbar needs
    # to know, and showing or hiding that bar lays the screen out by itself.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self, size: Size) -> None:
        self._scroll_update(size)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: list[tuple[str, str, str, str, str]] = []  # the texts of each row
        # Drawn lines by what they show. DataTable forgets every drawn cell on any change, so
        # a scan used to redraw every visible row (4 to 5 ms a frame at 20 lines, longer than
        # the scan itself); a line here is drawn again only when its texts or looks change.
        self._drawn: LRUCache[tuple, Strip] = LRUCache(512)
        self._look: tuple = ()

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.add_column("#", width=3, key="no")
        self.add_column("Item", width=_ITEM_WIDTH, key="item")
        # Right-aligned like the figures under them.
        self.add_column(Text("Qty", justify="right"), width=9, key="qty")
        self.add_column(Text("Price", justify="right"), width=10, key="price")
        self.add_column(Text("Amount", justify="right"), width=10, key="amount")

    def show(self, bill: OpenBill, totals: BillTotals, select: int | None = None) -> None:
        """Shows the bill, touching only the cells that changed: a scan adds one row or
        changes one quantity, and rebuilding every row cost more than the scan itself."""
        keep = self.cursor_row if select is None else select
        wanted = [
            _cells(index, item, line)
            for index, (item, line) in enumerate(zip(bill.items, totals.lines, strict=True))
        ]
        shown = self._shown
        if not wanted:
            if shown:
                self.clear()
        else:
            for index, (cells, old) in enumerate(zip(wanted, shown, strict=False)):
                if cells != old:
                    for key, new_text, old_text in zip(_COLUMN_KEYS, cells, old, strict=True):
                        if new_text != old_text:
                            self.update_cell(str(index), key, _cell(key, new_text))
            for index in range(len(shown), len(wanted)):
                cells = wanted[index]
                self.add_row(
                    *(_cell(key, text) for key, text in zip(_COLUMN_KEYS, cells, strict=True)),
                    key=str(index),
                )
            for index in range(len(wanted), len(shown)):
                self.remove_row(str(index))
        self._shown = wanted
        if bill.items:
            self.move_cursor(row=min(max(keep, 0), len(bill.items) - 1))

    def clear(self, columns: bool = False) -> Self:
        self._shown = []
        return super().clear(columns)

    def notify_style_update(self) -> None:
        self._drawn.clear()  # a theme or CSS change: every line looks different
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._look = (
            self.size.width,
            self.scroll_offset.x,
            self.rich_style,
            self.get_pseudo_class_state(),
            self.cursor_type,
            self.show_cursor,
            self.zebra_stripes,
            getattr(self, "_show_hover_cursor", False),  # DataTable's: is the mouse's row lit
        )
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        key = self._line_key(y)
        if key is None:
            return super().render_line(y)
        strip = self._drawn.get(key)
        if strip is None:
            strip = super().render_line(y)
            self._drawn[key] = strip
        return strip

    def _line_key(self, y: int) -> tuple | None:
        """What line `y` of the view shows, as a key (rows are one line, under one header
        line); None for a line not worth keeping."""
        if not self._look or not self.show_header or self.fixed_rows:
            return None
        if y == 0:
            return ("header", self._look)
        row = y - 1 + self.scroll_offset.y
        if row >= len(self._shown) or self.row_count != len(self._shown):
            return None
        return (
            self._shown[row],
            row == self.cursor_row,
            row == self.hover_row,
            row % 2,
            self._look,
        )


_COLUMN_KEYS = ("no", "item", "qty", "price", "amount")
_ITEM_WIDTH = 29
_RIGHT = frozenset(("qty", "price", "amount"))


def _cells(index: int, item: BillItem, line: LineTotals) -> tuple[str, str, str, str, str]:
    """The texts of one table row."""
    name = item.name
    if line.discount_total:
        # The name gives way to the discount: cut by the column, the figure lost its end.
        discount = f" (-{format_money(line.discount_total)})"
        room = _ITEM_WIDTH - len(discount)
        if len(name) > room:
            name = name[: room - 1] + "…"
        name = f"{name}{discount}"
    price = format_money(item.unit_price) + ("*" if item.price_overridden else "")
    quantity = format_quantity(item.quantity)
    if item.sold_by_weight or item.unit != "pcs":
        quantity = f"{quantity} {item.unit}"
    return (str(index + 1), name, quantity, price, format_money(line.line_total))


def _cell(key: str, text: str) -> Text:
    # Text, not str: a str cell is parsed as markup at every paint, and a name such as
    # "Pepsi [500ml]" would not show as typed.
    return Text(text, justify="right" if key in _RIGHT else None)


class TotalsPanel(Static):
    """Always visible: items, subtotal, discounts, tax, round-off, total due, customer."""

    def show(self, bill: OpenBill, totals: BillTotals, symbol: str, include_tax: bool) -> None:
        width = (self.size.width or 80) - 2  # the panel's padding
        # Two lines, never wrapped: a wrapped first line pushed the TOTAL out of the panel.
        text = Text(_figures_line(totals, include_tax, width), no_wrap=True, overflow="ellipsis")
        text.append("\n")
        due = f"TOTAL {format_money(totals.total_due, symbol)}"
        customer = bill.customer_name or "walk-in"
        room = max(width - len(due) - len("Customer: ") - 2, 1)
        if len(customer) > room:
            customer = customer[: room - 1] + "…"
        text.append(f"Customer: {customer}", style="bold" if bill.customer_id else "dim")
        padding = max(2, width - len(f"Customer: {customer}") - len(due))
        text.append(" " * padding)
        text.append(due, style="bold reverse")
        self.update(text, layout=False)  # its size is fixed (app.tcss): no re-layout


def _figures_line(totals: BillTotals, include_tax: bool, width: int) -> str:
    """Items, subtotal, discount, tax and round-off on one line of `width`, in shorter words
    when the whole ones do not fit (a discount and a round-off together did not)."""
    lines = count_of(totals.line_count, "line")
    items = format_quantity(totals.item_count)
    line = ""
    for short in (False, True):
        parts = [f"Items {items}" if short else f"Items {items} ({lines})"]
        parts.append(f"Subtotal {format_money(totals.subtotal)}")
        if totals.discount_total:
            word = "Disc." if short else "Discount"
            parts.append(f"{word} -{format_money(totals.discount_total)}")
        tax = "Tax incl." if include_tax and not short else "Tax"
        parts.append(f"{tax} {format_money(totals.tax_total)}")
        if totals.round_off:
            word = "Round" if short else "Round off"
            parts.append(f"{word} {format_money(totals.round_off)}")
        line = "  ".join(parts)
        if len(line) <= width:
            break
    return line
