"""Adjust a product's stock: a change ("-3", "+5") or the stock counted ("=25"), a reason and
a note. The service checks the permission, locks the product and writes the movement; a
refusal is shown in the modal, which stays open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from posterm.domain.errors import PostermError, ValidationError
from posterm.domain.money import format_quantity
from posterm.domain.stock import AdjustReason, parse_change
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

if TYPE_CHECKING:
    from posterm.domain.stock import Adjusted, StockItem


class AdjustStockModal(ModalScreen["Adjusted | None"]):
    """AdjustStockModal(product_id): dismisses with the Adjusted result, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="adjust.cancel"),
        Binding("up", "reason(-1)", "Reason up", show=False),
        Binding("down", "reason(1)", "Reason down", show=False),
    ]

    def __init__(self, product_id: int) -> None:
        super().__init__()
        self.product_id = product_id
        self.product: StockItem | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="adjust", classes="dialog"):
            yield Label("Adjust stock", classes="dialog-title")
            yield Label("", id="adjust-product")
            yield Label("Change (-3, +5) or counted stock (=25):")
            yield Field(id="adjust-quantity", max_length=12)
            yield Label("Reason (Up/Down):")
            yield OptionList(
                *(Option(reason.label, id=reason.value) for reason in AdjustReason),
                id="adjust-reason",
            )
            yield Label("Note (optional):")
            yield Field(id="adjust-note", max_length=200)
            yield Label("", id="adjust-error", classes="error")
            yield Label("Enter: save    Tab: next field    Escape: cancel", classes="muted")

    def on_mount(self) -> None:
        reasons = self.query_one("#adjust-reason", OptionList)
        reasons.can_focus = False
        reasons.highlighted = 0
        self.query_one("#adjust-quantity", Field).focus()
        run_service(self, self._load, self._loaded, group="adjust")

    def _load(self) -> StockItem:
        from posterm.services import stock

        return stock.stock_item(self.product_id)

    def _loaded(self, product: StockItem) -> None:
        self.product = product
        self.query_one("#adjust-product", Label).update(
            f"{product.name} ({product.code}): {format_quantity(product.stock)} {product.unit}"
        )

    def action_reason(self, step: int) -> None:
        reasons = self.query_one("#adjust-reason", OptionList)
        if step > 0:
            reasons.action_cursor_down()
        else:
            reasons.action_cursor_up()

    @property
    def reason(self) -> AdjustReason:
        highlighted = self.query_one("#adjust-reason", OptionList).highlighted or 0
        return list(AdjustReason)[highlighted]

    def _error(self, message: str) -> None:
        self.query_one("#adjust-error", Label).update(message)

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        if self._busy:
            return
        try:
            change, new_stock = parse_change(self.query_one("#adjust-quantity", Field).value)
        except ValidationError as error:
            self._error(error.message)
            self.query_one("#adjust-quantity", Field).focus()
            return
        from posterm.services import stock

        actor = self.app.session.actor
        reason = self.reason
        note = self.query_one("#adjust-note", Field).value
        self._busy = True
        run_service(
            self,
            lambda: stock.adjust_stock(
                actor, self.product_id, reason, change=change, new_stock=new_stock, note=note
            ),
            self._done,
            self._refused,
            group="adjust",
        )

    def _done(self, adjusted: Adjusted) -> None:
        self._busy = False
        change = adjusted.movement.quantity
        self.app.notify(
            f"{adjusted.product.name}: {'+' if change > 0 else ''}{format_quantity(change)} "
            f"({self.reason.label.lower()}), now {format_quantity(adjusted.product.stock)}."
        )
        self.dismiss(adjusted)

    def _refused(self, error: PostermError) -> None:
        self._busy = False
        self._error(error.message if isinstance(error, ValidationError) else str(error))

    def action_cancel(self) -> None:
        self.dismiss(None)
