"""Taking goods back with no receipt: scan what comes back, say why, refund in cash.

Only with the permission (a cashier needs a manager's approval first); the audit log keeps both
names and the reason.
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

from posterm.domain.errors import ValidationError
from posterm.domain.money import format_money, format_quantity, parse_quantity
from posterm.domain.permissions import Actor
from posterm.domain.returns import NoReceiptLine, ReturnRequest
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field
from posterm.ui.widgets.key_bar import TwoRowFooter

if TYPE_CHECKING:
    from posterm.domain.products import ProductInfo, ScanResult
    from posterm.domain.sale import CompletedSale


class NoReceiptReturnScreen(Screen[None]):
    BINDINGS = [
        Binding("f2", "quantity", "Qty", id="no_receipt.quantity"),
        Binding("f4", "damaged", "Damaged", id="no_receipt.damaged"),
        Binding("f10", "confirm", "Refund", id="no_receipt.confirm"),
        Binding("delete", "remove", "Del line", id="no_receipt.remove", priority=True),
        Binding("escape", "back", "Back", id="no_receipt.back"),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor  # carries the manager's approval when a cashier does this
        self.return_id = uuid.uuid4()
        self.items: list[tuple[ProductInfo, Decimal, bool]] = []

    def compose(self) -> ComposeResult:
        yield Label("Return without a receipt (refund in cash)", classes="dialog-title")
        yield Field(
            id="no-receipt-scan",
            placeholder="scan or type the product's barcode/code",
            max_length=32,
        )
        yield DataTable(id="no-receipt-lines", cursor_type="row", zebra_stripes=True)
        yield Label("", id="no-receipt-status")
        yield TwoRowFooter(columns=4)  # five keys and the app keys do not fit one row

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False
        for label, width in [("Item", 34), ("Qty", 8), ("Shelf", 8), ("Refund", 11)]:
            table.add_column(label, width=width)
        self.query_one(Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        code = event.value.strip()
        event.input.value = ""
        if not code:
            return
        from posterm.services import catalog

        run_service(
            self,
            lambda: catalog.lookup_barcode(code),
            self._found,
            lambda error: self._status(str(error), error=True),
        )

    def _found(self, found: ScanResult) -> None:
        quantity = found.quantity or Decimal(1)
        self.items.append((found.product, quantity, True))
        self._redraw()

    def _redraw(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        total = Decimal(0)
        for product, quantity, restock in self.items:
            amount = (product.price * quantity).quantize(Decimal("0.01"))
            total += amount
            table.add_row(
                product.name[:34],
                format_quantity(quantity),
                "back" if restock else "damaged",
                Text(format_money(amount), justify="right"),
            )
        self._status(f"Refund about {format_money(total)} in cash (at today's prices).")

    def _status(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#no-receipt-status", Label)
        label.update(message)
        label.set_class(error, "error")

    def _index(self) -> int | None:
        if not self.items:
            self._status("Scan what comes back first.", error=True)
            return None
        return min(self.query_one(DataTable).cursor_row, len(self.items) - 1)

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    def action_quantity(self) -> None:
        index = self._index()
        if index is None:
            return
        from posterm.ui.modals.value import ValueModal

        product, _, restock = self.items[index]

        def chosen(entered) -> None:
            if entered is not None:
                self.items[index] = (product, entered.value, restock)
                self._redraw()

        self.app.push_screen(
            ValueModal(f"Return {product.name}", f"Quantity ({product.unit})", parse_quantity),
            chosen,
        )

    def action_damaged(self) -> None:
        index = self._index()
        if index is not None:
            product, quantity, restock = self.items[index]
            self.items[index] = (product, quantity, not restock)
            self._redraw()

    def action_remove(self) -> None:
        scan = self.query_one(Field)
        if scan.value:
            scan.action_delete_right()
            return
        index = self._index()
        if index is not None:
            self.items.pop(index)
            self._redraw()

    def action_confirm(self) -> None:
        if self._index() is None:
            return
        from posterm.ui.modals.value import ValueModal

        self.app.push_screen(
            ValueModal("Why is it coming back?", "Reason (required)", _reason, max_length=120),
            self._refund,
        )

    def _refund(self, entered) -> None:
        if entered is None:
            return
        from posterm.services import returns

        request = ReturnRequest(
            self.return_id,
            None,
            [
                NoReceiptLine(product.id, quantity, None, restock)
                for product, quantity, restock in self.items
            ],
            "cash",
            entered.value,
        )
        self._status("Saving the return…")
        run_service(
            self,
            lambda: returns.make_return(self.actor, request),
            self._done,
            lambda error: self._status(str(error), error=True),
        )

    def _done(self, document: CompletedSale) -> None:
        from posterm.ui.receipts import close_with_slip

        close_with_slip(self, document, f"refund {format_money(-document.total)} in cash.")

    def action_back(self) -> None:
        self.app.pop_screen()


def _reason(text: str) -> str:
    if len(text.strip()) < 3:
        raise ValidationError("reason", "say why (at least 3 characters)")
    return text.strip()
