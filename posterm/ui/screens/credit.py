"""Udhaar: every customer with a balance, their ledger, payments, adjustments, statements and
reminders.

The list (sortable by amount, by the oldest unpaid debt, or by name) and the ledger of the
highlighted customer are read page by page in workers; late answers for a customer no longer
highlighted are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label

from posterm.domain.errors import PostermError, ValidationError
from posterm.domain.money import format_money
from posterm.domain.phones import format_phone
from posterm.ui.background import run_service
from posterm.ui.emphasis import readable
from posterm.ui.widgets.key_bar import ScreenKeysFooter

if TYPE_CHECKING:
    from posterm.domain.credit import Ageing, LedgerEntry, PaymentSlip
    from posterm.domain.permissions import Actor
    from posterm.domain.store_settings import StoreSettings
    from posterm.services.credit import BalanceTotals, CustomerBalance

PAGE = 50
SORT_NAMES = {"amount": "most owed first", "oldest": "oldest unpaid first", "name": "by name"}


def _table(table_id: str) -> DataTable:
    """A list the screen's keys move through; it never takes focus (nor Up/Down from it)."""
    table: DataTable = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    table.can_focus = False
    return table


@dataclass(frozen=True)
class Chosen:
    """The customer the ledger shows: from the list, or found with F3 (balance or not)."""

    id: int
    name: str
    balance: Decimal


class CreditScreen(Screen[None]):
    BINDINGS = [
        Binding("f2", "sort", "Sort", id="credit.sort"),
        Binding("f3", "find", "Find", id="credit.find"),
        Binding("f4", "payment", "Pay", id="credit.payment"),
        Binding("f5", "adjust", "Adjust", id="credit.adjust"),
        Binding("f6", "statement", "Statement", id="credit.statement"),
        Binding("f7", "reminder", "Remind", id="credit.reminder"),
        Binding("f8", "older", "Older entries", id="credit.older", show=False),
        Binding("pagedown", "more", "More", id="credit.more", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "amount"
        self.rows: list[CustomerBalance] = []
        self.chosen: Chosen | None = None
        self.entries: list[LedgerEntry] = []
        self._generation = 0
        self._ledger_generation = 0
        self.symbol = ""
        self.timezone = "UTC"

    def compose(self) -> ComposeResult:
        yield Label("Credit", id="credit-totals", classes="dialog-title screen-title")
        yield _table("credit-balances")
        yield Label("", id="credit-customer", classes="screen-title")
        yield _table("credit-ledger")
        yield Label("", id="credit-status", classes="screen-status")
        yield ScreenKeysFooter()

    def on_mount(self) -> None:
        balances = self.query_one("#credit-balances", DataTable)
        for label, key, width in [
            ("Code", "code", 5),
            ("Name", "name", 20),
            ("Phone", "phone", 11),
            ("Owes", "owes", 10),
            ("Since", "since", 10),
            ("Limit", "limit", 8),
        ]:
            balances.add_column(label, key=key, width=width)
        ledger = self.query_one("#credit-ledger", DataTable)
        for label, key, width in [
            ("When", "when", 11),
            ("Entry", "kind", 11),
            ("Reference", "ref", 18),
            ("Amount", "amount", 10),
            ("Balance", "balance", 10),
        ]:
            ledger.add_column(label, key=key, width=width)

    def on_screen_resume(self) -> None:
        self.reload()

    @property
    def actor(self) -> Actor:
        return self.app.session.actor

    def status(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#credit-status", Label)
        label.update(Text(message, style=readable(self.app, "bold red") if error else ""))
        if error and len(message) > 76:  # the status line holds one row: the rest is cut
            self.notify(message, severity="error", timeout=8)

    # --- the list ------------------------------------------------------------------------

    def reload(self) -> None:
        from posterm.services import credit
        from posterm.services.settings import load_settings

        self._generation += 1
        generation = self._generation
        self.rows = []
        self.query_one("#credit-balances", DataTable).clear()

        def read() -> tuple[BalanceTotals, list[CustomerBalance], StoreSettings]:
            return (
                credit.balance_totals(),
                credit.customer_balances(self.sort, limit=PAGE),
                load_settings(),
            )

        run_service(self, read, lambda got: self._first_page(got, generation), group="credit")

    def _first_page(self, got, generation: int) -> None:
        if generation != self._generation:
            return
        totals, page, settings = got
        self.symbol, self.timezone = settings.currency_symbol, settings.timezone
        advances = (
            f" · advances {format_money(totals.advances, self.symbol)} ({totals.advance_customers})"
            if totals.advance_customers
            else ""
        )
        self.query_one("#credit-totals", Label).update(
            f"Credit: {totals.customers} owe {format_money(totals.owed, self.symbol)}"
            f"{advances} · {SORT_NAMES[self.sort]}"
        )
        self._show(page, generation)
        if self.chosen is not None:
            self._load_ledger(self.chosen.id)

    def _load_more(self) -> None:
        from posterm.services import credit

        offset, generation = len(self.rows), self._generation
        run_service(
            self,
            lambda: credit.customer_balances(self.sort, limit=PAGE, offset=offset),
            lambda page: self._show(page, generation),
            group="credit-more",
        )

    def _show(self, page: list[CustomerBalance], generation: int) -> None:
        if generation != self._generation:
            return
        table = self.query_one("#credit-balances", DataTable)
        for row in page:
            over = row.balance > row.credit_limit
            table.add_row(
                row.code,
                row.name[:20],
                format_phone(row.phone),
                Text(
                    format_money(row.balance) if row.balance >= 0 else f"adv {-row.balance:.2f}",
                    justify="right",
                    style=readable(
                        self.app, "bold red" if over else "bold" if row.balance > 0 else "green"
                    ),
                ),
                f"{row.oldest_unpaid:%d-%m-%Y}" if row.oldest_unpaid else "",
                Text(f"{row.credit_limit:,.0f}", justify="right"),
            )
        first = len(self.rows)
        self.rows.extend(page)
        if not self.rows:
            self.status("Nobody owes anything. F3 finds a customer to take an advance.")
        elif self.chosen is None:
            self._choose_row(0)
        else:
            # A reload keeps the customer being worked on highlighted.
            index = next((i for i, r in enumerate(page) if r.id == self.chosen.id), None)
            if index is not None:
                table.move_cursor(row=first + index)

    def action_more(self) -> None:
        if self.rows and len(self.rows) % PAGE == 0:
            self._load_more()

    def action_sort(self) -> None:
        order = list(SORT_NAMES)
        self.sort = order[(order.index(self.sort) + 1) % len(order)]
        self.reload()

    def action_move(self, step: int) -> None:
        # The screen moves the cursor (the table never has focus), so refilling the table
        # after a payment does not change whose ledger is shown.
        table = self.query_one("#credit-balances", DataTable)
        if step > 0:
            table.action_cursor_down()
            if table.cursor_row >= len(self.rows) - 1:
                self.action_more()
        else:
            table.action_cursor_up()
        self._choose_row(table.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "credit-balances":
            self._choose_row(event.cursor_row)

    def _choose_row(self, index: int) -> None:
        if 0 <= index < len(self.rows):
            row = self.rows[index]
            self._choose(Chosen(row.id, row.name, row.balance))

    def _choose(self, chosen: Chosen) -> None:
        if self.chosen == chosen and self.entries:
            return
        self.chosen = chosen
        self._load_ledger(chosen.id)

    def action_find(self) -> None:
        from posterm.services import customers
        from posterm.ui.modals.pick import PickModal

        def picked(customer) -> None:
            if customer is not None:
                self._choose(Chosen(customer.id, customer.name, customer.balance))

        self.app.push_screen(
            PickModal(
                "Which customer?",
                "Phone, name or code",
                lambda text: customers.find_customers(text, limit=12),
                lambda c: f"{c.name[:28]:<28} {c.phone:<12} {format_money(c.balance):>11}",
                empty="No customer found.",
                blank="Type a phone number, a name or a customer code.",
            ),
            picked,
        )

    # --- the ledger ----------------------------------------------------------------------

    def _load_ledger(self, customer_id: int, offset: int = 0) -> None:
        from posterm.services import credit, customers

        if offset == 0:
            self._ledger_generation += 1
            self.entries = []
            self.query_one("#credit-ledger", DataTable).clear()
        generation = self._ledger_generation

        def read():
            record = customers.customer_detail(customer_id)
            aged = credit.ageing(customer_id)
            return record, aged, credit.ledger(customer_id, limit=PAGE, offset=offset)

        run_service(self, read, lambda got: self._show_ledger(got, generation), group="ledger")

    def _show_ledger(self, got, generation: int) -> None:
        if generation != self._ledger_generation:
            return
        record, aged, page = got
        self.chosen = Chosen(record.id, record.name, record.balance)
        self.query_one("#credit-customer", Label).update(self._describe(record, aged))
        table = self.query_one("#credit-ledger", DataTable)
        for entry in page:
            style = "green" if entry.amount < 0 else ""
            table.add_row(
                f"{entry.at:%d-%m %H:%M}",
                entry.label[:11],
                (entry.reference or entry.note)[:18],
                Text(format_money(entry.amount), justify="right", style=style),
                Text(format_money(entry.balance_after), justify="right"),
            )
        self.entries.extend(page)
        if not self.entries:
            table.add_row("", "No entries yet", "", "", "")

    def _describe(self, record, aged: Ageing) -> Text:
        text = Text()
        text.append(f"{record.name} ({record.code}) ", style="bold")
        if record.balance >= 0:
            text.append(f"owes {format_money(record.balance, self.symbol)}", style="bold")
        else:
            text.append(f"advance {format_money(-record.balance, self.symbol)}", style="green")
        if record.status != "active":
            text.append(f" · {record.status}", style=readable(self.app, "bold red"))
        if aged.total:
            from posterm.domain.credit import BUCKETS

            parts = [
                f"{label}:{amount:.0f}"
                for (label, _first, _last), amount in zip(BUCKETS, aged.buckets, strict=True)
            ]
            text.append(" · " + " ".join(parts))
        return text

    def action_older(self) -> None:
        if self.chosen is not None and self.entries and len(self.entries) % PAGE == 0:
            self._load_ledger(self.chosen.id, offset=len(self.entries))

    def _need_customer(self) -> Chosen | None:
        if self.chosen is None:
            self.notify("Choose a customer first (F3 finds any customer).", severity="warning")
        return self.chosen

    # --- payments ------------------------------------------------------------------------

    def action_payment(self) -> None:
        chosen = self._need_customer()
        if chosen is None:
            return
        from posterm.domain.sale import CREDIT, tender_methods
        from posterm.services.settings import load_settings
        from posterm.ui.modals.credit_entry import CreditEntryModal

        def ask(settings) -> None:
            methods = tuple(
                (m, m.upper() if len(m) <= 4 else m.title())
                for m in tender_methods(settings.extra_tender_methods)
                if m != CREDIT
            )
            self.app.push_screen(
                CreditEntryModal(
                    "Take a payment",
                    chosen.name,
                    chosen.balance,
                    methods,
                    text_label="Reference (UPI or card slip no.; optional)",
                    symbol=settings.currency_symbol,
                ),
                lambda request: self._pay(chosen, request) if request else None,
            )

        run_service(self, load_settings, ask)

    def _pay(self, chosen: Chosen, request) -> None:
        from posterm.services import credit

        actor = self.actor
        self.status("Saving the payment…")
        run_service(
            self,
            lambda: credit.take_payment(
                actor, chosen.id, request.amount, request.choice, request.text
            ),
            self._paid,
            self._refused,
            group="credit-write",
        )

    def _paid(self, slip: PaymentSlip) -> None:
        from posterm.domain.credit import payment_document
        from posterm.services import credit
        from posterm.ui.receipts import print_document_in_background

        summary = (
            f"{slip.number}: {format_money(slip.amount, self.symbol)} {slip.method.upper()} · "
            f"{slip.customer_name[:20]} "
            + (
                f"owes {format_money(slip.balance_after, self.symbol)}"
                if slip.balance_after >= 0
                else f"advance {format_money(-slip.balance_after, self.symbol)}"
            )
        )
        self.status(summary + " · printing…")
        self.notify(summary)
        self.reload()
        print_document_in_background(
            self,
            self.app.config,
            lambda columns, symbol: payment_document(slip, credit.store_heading(), columns, symbol),
            lambda message, error: self.status(f"{summary} · {message}", error=error),
        )

    def _refused(self, error: PostermError) -> None:
        self.status(str(error), error=True)

    # --- adjustments and write-offs ------------------------------------------------------

    def action_adjust(self) -> None:
        chosen = self._need_customer()
        if chosen is None:
            return
        from posterm.domain.errors import PermissionDenied
        from posterm.domain.permissions import Grant, Permission, grant

        actor = self.actor
        allowed = grant(actor.role, Permission.WRITE_OFF_CREDIT)
        if allowed is Grant.YES:
            self._ask_adjustment(chosen, actor)
        elif allowed is Grant.OVERRIDE:
            from posterm.ui.modals.override import OverrideModal

            self.app.push_screen(
                OverrideModal(
                    actor,
                    Permission.WRITE_OFF_CREDIT,
                    "Adjusting or writing off credit needs a manager's approval.",
                ),
                lambda approved: self._ask_adjustment(chosen, approved) if approved else None,
            )
        else:
            self.status(
                str(PermissionDenied(Permission.WRITE_OFF_CREDIT.value, actor.role.value)),
                error=True,
            )

    def _ask_adjustment(self, chosen: Chosen, actor: Actor) -> None:
        from posterm.services import credit
        from posterm.ui.modals.credit_entry import ADJUSTMENTS, CreditEntryModal

        def done(request) -> None:
            if request is None:
                return
            self.status("Saving the adjustment…")
            run_service(
                self,
                lambda: credit.adjust(
                    actor,
                    chosen.id,
                    request.amount,
                    request.text,
                    write_off=request.choice == "write_off",
                    raise_balance=request.choice == "raise",
                ),
                self._adjusted,
                self._refused,
                group="credit-write",
            )

        self.app.push_screen(
            CreditEntryModal(
                "Adjust or write off",
                chosen.name,
                chosen.balance,
                ADJUSTMENTS,
                text_label="Reason (required; kept in the audit log)",
                text_required=True,
                symbol=self.symbol,
            ),
            done,
        )

    def _adjusted(self, slip: PaymentSlip) -> None:
        what = "Written off" if slip.kind == "write_off" else "Adjusted"
        self.status(
            f"{what} {format_money(abs(slip.amount), self.symbol)} for {slip.customer_name}: "
            f"balance now {format_money(slip.balance_after, self.symbol)}."
        )
        self.reload()

    # --- statement and reminder ----------------------------------------------------------

    def action_statement(self) -> None:
        chosen = self._need_customer()
        if chosen is None:
            return
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from posterm.ui.modals.value import ValueModal
        from posterm.ui.screens.sales import parse_day_range

        today = datetime.now(ZoneInfo(self.timezone)).date()

        def chosen_days(entered) -> None:
            if entered is not None:
                self._show_statement(chosen, *entered.value)

        self.app.push_screen(
            ValueModal(
                f"Statement of {chosen.name}",
                "Days back (30), today, a dd-mm-yyyy date, or two of them",
                lambda text: parse_day_range(text, today),
                value="30",
            ),
            chosen_days,
        )

    def _show_statement(self, chosen: Chosen, first, last) -> None:
        from posterm.domain.credit import statement_document
        from posterm.domain.receipt import render_text
        from posterm.services import credit
        from posterm.ui.modals.document import DocumentModal
        from posterm.ui.receipts import print_document_in_background

        columns = self.app.config.receipt_columns

        def read():
            account = credit.statement(chosen.id, first, last)
            doc = statement_document(account, credit.store_heading(), columns, self.symbol)
            return account, render_text(doc)

        def shown(got) -> None:
            account, text = got
            modal = DocumentModal(
                f"Statement {first:%d-%m-%Y} to {last:%d-%m-%Y}",
                text,
                on_print=lambda: print_document_in_background(
                    modal,
                    self.app.config,
                    lambda cols, symbol: statement_document(
                        credit.statement(chosen.id, first, last),
                        credit.store_heading(),
                        cols,
                        symbol,
                    ),
                    lambda message, error: modal.status(f"Statement: {message}"),
                ),
                on_save=lambda: self._save_csv(modal, account),
            )
            self.app.push_screen(modal)

        run_service(self, read, shown)

    def _save_csv(self, modal, account) -> None:
        from posterm import paths
        from posterm.services import credit
        from posterm.ui.modals.value import ValueModal

        suggested = paths.data_dir() / "statements"

        def parse(text: str) -> Path:
            if not text.strip():
                raise ValidationError("file", "type a file or folder name")
            return Path(text.strip()).expanduser()

        def chosen(entered) -> None:
            if entered is None:
                return

            def write() -> Path:
                target = entered.value
                if not target.suffix:
                    target.mkdir(parents=True, exist_ok=True)
                return credit.write_statement_csv(account, target)

            run_service(
                modal,
                write,
                lambda path: modal.status(f"Saved {path}"),
                lambda error: modal.status(str(error)),
            )

        self.app.push_screen(
            ValueModal(
                "Save the statement as CSV",
                "File, or folder (the file is named after the customer)",
                parse,
                value=str(suggested),
                max_length=200,
            ),
            chosen,
        )

    def action_reminder(self) -> None:
        chosen = self._need_customer()
        if chosen is None:
            return
        from posterm.services import credit
        from posterm.ui.modals.document import DocumentModal

        run_service(
            self,
            lambda: credit.reminder(chosen.id),
            lambda text: self.app.push_screen(
                DocumentModal(f"Reminder for {chosen.name}", text, copy=True)
            ),
        )
