"""The stock list's filters: category, low stock, expiring within N days, sold by weight."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Label, Select

from posterm.domain.catalog_records import ProductFilter
from posterm.domain.errors import ValidationError
from posterm.ui.widgets.fields import Field

if TYPE_CHECKING:
    from posterm.domain.catalog_records import CategoryInfo

_WEIGHT = (("sold by weight", True), ("sold by piece", False))


def parse_days(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 4 or int(text) > 3660:
        raise ValidationError("days", "a number of days (0 to 3660), or empty for any")
    return int(text)


class StockFilterModal(ModalScreen["tuple[ProductFilter, str] | None"]):
    """Dismissed with (the new filter, the category's name) or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="stock_filter.cancel"),
        Binding("f2", "apply", "Apply", id="stock_filter.apply", priority=True),
        Binding("f7", "clear", "Clear all", id="stock_filter.clear", priority=True),
    ]

    def __init__(self, current: ProductFilter, categories: list[CategoryInfo]) -> None:
        super().__init__()
        self.current = current
        self.categories = categories

    def compose(self) -> ComposeResult:
        wanted = self.current
        with Vertical(id="stock-filter", classes="dialog"):
            yield Label("Filter the products", classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Label("Category", classes="form-label")
                yield Select(
                    [(c.name, c.id) for c in self.categories],
                    prompt="any category",
                    value=wanted.category_id
                    if wanted.category_id in {c.id for c in self.categories}
                    else Select.NULL,
                    compact=True,
                    id="filter-category",
                )
            with Horizontal(classes="form-row"):
                yield Label("Low stock", classes="form-label")
                yield Checkbox(
                    "only" if wanted.low_stock else "no", wanted.low_stock, compact=True,
                    id="filter-low",
                )  # fmt: skip
            with Horizontal(classes="form-row"):
                yield Label("Expiring in", classes="form-label")
                yield Field(
                    "" if wanted.expiring_days is None else str(wanted.expiring_days),
                    id="filter-days",
                    placeholder="days (empty: any)",
                    restrict=r"[0-9]*",
                    max_length=4,
                )
            with Horizontal(classes="form-row"):
                yield Label("Sold", classes="form-label")
                yield Select(
                    _WEIGHT,
                    prompt="by weight or piece",
                    value=Select.NULL if wanted.sold_by_weight is None else wanted.sold_by_weight,
                    compact=True,
                    id="filter-weight",
                )
            yield Label("", id="filter-error", classes="error")
            yield Label(
                "Tab: next  Space/Enter: choose  F2: apply  F7: clear all  Escape: cancel",
                classes="muted",
            )

    def on_mount(self) -> None:
        self.query_one("#filter-category", Select).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = "only" if event.value else "no"

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_apply(self) -> None:
        try:
            days = parse_days(self.query_one("#filter-days", Field).value)
        except ValidationError as error:
            self.query_one("#filter-error", Label).update(str(error))
            return
        category = self.query_one("#filter-category", Select).value
        weight = self.query_one("#filter-weight", Select).value
        category_id = None if category is Select.NULL else category
        name = next((c.name for c in self.categories if c.id == category_id), "")
        chosen = replace(
            self.current,
            category_id=category_id,
            low_stock=self.query_one("#filter-low", Checkbox).value,
            expiring_days=days,
            sold_by_weight=None if weight is Select.NULL else weight,
        )
        self.dismiss((chosen, name))

    def action_clear(self) -> None:
        self.dismiss(
            (
                replace(
                    self.current,
                    category_id=None,
                    low_stock=False,
                    expiring_days=None,
                    sold_by_weight=None,
                ),
                "",
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
