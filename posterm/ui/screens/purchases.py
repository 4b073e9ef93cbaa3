"""Purchases received: newest invoice first, by supplier and by invoice dates, page by page.

Enter opens one purchase: its lines, batches and expiry dates, what was paid and the due.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from posterm.domain.money import format_money, format_quantity
from posterm.ui.background import run_service
from posterm.ui.names import count_of

if TYPE_CHECKING:
    from posterm.domain.purchases import PurchaseDetail, PurchaseSummary, SupplierInfo

PAGE = 50


def purchase_text(detail: PurchaseDetail) -> str:
    """A purchase as it reads on screen, 52 columns wide."""
    out = [
        f"Supplier  {detail.supplier.name}",
        f"Invoice   {detail.invoice_number} of {detail.invoice_date:%d-%m-%Y}",
        f"Received  {detail.received_at:%d-%m-%Y %H:%M} by {detail.username}",
        "",
    ]
    for line in detail.lines:
        out.append(f"{line.line_no:>2} {line.name[:36]}")
        amount = format_money(line.line_total)
        qty = f"{format_quantity(line.quantity)} {line.unit} x {format_money(line.unit_cost)}"
        tax = f" +{line.tax_rate}%" if line.tax_rate else ""
        out.append(f"   {qty + tax:<34}{amount:>15}")
        batch = []
        if line.batch_number:
            batch.append(f"batch {line.batch_number}")
        if line.expiry_date:
            batch.append(f"expires {line.expiry_date:%d-%m-%Y}")
        if batch:
            out.append("   " + ", ".join(batch))
    out += [
        "",
        f"{'Subtotal':<34}{format_money(detail.subtotal):>18}",
        f"{'Tax':<34}{format_money(detail.tax_total):>18}",
        f"{'TOTAL':<34}{format_money(detail.total):>18}",
        f"{'Paid now' + (f' ({detail.method})' if detail.method else ''):<34}"
        f"{format_money(detail.paid):>18}",
        f"{'Left on account':<34}{format_money(detail.due):>18}",
        "",
        f"{detail.supplier.name}: we owe {format_money(detail.supplier.balance)} in all.",
    ]
    if detail.notes:
        out += ["", detail.notes]
    return "\n".join(out)


def show_purchase(screen: Screen, purchase_id: int) -> None:
    from posterm.services.purchasing import purchase_detail
    from posterm.ui.modals.receipt import ReceiptModal

    run_service(
        screen,
        lambda: purchase_detail(purchase_id),
        lambda detail: screen.app.push_screen(
            ReceiptModal(f"Purchase {detail.invoice_number}", purchase_text(detail))
        ),
    )


class PurchasesScreen(Screen[None]):
    BINDINGS = [
        # Priority: the table has the focus, and its own Enter (hidden) hid this one.
        Binding("enter", "open", "Open", id="purchases.open", priority=True),
        Binding("f2", "dates", "Dates", id="purchases.dates"),
        Binding("f3", "supplier", "Supplier", id="purchases.supplier"),
        Binding("f4", "everything", "All", id="purchases.all"),
        Binding("pagedown", "more", "More", id="purchases.more", show=False),
        Binding("escape", "back", "Back", id="purchases.back"),
    ]

    def __init__(self, supplier: SupplierInfo | None = None) -> None:
        super().__init__()
        self.purchases: list[PurchaseSummary] = []
        self.supplier = supplier
        self.days: tuple[date, date] | None = None
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Label("", id="purchases-title", classes="dialog-title")
        yield DataTable(id="purchases-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="purchases-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key, width in [
            ("Invoice dt", "date", 10),
            ("Supplier", "supplier", 18),
            ("Invoice", "invoice", 12),
            ("Lines", "lines", 5),
            ("Total", "total", 11),
            ("Paid", "paid", 11),
        ]:
            table.add_column(label, key=key, width=width)
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.purchases = []
        self.query_one(DataTable).clear()
        title = "Purchases"
        if self.supplier is not None:
            title += f" from {self.supplier.name}"
        if self.days is not None:
            first, last = self.days
            title += (
                f" of {first:%d-%m-%Y}"
                if first == last
                else f", {first:%d-%m-%Y} to {last:%d-%m-%Y}"
            )
        self.query_one("#purchases-title", Label).update(title)
        self._load_page()

    def _load_page(self) -> None:
        from posterm.services import purchasing

        filters = {
            "supplier_id": self.supplier.id if self.supplier else None,
            "day_from": self.days[0] if self.days else None,
            "day_to": self.days[1] if self.days else None,
        }
        offset, generation = len(self.purchases), self._generation
        run_service(
            self,
            lambda: purchasing.list_purchases(limit=PAGE, offset=offset, **filters),
            lambda page: self._show_page(page, generation),
            group="purchases",
            exclusive=False,
        )

    def _show_page(self, page: list[PurchaseSummary], generation: int) -> None:
        if generation != self._generation:
            return
        table = self.query_one(DataTable)
        for purchase in page:
            table.add_row(
                f"{purchase.invoice_date:%d-%m-%Y}",
                purchase.supplier_name[:18],
                purchase.invoice_number[:12],
                Text(str(purchase.line_count), justify="right"),
                Text(format_money(purchase.total), justify="right"),
                Text(format_money(purchase.paid), justify="right"),
            )
        self.purchases.extend(page)
        more = " · PageDown: more" if len(page) == PAGE else ""
        empty = "No purchases here yet." if not self.purchases else ""
        self.query_one("#purchases-status", Label).update(
            empty or f"{count_of(len(self.purchases), 'purchase')}{more}"
        )

    def action_more(self) -> None:
        if self.purchases and len(self.purchases) % PAGE == 0:
            self._load_page()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if not self.purchases:
            return
        row = min(self.query_one(DataTable).cursor_row, len(self.purchases) - 1)
        show_purchase(self, self.purchases[row].id)

    def action_dates(self) -> None:
        from posterm.ui.modals.value import ValueModal
        from posterm.ui.screens.sales import parse_day_range

        today = datetime.now().date()

        def chosen(entered) -> None:
            if entered is not None:
                self.days = entered.value
                self.reload()

        self.app.push_screen(
            ValueModal(
                "Purchases by invoice date",
                "Dates: today, yesterday, 7 (days), dd-mm-yyyy [dd-mm-yyyy]",
                lambda text: parse_day_range(text, today),
            ),
            chosen,
        )

    def action_supplier(self) -> None:
        from posterm.ui.screens.purchase import pick_supplier

        def chosen(supplier) -> None:
            if supplier is not None:
                self.supplier = supplier
                self.reload()

        pick_supplier(self, chosen, include_inactive=True)

    def action_everything(self) -> None:
        self.supplier, self.days = None, None
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
