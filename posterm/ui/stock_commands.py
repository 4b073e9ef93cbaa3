"""Palette commands of the stock ledger: each screen reachable on its own, asking for the
product by search where one is needed (the stock screen also opens them from its keys)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from textual.app import App


def _with_product(app: App, title: str, then) -> None:
    from posterm.ui.modals.find_product import FindProductModal

    app.push_screen(FindProductModal(title), lambda p: then(p.id) if p is not None else None)


def open_kardex(app: App, product_id: int) -> None:
    from posterm.ui.screens.kardex import KardexScreen

    app.push_screen(KardexScreen(product_id))


def open_adjust(app: App, product_id: int) -> None:
    from posterm.ui.modals.adjust_stock import AdjustStockModal

    app.push_screen(AdjustStockModal(product_id))


def open_count(app: App) -> None:
    from posterm.ui.screens.stock_count import StockCountScreen

    app.push_screen(StockCountScreen())


def open_alerts(app: App) -> None:
    from posterm.ui.screens.stock_alerts import StockAlertsScreen

    app.push_screen(StockAlertsScreen())


def open_import(app: App, what: str = "products") -> None:
    from posterm.ui.modals.import_products import ImportProductsModal

    app.push_screen(ImportProductsModal(what))


def stock_commands(app: App) -> Iterator[SystemCommand]:
    yield SystemCommand(
        "Stock movements of a product",
        "The kardex: every sale, purchase, return, adjustment and count of one product",
        lambda: _with_product(app, "Stock movements of…", lambda pid: open_kardex(app, pid)),
    )
    yield SystemCommand(
        "Adjust stock",
        "Damaged, expired, theft, own use, transfer or a count correction",
        lambda: _with_product(app, "Adjust the stock of…", lambda pid: open_adjust(app, pid)),
    )
    yield SystemCommand(
        "Stock count",
        "Physical inventory of a list or a category: count, review, post",
        lambda: open_count(app),
    )
    yield SystemCommand(
        "Stock alerts",
        "Low stock, batches expiring soon, reorder suggestions",
        lambda: open_alerts(app),
    )
    yield SystemCommand(
        "Import products", "From a CSV file, with a check first", lambda: open_import(app)
    )
    yield SystemCommand(
        "Import suppliers",
        "From a CSV file, with a check first",
        lambda: open_import(app, "suppliers"),
    )
