"""The sections of the till, each a Textual mode with its Alt key and its palette command.

One table, so adding a section is one line here: the App builds its MODES, its bindings and
its palette entries from it. A section's screen module is imported when it is first opened,
keeping start-up quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen


@dataclass(frozen=True)
class Section:
    mode: str
    key: str  # Textual key names, comma-separated; the first is the one shown
    title: str
    help: str
    screen: str  # "module:ClassName", imported on first use


SECTIONS: tuple[Section, ...] = (
    # A terminal sends Alt+B as ESC b, which Textual reads as Ctrl+Left (word left): both go
    # to billing. (Alt+F is read as Ctrl+Right the same way: no section can use it.)
    Section(
        "billing",
        "alt+b,ctrl+left",
        "Billing",
        "The counter: scan, pay, hold and recall bills",
        "posterm.ui.screens.billing:BillingScreen",
    ),
    Section(
        "sales",
        "alt+s",
        "Sales",
        "Today's bills: open, reprint, return, void",
        "posterm.ui.screens.sales:SalesScreen",
    ),
    Section(
        "stock",
        "alt+k",
        "Stock",
        "Products: find, add, edit, deactivate, labels; categories and tax rates",
        "posterm.ui.screens.stock:StockScreen",
    ),
    Section(
        "purchases",
        "alt+p",
        "Suppliers and purchases",
        "Suppliers, what we owe them, receiving goods, purchases",
        "posterm.ui.screens.suppliers:SuppliersScreen",
    ),
    Section(
        "customers",
        "alt+c",
        "Customers",
        "The customer book: find, add, edit, purchases, card",
        "posterm.ui.screens.customers:CustomersScreen",
    ),
    Section(
        "credit",
        "alt+u",
        "Credit (udhaar)",
        "Who owes what: ledger, payments, write-offs, statements, reminders",
        "posterm.ui.screens.credit:CreditScreen",
    ),
    Section(
        "reports",
        "alt+r",
        "Reports",
        "Today's dashboard; sales, tax, profit, stock, credit and supplier reports",
        "posterm.ui.screens.reports:ReportsScreen",
    ),
    Section(
        "shift",
        "alt+t",
        "Shift and cash",
        "Open the till with a float, cash in/out, X report, close with a count (Z report)",
        "posterm.ui.screens.shift:ShiftScreen",
    ),
    Section(
        "home",
        "alt+h",
        "Home",
        "Store, user, database and health checks",
        "posterm.ui.screens.home:HomeScreen",
    ),
)


def _open(screen: str) -> Screen:
    module, name = screen.split(":")
    return getattr(import_module(module), name)()


def modes() -> dict[str, Callable[[], Screen]]:
    return {section.mode: partial(_open, section.screen) for section in SECTIONS}


def bindings() -> list[Binding]:
    # Priority: a terminal sends Alt+S as ESC s, which a focused text field would type as "s".
    return [
        Binding(
            section.key,
            f"switch_mode('{section.mode}')",
            section.title,
            id=f"app.{section.mode}",
            show=False,
            priority=True,
        )
        for section in SECTIONS
    ]


def commands(app: App) -> Iterator[SystemCommand]:
    for section in SECTIONS:
        yield SystemCommand(
            f"{section.title} ({section.key.split(',')[0].replace('alt+', 'Alt+').title()})",
            section.help,
            partial(app.switch_mode, section.mode),
        )
