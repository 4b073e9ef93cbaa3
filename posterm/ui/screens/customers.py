"""The customer book: find by phone, name or code as you type, create and edit, history, card.

The list is read page by page (PageDown for more), in a worker, and answers to an older search
are dropped when a newer one was typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from posterm.domain.money import format_money
from posterm.domain.phones import format_phone
from posterm.ui.background import run_service
from posterm.ui.emphasis import readable
from posterm.ui.names import count_of, short_name
from posterm.ui.widgets.fields import Field

if TYPE_CHECKING:
    from posterm.domain.customers import Customer, PurchaseSummary
    from posterm.domain.products import CustomerInfo
    from posterm.domain.returns import SaleSummary

PAGE = 50
STATUS_STYLES = {"blocked": "bold red", "inactive": "yellow"}


class CustomersScreen(Screen[None]):
    BINDINGS = [
        Binding("f2", "new", "New", id="customers.new"),
        Binding("f3", "edit", "Edit", id="customers.edit"),
        Binding("f4", "history", "History", id="customers.history"),
        Binding("f5", "card", "Print card", id="customers.card"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pagedown", "more", "More", id="customers.more", show=False),
        Binding("escape", "clear", "Clear", id="customers.clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.found: list[CustomerInfo] = []
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Label("Customers", classes="dialog-title screen-title")
        with Horizontal(id="customers-find-row", classes="find-row"):
            yield Label("Find", classes="find-label")
            yield Field(id="customers-find", placeholder="phone, name or code", max_length=40)
        table: DataTable = DataTable(id="customers-table", cursor_type="row", zebra_stripes=True)
        table.can_focus = False  # Up/Down move it from the search field
        yield table
        yield Label("", id="customers-status", classes="screen-status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key, width in [
            ("Code", "code", 5),
            ("Name", "name", 21),
            ("Phone", "phone", 11),
            ("Status", "status", 8),
            ("Owes", "owes", 10),
            ("Limit", "limit", 8),
        ]:
            table.add_column(label, key=key, width=width)
        self.query_one("#customers-find", Field).focus()

    def on_screen_resume(self) -> None:
        self.query_one("#customers-find", Field).focus()
        self.reload()

    def _text(self) -> str:
        return self.query_one("#customers-find", Field).value.strip()

    def on_input_changed(self, event: Field.Changed) -> None:
        self.reload()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        self.action_edit()

    def reload(self) -> None:
        self._generation += 1
        self.found = []
        self.query_one(DataTable).clear()
        self._load_page()

    def _load_page(self) -> None:
        from posterm.services import customers

        text, offset, generation = self._text(), len(self.found), self._generation
        run_service(
            self,
            lambda: customers.list_customers(text, limit=PAGE, offset=offset),
            lambda page: self._show(page, generation),
            group="customers",
            exclusive=False,
        )

    def _show(self, page: list[CustomerInfo], generation: int) -> None:
        if generation != self._generation:
            return
        table = self.query_one(DataTable)
        for customer in page:
            owes = customer.balance
            table.add_row(
                customer.code,
                customer.name[:21],
                format_phone(customer.phone),
                Text(
                    customer.status,
                    style=readable(self.app, STATUS_STYLES.get(customer.status, "")),
                ),
                Text(format_money(owes), justify="right", style="bold" if owes > 0 else ""),
                Text(f"{customer.credit_limit:,.0f}", justify="right"),
            )
        self.found.extend(page)
        more = " · PageDown: more" if len(page) == PAGE else ""
        none = "No customer found; F2 adds one." if not self.found else ""
        self.query_one("#customers-status", Label).update(
            none or f"{count_of(len(self.found), 'customer')}{more} · Enter: edit"
        )

    def action_more(self) -> None:
        if self.found and len(self.found) % PAGE == 0:
            self._load_page()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if step > 0:
            table.action_cursor_down()
        else:
            table.action_cursor_up()
        if step > 0 and table.cursor_row >= len(self.found) - 1:
            self.action_more()

    def action_clear(self) -> None:
        self.query_one("#customers-find", Field).value = ""

    def _selected(self) -> CustomerInfo | None:
        if not self.found:
            self.notify("No customer selected.", severity="warning")
            return None
        return self.found[min(self.query_one(DataTable).cursor_row, len(self.found) - 1)]

    # --- create and edit -----------------------------------------------------------------

    def action_new(self) -> None:
        from posterm.services import customers
        from posterm.ui.modals.customer_form import CustomerFormModal

        typed = self._text()

        def blank():
            form = customers.new_customer_form()
            digits = typed.replace(" ", "").lstrip("+")
            # What was searched for fills the form: a number is the phone, words the name.
            if digits.isdigit():
                return type(form)(name="", phone=typed, credit_limit=form.credit_limit)
            return type(form)(name=typed, credit_limit=form.credit_limit)

        run_service(
            self, blank, lambda form: self.app.push_screen(CustomerFormModal(form), self._saved)
        )

    def action_edit(self) -> None:
        customer = self._selected()
        if customer is None:
            return
        self.edit(customer.id)

    def edit(self, customer_id: int) -> None:
        from posterm.services import customers
        from posterm.ui.modals.customer_form import CustomerFormModal

        run_service(
            self,
            lambda: customers.customer_detail(customer_id),
            lambda record: self.app.push_screen(
                CustomerFormModal(record.to_form(), record.id), self._saved
            ),
        )

    def _saved(self, record: Customer | None) -> None:
        if record is None:
            return
        self.notify(f"Saved {record.name} ({record.code}).")
        self.query_one("#customers-find", Field).value = record.code
        self.reload()

    # --- history and card ----------------------------------------------------------------

    def action_history(self) -> None:
        customer = self._selected()
        if customer is not None:
            self.app.push_screen(CustomerHistoryScreen(customer.id, customer.name))

    def action_card(self) -> None:
        customer = self._selected()
        if customer is None:
            return
        from posterm.domain.credit import card_document
        from posterm.services import credit, customers
        from posterm.ui.receipts import print_document_in_background

        def build(columns: int, _symbol: str):
            record = customers.customer_detail(customer.id)
            return card_document(
                record.name,
                record.code,
                record.card_barcode or record.code,
                credit.store_heading(),
                columns,
            )

        status = self.query_one("#customers-status", Label)
        status.update(f"Printing the card of {customer.name}…")
        print_document_in_background(
            self,
            self.app.config,
            build,
            lambda message, error: status.update(f"Card of {customer.name}: {message}"),
        )


class CustomerHistoryScreen(Screen[None]):
    """What one customer bought: totals, top items and their bills, newest first."""

    BINDINGS = [
        # Priority: the table has the focus, and its own Enter (hidden) hid this one.
        Binding("enter", "open", "Open bill", id="customer_history.open", priority=True),
        Binding("pagedown", "more", "More", id="customer_history.more", show=False),
        Binding("escape", "back", "Back", id="customer_history.back"),
    ]

    def __init__(self, customer_id: int, name: str) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.customer_name = name
        self.sales: list[SaleSummary] = []

    def compose(self) -> ComposeResult:
        yield Label(f"Purchases of {self.customer_name}", classes="dialog-title screen-title")
        yield Label("", id="history-summary")
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="history-status", classes="screen-status")
        yield Footer()

    def on_mount(self) -> None:
        from posterm.services import customers

        table = self.query_one(DataTable)
        for label, key, width in [
            ("Date", "date", 11),
            ("Bill", "bill", 18),
            ("Kind", "kind", 6),
            ("Total", "total", 11),
            ("Note", "note", 16),
        ]:
            table.add_column(label, key=key, width=width)
        run_service(self, lambda: customers.purchase_summary(self.customer_id), self._summary)
        self._load_page()

    def _summary(self, summary: PurchaseSummary) -> None:
        days = (
            f" · first {summary.first_visit:%d-%m-%Y}, last {summary.last_visit:%d-%m-%Y}"
            if summary.first_visit and summary.last_visit
            else ""
        )
        # The top items on one 78-column line: names shortened, and only as many as fit whole
        # (a cut line lost the amount of the last one).
        top = ""
        for item in summary.top_items:
            part = f"{short_name(item.name, 26)} ({format_money(item.amount)})"
            longer = f"{top}, {part}" if top else part
            if top and len(longer) > 73:
                break
            top = longer
        visits = count_of(summary.visits, "visit")
        self.query_one("#history-summary", Label).update(
            f"Spent {format_money(summary.total_spent)} in {visits}{days}\nTop: {top or '-'}"
        )

    def _load_page(self) -> None:
        from posterm.services import customers

        offset = len(self.sales)
        run_service(
            self,
            lambda: customers.purchase_history(self.customer_id, limit=PAGE, offset=offset),
            self._show,
            group="history",
        )

    def _show(self, page: list[SaleSummary]) -> None:
        table = self.query_one(DataTable)
        for sale in page:
            style = readable(self.app, "red") if sale.kind != "sale" else ""
            table.add_row(
                f"{sale.sold_at_local:%d-%m-%Y}",
                sale.bill_number,
                Text(sale.kind, style=style),
                Text(format_money(sale.total), justify="right", style=style),
                f"of {sale.original_bill_number}" if sale.original_bill_number else "",
            )
        self.sales.extend(page)
        more = " · PageDown: more" if len(page) == PAGE else ""
        self.query_one("#history-status", Label).update(f"{len(self.sales)} bills{more}")

    def action_more(self) -> None:
        if self.sales and len(self.sales) % PAGE == 0:
            self._load_page()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if not self.sales:
            return
        sale = self.sales[min(self.query_one(DataTable).cursor_row, len(self.sales) - 1)]
        from posterm.services.printing import receipt_preview
        from posterm.ui.modals.receipt import ReceiptModal

        columns = self.app.config.receipt_columns
        run_service(
            self,
            lambda: receipt_preview(sale.id, columns),
            lambda text: self.app.push_screen(ReceiptModal(sale.bill_number, text)),
        )

    def action_back(self) -> None:
        self.app.pop_screen()
