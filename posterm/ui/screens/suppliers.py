"""Suppliers (Alt+P): the supplier book with what we owe each, and the way to purchases.

Type to search (name, contact, phone, tax id); Up/Down move; the list is read page by page.
From here: new, edit, deactivate, a supplier's ledger (and paying them), receiving goods and
the list of purchases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Label

from posterm.domain.errors import PostermError
from posterm.domain.money import format_money
from posterm.ui.background import run_service
from posterm.ui.names import count_of
from posterm.ui.widgets.fields import Field
from posterm.ui.widgets.key_bar import ScreenKeysFooter

if TYPE_CHECKING:
    from posterm.domain.purchases import SupplierInfo

PAGE = 50


class SuppliersScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "ledger", "Ledger", id="suppliers.ledger", show=False),
        Binding("f2", "new", "New", id="suppliers.new"),
        Binding("f3", "edit", "Edit", id="suppliers.edit"),
        Binding("f4", "toggle_active", "On/off", id="suppliers.toggle_active"),
        Binding("f5", "receive", "Receive", id="suppliers.receive"),
        Binding("f6", "purchases", "Purchases", id="suppliers.purchases"),
        Binding("f7", "pay", "Pay", id="suppliers.pay"),
        Binding("f8", "inactive", "All", id="suppliers.inactive"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pagedown", "more", "More", id="suppliers.more", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.suppliers: list[SupplierInfo] = []
        self.include_inactive = False
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Label("Suppliers", id="suppliers-title", classes="dialog-title")
        with Horizontal(id="supplier-search-row"):
            yield Label("Find ›", id="supplier-search-label")
            yield Field(id="supplier-search", placeholder="name, contact, phone or tax id")
        yield DataTable(id="suppliers-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="suppliers-status")
        yield ScreenKeysFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False
        for label, key, width in [
            ("Supplier", "name", 28),
            ("Phone", "phone", 14),
            ("Tax id", "tax", 16),
            ("We owe", "due", 12),
        ]:
            table.add_column(label, key=key, width=width)
        self.query_one("#supplier-search", Field).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    @property
    def actor(self):
        return self.app.session.actor

    # --- the list --------------------------------------------------------------------------

    def reload(self) -> None:
        self._generation += 1
        self.suppliers = []
        self.query_one(DataTable).clear()
        self._load_page()

    def _load_page(self) -> None:
        from posterm.services import purchasing, suppliers

        text = self.query_one("#supplier-search", Field).value
        offset, generation = len(self.suppliers), self._generation
        include, terminal = self.include_inactive, self.app.session.terminal

        def read():
            page = suppliers.search_suppliers(
                text, limit=PAGE, offset=offset, include_inactive=include
            )
            return page, purchasing.load_draft(terminal) if offset == 0 else None

        run_service(
            self,
            read,
            lambda found: self._show_page(*found, generation),
            group="suppliers",
            exclusive=False,
        )

    def _show_page(self, page: list[SupplierInfo], draft, generation: int) -> None:
        if generation != self._generation:
            return
        table = self.query_one(DataTable)
        for supplier in page:
            style = "" if supplier.active else "dim"
            name = supplier.name if supplier.active else f"{supplier.name} (inactive)"
            table.add_row(
                Text(name[:28], style=style),
                supplier.phone[:14],
                supplier.tax_id[:16],
                Text(format_money(supplier.balance), justify="right", style=style),
            )
        self.suppliers.extend(page)
        parts = [count_of(len(self.suppliers), "supplier")]
        if len(page) == PAGE:
            parts.append("PageDown: more")
        if draft is not None:
            parts.append(f"receiving from {draft.supplier_name or '?'} in progress (F5)")
        elif not self.suppliers:
            parts.append("F2 adds one")
        self.query_one("#suppliers-status", Label).update(" · ".join(parts))

    def on_input_changed(self, event: Field.Changed) -> None:
        if event.input.id == "supplier-search":
            self.reload()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        self.action_ledger()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if step > 0 and table.cursor_row >= len(self.suppliers) - 1:
            self.action_more()
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    def action_more(self) -> None:
        if self.suppliers and len(self.suppliers) % PAGE == 0:
            self._load_page()

    def action_inactive(self) -> None:
        self.include_inactive = not self.include_inactive
        self.notify("Showing inactive suppliers too." if self.include_inactive else "Active only.")
        self.reload()

    def selected(self) -> SupplierInfo | None:
        if not self.suppliers:
            self.notify("No supplier selected: F2 adds one.", severity="warning")
            return None
        return self.suppliers[min(self.query_one(DataTable).cursor_row, len(self.suppliers) - 1)]

    # --- actions ---------------------------------------------------------------------------

    def action_new(self) -> None:
        from posterm.ui.modals.supplier_form import SupplierFormModal

        self.app.push_screen(SupplierFormModal(self.actor), self._saved)

    def action_edit(self) -> None:
        supplier = self.selected()
        if supplier is None:
            return
        from posterm.ui.modals.supplier_form import SupplierFormModal

        self.app.push_screen(SupplierFormModal(self.actor, supplier), self._saved)

    def _saved(self, supplier: SupplierInfo | None) -> None:
        if supplier is not None:
            self.notify(f"Saved {supplier.name}.")
            self.query_one("#supplier-search", Field).value = ""
            self.reload()

    def action_toggle_active(self) -> None:
        supplier = self.selected()
        if supplier is None:
            return
        from posterm.services import suppliers
        from posterm.ui.modals.confirm import ConfirmModal

        active = not supplier.active
        question = f"Reactivate {supplier.name}?" if active else f"Deactivate {supplier.name}?"
        detail = (
            "They can be picked for purchases again."
            if active
            else "No new purchases from them; their ledger and payments stay."
        )

        def answer(yes: bool) -> None:
            if yes:
                run_service(
                    self,
                    lambda: suppliers.set_supplier_active(self.actor, supplier.id, active),
                    lambda done: (self.notify(f"{done.name} is {done.status}."), self.reload()),
                    self._refused,
                )

        self.app.push_screen(ConfirmModal(question, detail), answer)

    def action_ledger(self) -> None:
        supplier = self.selected()
        if supplier is None:
            return
        from posterm.ui.screens.supplier_ledger import SupplierLedgerScreen

        self.app.push_screen(SupplierLedgerScreen(supplier.id))

    def action_pay(self) -> None:
        supplier = self.selected()
        if supplier is None:
            return
        from posterm.ui.screens.supplier_ledger import pay_supplier

        pay_supplier(self, supplier, self.reload)

    def action_receive(self) -> None:
        from posterm.ui.screens.purchase import PurchaseScreen

        supplier = self.suppliers[self.query_one(DataTable).cursor_row] if self.suppliers else None
        self.app.push_screen(PurchaseScreen(supplier if supplier and supplier.active else None))

    def action_purchases(self) -> None:
        from posterm.ui.screens.purchases import PurchasesScreen

        self.app.push_screen(PurchasesScreen())

    def _refused(self, error: PostermError) -> None:
        self.notify(str(error), severity="error", timeout=8)
