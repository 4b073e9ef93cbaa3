"""Find a product by name, code or barcode (a scan works too): the catalogue's own search,
page by page in a worker, in the searchable pick list the till uses for customers and bills."""

from __future__ import annotations

from typing import TYPE_CHECKING

from posterm.domain.money import format_quantity
from posterm.ui.modals.pick import PickModal
from posterm.ui.names import short_name
from posterm.ui.widgets.fields import Field

if TYPE_CHECKING:
    from posterm.domain.products import ProductInfo


def _search(text: str) -> list[ProductInfo]:
    from posterm.services import catalog

    return catalog.search_products(text, limit=20) if text else []


def _describe(product: ProductInfo) -> str:
    name = short_name(product.name, 34)
    return f"{name:<34} {product.code[:10]:<10} {format_quantity(product.stock):>8}"


class FindProductModal(PickModal["ProductInfo"]):
    """Dismisses with the chosen ProductInfo, or None on Escape."""

    def __init__(self, title: str = "Find a product", query: str = "") -> None:
        super().__init__(
            title,
            "Name, code or barcode (stock on the right):",
            _search,
            _describe,
            empty="Type a name, code or barcode.",
        )
        self.query_text = query

    def on_mount(self) -> None:
        super().on_mount()
        field = self.query_one("#pick-query", Field)
        field.focus()
        if self.query_text:
            field.value = self.query_text
