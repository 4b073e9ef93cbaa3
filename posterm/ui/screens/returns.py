"""Taking goods back against a bill: choose lines and quantities, restock or damaged, refund.

The refund shown is computed by the same domain plan the service writes, so what the cashier
sees is what the return document will hold.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label

from posterm.domain.errors import PostermError
from posterm.domain.money import format_money, format_quantity, parse_quantity
from posterm.domain.returns import (
    ReturnLineRequest,
    ReturnRequest,
    check_quantity,
    plan_return,
)
from posterm.ui.background import run_service
from posterm.ui.widgets.key_bar import TwoRowFooter

if TYPE_CHECKING:
    from posterm.domain.returns import ReturnableSale
    from posterm.domain.sale import CompletedSale
    from posterm.domain.store_settings import StoreSettings

REFUND_METHODS = ("cash", "original", "credit")
# How each reads on the refund line ("Refund via original" left the cashier guessing).
REFUND_WORDS = {
    "cash": "cash",
    "original": "the bill's own payments",
    "credit": "the customer's account",
}


class ReturnScreen(Screen[None]):
    BINDINGS = [
        Binding("f2", "quantity", "Qty", id="return.quantity"),
        Binding("f3", "all", "Whole line", id="return.all"),
        Binding("f4", "damaged", "Damaged", id="return.damaged"),
        Binding("f5", "refund_method", "Refund via", id="return.refund_method"),
        Binding("f10", "confirm", "Confirm", id="return.confirm"),
        Binding("escape", "back", "Back", id="return.back"),
    ]

    def __init__(self, bill_number: str) -> None:
        super().__init__()
        self.bill_number = bill_number
        self.return_id = uuid.uuid4()  # the same id on a retry: never two refunds
        self.sale: ReturnableSale | None = None
        self.settings: StoreSettings | None = None
        self.quantities: dict[int, Decimal] = {}
        self.damaged: set[int] = set()
        self.refund_method = "cash"

    def compose(self) -> ComposeResult:
        yield Label(f"Return against {self.bill_number}", id="return-title", classes="dialog-title")
        yield DataTable(id="return-lines", cursor_type="row", zebra_stripes=True)
        yield Label("", id="return-status")
        yield Label("", id="return-total", classes="dialog-title")
        yield TwoRowFooter(columns=4)  # six keys do not fit one 80-column row

    def on_mount(self) -> None:
        from posterm.services import returns
        from posterm.services.settings import load_settings

        table = self.query_one(DataTable)
        for label, width in [
            ("#", 3),
            ("Item", 23),
            ("Sold", 7),
            ("Back", 7),
            ("Return", 7),
            ("Shelf", 7),
            ("Refundable", 10),  # what the line can still give back
        ]:
            table.add_column(label, width=width)
        run_service(
            self,
            lambda: (returns.returnable(self.bill_number), load_settings()),
            self._loaded,
            self._refused_and_back,
        )

    def _loaded(self, result: tuple[ReturnableSale, StoreSettings]) -> None:
        self.sale, self.settings = result
        customer = f" · {self.sale.customer_name}" if self.sale.customer_name else ""
        self.query_one("#return-title", Label).update(
            f"Return against {self.sale.bill_number} ({self.sale.sold_at_local:%d-%m-%Y}{customer})"
        )
        if self.sale.voided:
            self._status(f"This sale was voided ({self.sale.void_bill_number}).", error=True)
        self._redraw()

    def _refused_and_back(self, error: PostermError) -> None:
        self.notify(str(error), severity="error", timeout=8)
        self.app.pop_screen()

    def _requests(self) -> list[ReturnLineRequest]:
        return [
            ReturnLineRequest(line_id, quantity, line_id not in self.damaged)
            for line_id, quantity in self.quantities.items()
            if quantity > 0
        ]

    def _redraw(self) -> None:
        assert self.sale is not None
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for line in self.sale.lines:
            chosen = self.quantities.get(line.line_id, Decimal(0))
            table.add_row(
                str(line.line_no),
                line.name[:23],
                format_quantity(line.quantity_sold),
                format_quantity(line.quantity_returned),
                Text(format_quantity(chosen) if chosen else "-", style="bold"),
                "damaged" if line.line_id in self.damaged else "back",
                Text(format_money(line.refund_left), justify="right"),
            )
        table.move_cursor(row=min(row, max(len(self.sale.lines) - 1, 0)))
        total = Text(f"Refund to {REFUND_WORDS[self.refund_method]} (F5 changes): ")
        try:
            rounding = self.settings.cash_rounding if self.settings else None
            plan = plan_return(self.sale, self._requests(), rounding) if self._requests() else None
            symbol = self.settings.currency_symbol if self.settings else ""
            total.append(format_money(plan.total if plan else Decimal(0), symbol), style="bold")
        except PostermError as error:
            total.append(str(error), style="bold red")
        self.query_one("#return-total", Label).update(total)

    def _line(self):
        if self.sale is None or not self.sale.lines:
            return None
        return self.sale.lines[min(self.query_one(DataTable).cursor_row, len(self.sale.lines) - 1)]

    def _status(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#return-status", Label)
        label.update(message)
        label.set_class(error, "error")

    def action_quantity(self) -> None:
        line = self._line()
        if line is None:
            return
        from posterm.ui.modals.value import ValueModal

        def chosen(entered) -> None:
            if entered is not None:
                self.quantities[line.line_id] = entered.value
                self._redraw()

        def parse(text: str) -> Decimal:
            # Judged here, so a quantity the return cannot take is refused in this window
            # (it used to be kept and only named, cut off, on the refund line).
            quantity = parse_quantity(text, allow_zero=True, maximum=line.quantity_left)
            if quantity:
                check_quantity(quantity, line.unit, line.name)
            return quantity

        self.app.push_screen(
            ValueModal(
                f"Return {line.name}",
                f"Quantity to take back (at most "
                f"{format_quantity(line.quantity_left)} {line.unit}; 0 for none)",
                parse,
            ),
            chosen,
        )

    def action_all(self) -> None:
        line = self._line()
        if line is not None:
            self.quantities[line.line_id] = line.quantity_left
            self._redraw()

    def action_damaged(self) -> None:
        line = self._line()
        if line is not None:
            self.damaged ^= {line.line_id}
            self._redraw()

    def action_refund_method(self) -> None:
        methods = [
            m for m in REFUND_METHODS if m != "credit" or (self.sale and self.sale.customer_id)
        ]
        self.refund_method = methods[(methods.index(self.refund_method) + 1) % len(methods)]
        self._redraw()

    def action_confirm(self) -> None:
        if self.sale is None or not self._requests():
            self._status("Choose what comes back first (F2 or F3 on a line).", error=True)
            return
        from posterm.services import returns

        request = ReturnRequest(
            self.return_id, self.sale.bill_number, self._requests(), self.refund_method
        )
        actor = self.app.session.actor
        self._status("Saving the return…")
        run_service(
            self,
            lambda: returns.make_return(actor, request),
            self._done,
            lambda error: self._status(str(error), error=True),
            group="return",
        )

    def _done(self, document: CompletedSale) -> None:
        from posterm.ui.receipts import close_with_slip

        symbol = self.settings.currency_symbol if self.settings else ""
        close_with_slip(self, document, f"refund {format_money(-document.total, symbol)}.")

    def action_back(self) -> None:
        self.app.pop_screen()
