"""The sales list: today's bills by default, by date range, bill number or customer.

From here a bill is opened (its receipt on screen), reprinted, returned or voided. Lists are
read page by page, so years of sales never load whole.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label

from posterm.domain.errors import PostermError, ValidationError
from posterm.domain.money import format_money
from posterm.ui.background import run_service
from posterm.ui.names import count_of
from posterm.ui.widgets.key_bar import TwoRowFooter
from posterm.ui.widgets.paging import page_down

if TYPE_CHECKING:
    from posterm.domain.returns import SaleSummary

PAGE = 50


def parse_day_range(text: str, today: date) -> tuple[date, date]:
    """ "today", "yesterday", "7" (last 7 days), "dd-mm-yyyy" or "dd-mm-yyyy dd-mm-yyyy"."""
    text = text.strip().lower()
    if text in ("", "today"):
        return today, today
    if text == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    # isascii: "²" is a digit to isdigit() but not to int(); a long run overflows int().
    if text.isascii() and text.isdigit() and len(text) <= 4 and 1 <= int(text) <= 3660:
        return today - timedelta(days=int(text) - 1), today
    days = re.split(r"\s*(?:to|\s)\s*", text)
    try:
        parsed = [datetime.strptime(day, "%d-%m-%Y").date() for day in days if day]
    except ValueError:
        raise ValidationError(
            "dates",
            "use dd-mm-yyyy, two of them for a range, or today, yesterday, or a number of days",
        ) from None
    if len(parsed) not in (1, 2):
        raise ValidationError("dates", "one date, or two for a range")
    first, last = parsed[0], parsed[-1]
    if last < first:
        raise ValidationError("dates", "the second date is before the first")
    return first, last


class SalesScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "open", "Open", id="sales.open"),
        Binding("f2", "dates", "Dates", id="sales.dates"),
        Binding("f3", "find", "Find bill", id="sales.find"),
        Binding("f4", "unprinted", "Unprinted", id="sales.unprinted"),
        Binding("f5", "reprint", "Reprint", id="sales.reprint"),
        Binding("f6", "return_items", "Return", id="sales.return"),
        Binding("f7", "void", "Void", id="sales.void"),
        Binding("f8", "customer", "Customer", id="sales.customer"),
        Binding("f9", "no_receipt", "No-receipt return", id="sales.no_receipt"),
        # Priority: the table has the focus and would take PageDown for its own paging.
        Binding("pagedown", "more", "More", id="sales.more", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sales: list[SaleSummary] = []
        self.filters: dict = {}
        self.title_text = "Today's sales"
        self.unprinted_only = False
        self._generation = 0
        self._loading = False  # a page is on its way: PageDown does not ask for it twice

    def compose(self) -> ComposeResult:
        yield Label("", id="sales-title", classes="dialog-title")
        yield DataTable(id="sales-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="sales-status")
        yield TwoRowFooter(columns=5)  # eight keys do not fit one 80-column row

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # 63 columns of text, 12 of cell padding and a scrollbar: no sideways scrolling at 80.
        for label, key, width in [
            ("Time", "time", 11),
            ("Bill", "bill", 16),
            ("Kind", "kind", 6),
            ("Customer", "customer", 16),
            ("Total", "total", 11),
            ("Prn", "printed", 3),
        ]:
            table.add_column(label, key=key, width=width)

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        # A newer reload makes pages still on their way from an older one stale.
        self._generation += 1
        self.sales = []
        self.query_one(DataTable).clear()
        self._load_page()

    def _load_page(self) -> None:
        from posterm.services import sales

        offset = len(self.sales)
        if self.unprinted_only:
            call = lambda: sales.unprinted_sales(limit=PAGE)  # noqa: E731
        else:
            call = lambda: sales.list_sales(limit=PAGE, offset=offset, **self.filters)  # noqa: E731
        self.query_one("#sales-title", Label).update(self.title_text)
        generation = self._generation
        self._loading = True
        run_service(
            self,
            call,
            lambda page: self._show_page(page, generation),
            self._load_failed,
            group="sales",
            exclusive=False,
        )

    def _load_failed(self, error: PostermError) -> None:
        self._loading = False
        self.query_one("#sales-status", Label).update(str(error))

    def _show_page(self, page: list[SaleSummary], generation: int) -> None:
        if generation != self._generation:
            return
        self._loading = False
        table = self.query_one(DataTable)
        for sale in page:
            style = "red" if sale.kind != "sale" else ""
            table.add_row(
                f"{sale.sold_at_local:%d-%m %H:%M}",
                sale.bill_number,
                Text(sale.kind, style=style),
                (sale.customer_name or "-")[:16],
                Text(format_money(sale.total), justify="right", style=style),
                "" if sale.printed else Text("no", style="bold red"),
            )
        self.sales.extend(page)
        more = " · PageDown: more" if len(page) == PAGE else ""
        count = len(self.sales)
        said = (
            "No bills. F2 picks other dates, F3 finds a bill"
            if not count
            else count_of(count, "bill")
        )
        self.query_one("#sales-status", Label).update(f"{said}{more}")

    def action_more(self) -> None:
        """PageDown pages through the table; at its last row, the next page is read."""
        more = (
            self.sales
            and len(self.sales) % PAGE == 0
            and not self.unprinted_only
            and not self._loading
        )
        page_down(self.query_one(DataTable), self._load_page if more else None)

    def _selected(self) -> SaleSummary | None:
        if not self.sales:
            self.notify("No bill selected.", severity="warning")
            return None
        return self.sales[min(self.query_one(DataTable).cursor_row, len(self.sales) - 1)]

    # --- filters ---------------------------------------------------------------------------

    def action_dates(self) -> None:
        # Today in the store's timezone (a setting in the database), as the list's own
        # "today" is: the till's clock may be in another zone (UTC on many a small PC), and
        # "yesterday" just after midnight was then the day before it.
        from posterm.services.reports import store_today

        run_service(self, store_today, self._ask_dates, group="sales-today")

    def _ask_dates(self, today: date) -> None:
        from posterm.ui.modals.value import ValueModal

        def chosen(entered) -> None:
            if entered is None:
                return
            first, last = entered.value
            self.filters, self.unprinted_only = {"day_from": first, "day_to": last}, False
            self.title_text = (
                f"Sales on {first:%d-%m-%Y}"
                if first == last
                else f"Sales {first:%d-%m-%Y} to {last:%d-%m-%Y}"
            )
            self.reload()

        self.app.push_screen(
            ValueModal(
                "Show sales",
                "Dates: today, yesterday, 7 (days), dd-mm-yyyy [dd-mm-yyyy]",
                lambda text: parse_day_range(text, today),
            ),
            chosen,
        )

    def action_find(self) -> None:
        from posterm.ui.modals.value import ValueModal

        def chosen(entered) -> None:
            if entered is None:
                return
            self.filters, self.unprinted_only = {"bill_number": entered.value}, False
            self.title_text = f"Bill {entered.value}"
            self.reload()

        self.app.push_screen(
            ValueModal("Find a bill", "Bill number (type or scan the receipt)", _bill_number),
            chosen,
        )

    def action_customer(self) -> None:
        from posterm.services import customers
        from posterm.ui.modals.pick import PickModal

        def chosen(customer) -> None:
            if customer is None:
                return
            self.filters, self.unprinted_only = {"customer_id": customer.id}, False
            self.title_text = f"Bills of {customer.name}"
            self.reload()

        self.app.push_screen(
            PickModal(
                "Bills of a customer",
                "Phone, name or code",
                lambda text: customers.find_customers(text, limit=12),
                lambda c: f"{c.name[:30]:<30} {c.phone:<12}",
                empty="No customer found.",
                blank="Type a phone number, a name or a customer code.",
            ),
            chosen,
        )

    def action_no_receipt(self) -> None:
        from posterm.domain.errors import PermissionDenied
        from posterm.domain.permissions import Grant, Permission, grant
        from posterm.ui.screens.return_without_receipt import NoReceiptReturnScreen

        actor = self.app.session.actor
        allowed = grant(actor.role, Permission.RETURN_WITHOUT_RECEIPT)
        if allowed is Grant.YES:
            self.app.push_screen(NoReceiptReturnScreen(actor))
        elif allowed is Grant.OVERRIDE:
            from posterm.ui.modals.override import OverrideModal

            self.app.push_screen(
                OverrideModal(
                    actor,
                    Permission.RETURN_WITHOUT_RECEIPT,
                    "A return without a receipt needs a manager's approval.",
                ),
                lambda approved: (
                    self.app.push_screen(NoReceiptReturnScreen(approved)) if approved else None
                ),
            )
        else:
            self.notify(
                str(PermissionDenied(Permission.RETURN_WITHOUT_RECEIPT.value, actor.role.value)),
                severity="error",
            )

    def action_unprinted(self) -> None:
        self.unprinted_only = not self.unprinted_only
        self.title_text = "Unprinted bills" if self.unprinted_only else "Today's sales"
        self.filters = {}
        self.reload()

    # --- one bill --------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        sale = self._selected()
        if sale is None:
            return
        from posterm.services.printing import receipt_preview
        from posterm.services.sales import sale_detail
        from posterm.ui.modals.receipt import ReceiptModal

        columns = self.app.config.receipt_columns

        def read() -> str:
            detail = sale_detail(sale.bill_number)
            notes = [f"Against {detail.original.bill_number}"] if detail.original else []
            notes += [
                f"{r.kind.title()} {r.bill_number} on {r.sold_at_local:%d-%m-%Y %H:%M}: "
                f"{format_money(r.total)}"
                for r in detail.reversals
            ]
            text = receipt_preview(sale.id, columns)
            return "\n".join([*notes, "", text]) if notes else text

        run_service(
            self, read, lambda text: self.app.push_screen(ReceiptModal(sale.bill_number, text))
        )

    def action_reprint(self) -> None:
        sale = self._selected()
        if sale is None:
            return
        from posterm.ui.receipts import print_in_background

        def report(message: str, error: bool) -> None:
            self.query_one("#sales-status", Label).update(f"{sale.bill_number}: {message}")
            self.reload()

        print_in_background(self, self.app.config, sale.id, report, reprint=True)

    def action_return_items(self) -> None:
        sale = self._selected()
        if sale is None:
            return
        from posterm.ui.screens.returns import ReturnScreen

        self.app.push_screen(ReturnScreen(sale.bill_number))

    def action_void(self) -> None:
        sale = self._selected()
        if sale is None:
            return
        if sale.kind != "sale":
            self.notify("Only a sale can be voided.", severity="warning")
            return
        from posterm.domain.permissions import Permission, can
        from posterm.ui.modals.value import ValueModal

        actor = self.app.session.actor
        if not can(actor.role, Permission.VOID_SALE):
            self.notify("Only a manager or the owner may void a sale.", severity="error")
            return

        def confirmed(entered) -> None:
            if entered is None:
                return
            import uuid

            from posterm.services import returns

            void_id = uuid.uuid4()
            run_service(
                self,
                lambda: returns.void_sale(actor, sale.bill_number, entered.value, void_id),
                self._voided,
                self._refused,
            )

        self.app.push_screen(
            ValueModal(
                f"Void {sale.bill_number}?",
                "Reason (required; stock, payments and credit reverse)",
                _reason,
                max_length=120,
            ),
            confirmed,
        )

    def _voided(self, document) -> None:
        self.notify(f"Voided: {document.bill_number}")
        from posterm.ui.receipts import print_in_background

        def printed(message: str, error: bool) -> None:
            self.notify(
                f"{document.bill_number}: {message}", severity="error" if error else "information"
            )
            self.reload()  # the void's slip is printed now: its row says so

        print_in_background(self, self.app.config, document.id, printed)
        self.reload()

    def _refused(self, error: PostermError) -> None:
        self.notify(str(error), severity="error", timeout=8)


def _bill_number(text: str) -> str:
    value = text.strip().upper()
    if not value:
        raise ValidationError("bill", "type or scan a bill number")
    return value


def _reason(text: str) -> str:
    value = text.strip()
    if len(value) < 3:
        raise ValidationError("reason", "say why (at least 3 characters)")
    return value
