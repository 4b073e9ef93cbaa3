"""One supplier's ledger: what each purchase added, what each payment took off, and the due.

Newest first, read page by page. F2 pays the supplier; a payment above the due is an advance
and is asked about first. Enter on a purchase line opens that purchase.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from posterm.domain.errors import Conflict, PostermError
from posterm.domain.money import format_money
from posterm.ui.background import run_service
from posterm.ui.names import count_of

if TYPE_CHECKING:
    from decimal import Decimal

    from posterm.domain.purchases import SupplierEntryInfo, SupplierInfo, SupplierPayment
    from posterm.ui.modals.supplier_payment import PaymentEntered

PAGE = 50


def pay_supplier(screen: Screen, supplier: SupplierInfo, done: Callable[[], None]) -> None:
    """Asks how much was paid and records it; an advance beyond the due is confirmed first."""
    from posterm.services import purchasing
    from posterm.ui.modals.supplier_payment import SupplierPaymentModal

    actor = screen.app.session.actor

    def paid(result: SupplierPayment) -> None:
        extra = f" (advance {format_money(result.advance)})" if result.advance else ""
        left = supplier_due(result.supplier.balance)
        screen.notify(
            f"Paid {result.supplier.name} {format_money(-result.entry.amount)}{extra}; {left}."
        )
        done()

    def record(entered: PaymentEntered | None, advance: bool = False) -> None:
        if entered is None:
            return

        def refused(error: PostermError) -> None:
            if isinstance(error, Conflict) and "advance" in str(error) and not advance:
                from posterm.ui.modals.confirm import ConfirmModal

                screen.app.push_screen(
                    ConfirmModal("Pay an advance?", str(error)),
                    lambda yes: record(entered, advance=True) if yes else None,
                )
                return
            screen.notify(str(error), severity="error", timeout=8)

        run_service(
            screen,
            lambda: purchasing.pay_supplier(
                actor,
                supplier.id,
                entered.amount,
                entered.method,
                reference=entered.reference,
                allow_advance=advance,
            ),
            paid,
            refused,
            group="pay-supplier",
        )

    screen.app.push_screen(
        SupplierPaymentModal(
            f"Pay {supplier.name}", f"{supplier_due(supplier.balance).capitalize()}."
        ),
        record,
    )


def supplier_due(balance: Decimal) -> str:
    """What a supplier's balance means: "we owe them 390.28", or "advance with them 500.00"
    (never "we owe -500.00")."""
    if balance >= 0:
        return f"we owe them {format_money(balance)}"
    return f"advance with them {format_money(-balance)}"


class SupplierLedgerScreen(Screen[None]):
    BINDINGS = [
        # Short names, so Enter (open) fits the footer too; the palette has them in full.
        Binding("f2", "pay", "Pay", id="supplier_ledger.pay"),
        Binding("f3", "receive", "Receive", id="supplier_ledger.receive"),
        # Priority: the table has the focus, and its own Enter (hidden) hid this one.
        Binding("enter", "open", "Open", id="supplier_ledger.open", priority=True),
        Binding("f6", "purchases", "Purchases", id="supplier_ledger.purchases"),
        Binding("pagedown", "more", "More", id="supplier_ledger.more", show=False),
        Binding("escape", "back", "Back", id="supplier_ledger.back"),
    ]
    PALETTE_NAMES = {
        "supplier_ledger.pay": "Pay supplier",
        "supplier_ledger.receive": "Receive goods",
        "supplier_ledger.open": "Open purchase",
        "supplier_ledger.purchases": "Their purchases",
    }

    def __init__(self, supplier_id: int) -> None:
        super().__init__()
        self.supplier_id = supplier_id
        self.supplier: SupplierInfo | None = None
        self.entries: list[SupplierEntryInfo] = []
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Label("", id="ledger-title", classes="dialog-title")
        yield Label("", id="ledger-due")
        yield DataTable(id="ledger-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="ledger-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key, width in [
            ("Date", "date", 11),
            ("Entry", "kind", 9),
            ("Invoice / ref", "ref", 22),
            ("Amount", "amount", 12),
            ("Balance", "balance", 12),
        ]:
            table.add_column(label, key=key, width=width)
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.entries = []
        self.query_one(DataTable).clear()
        self._load_page()

    def _load_page(self) -> None:
        from posterm.services import purchasing, suppliers

        offset, generation, supplier_id = len(self.entries), self._generation, self.supplier_id

        def read():
            return suppliers.get_supplier(supplier_id), purchasing.supplier_ledger(
                supplier_id, limit=PAGE, offset=offset
            )

        run_service(
            self,
            read,
            lambda found: self._show(*found, generation),
            group="ledger",
            exclusive=False,
        )

    def _show(self, supplier: SupplierInfo, page: list[SupplierEntryInfo], generation: int):
        if generation != self._generation:
            return
        self.supplier = supplier
        state = "" if supplier.active else " (inactive)"
        self.query_one("#ledger-title", Label).update(f"Ledger of {supplier.name}{state}")
        due = supplier_due(supplier.balance).capitalize()
        contact = " · ".join(x for x in (supplier.contact_name, supplier.phone) if x)
        self.query_one("#ledger-due", Label).update(f"{due}   {contact}")
        table = self.query_one(DataTable)
        for entry in page:
            reference = entry.invoice_number or entry.reference or entry.note
            if entry.kind == "payment" and entry.method:
                reference = f"{entry.method} {reference}".strip()
            table.add_row(
                f"{entry.at:%d-%m-%Y}",
                entry.kind,
                reference[:22],
                Text(format_money(entry.amount), justify="right"),
                Text(format_money(entry.balance_after), justify="right"),
            )
        self.entries.extend(page)
        more = " · PageDown: more" if len(page) == PAGE else ""
        empty = "No purchases or payments yet." if not self.entries else ""
        self.query_one("#ledger-status", Label).update(
            empty or f"{count_of(len(self.entries), 'entry', 'entries')}{more}"
        )

    def action_more(self) -> None:
        if self.entries and len(self.entries) % PAGE == 0:
            self._load_page()

    def action_pay(self) -> None:
        if self.supplier is not None:
            pay_supplier(self, self.supplier, self.reload)

    def action_receive(self) -> None:
        if self.supplier is None:
            return
        from posterm.ui.screens.purchase import PurchaseScreen

        self.app.push_screen(PurchaseScreen(self.supplier if self.supplier.active else None))

    def action_purchases(self) -> None:
        if self.supplier is None:
            return
        from posterm.ui.screens.purchases import PurchasesScreen

        self.app.push_screen(PurchasesScreen(self.supplier))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if not self.entries:
            return
        entry = self.entries[min(self.query_one(DataTable).cursor_row, len(self.entries) - 1)]
        if entry.purchase_id is None:
            self.notify("A payment: it has no purchase to open.", severity="warning")
            return
        from posterm.ui.screens.purchases import show_purchase

        show_purchase(self, entry.purchase_id)

    def action_back(self) -> None:
        self.app.pop_screen()
