"""Categories and tax rates, kept from the stock screen: add, rename, deactivate/reactivate.

One small modal each over the same list: Up/Down move, F3 adds, F2 renames, F7 switches the
highlighted entry off or on. Inactive entries stay listed (products keep them) but are no
longer offered for products.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from posterm.domain.errors import ValidationError
from posterm.domain.money import parse_money
from posterm.domain.permissions import Actor
from posterm.ui.background import run_service


def _name(text: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise ValidationError("name", "is required")
    return value


class _ListModal(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="catalog_list.close"),
        Binding("insert,f3", "add", "Add", id="catalog_list.add"),
        Binding("f2", "rename", "Rename", id="catalog_list.rename"),
        Binding("f7", "toggle", "Off/on", id="catalog_list.toggle"),
    ]
    title_text = ""
    what = ""

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.entries: list[Any] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="pick", classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(id="catalog-list")
            yield Label("", id="catalog-list-error", classes="error")
            yield Label(
                "F3: add  F2: rename  F7: off/on  Up/Down: move  Escape: close", classes="muted"
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    # Subclasses: read, describe, add, rename, set_active.
    def read(self) -> list[Any]:
        raise NotImplementedError

    def describe(self, entry: Any) -> str:
        raise NotImplementedError

    def reload(self, keep_id: int | None = None) -> None:
        run_service(self, self.read, lambda entries: self._show(entries, keep_id))

    def _show(self, entries: list[Any], keep_id: int | None) -> None:
        self.entries = entries
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(self.describe(e) + ("" if e.status == "active" else "  (inactive)"))
                for e in entries
            ]
        )
        ids = [e.id for e in entries]
        if entries:
            options.highlighted = ids.index(keep_id) if keep_id in ids else 0

    def _selected(self) -> Any | None:
        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self.entries):
            return None
        return self.entries[index]

    def _run(self, call: Callable[[], Any]) -> None:
        self.query_one("#catalog-list-error", Label).update("")
        run_service(
            self,
            call,
            lambda entry: self.reload(keep_id=entry.id),
            lambda error: self.query_one("#catalog-list-error", Label).update(str(error)),
        )

    def _ask(self, title: str, prompt: str, parse, then, value: str = "") -> None:
        from posterm.ui.modals.value import ValueModal

        self.app.push_screen(
            ValueModal(title, prompt, parse, value=value, max_length=80),
            lambda entered: then(entered.value) if entered is not None else None,
        )

    def action_rename(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        self._ask(
            f"Rename {self.what}",
            "New name",
            _name,
            lambda name: self._run(lambda: self.rename(entry.id, name)),
            value=entry.name,
        )

    def action_toggle(self) -> None:
        entry = self._selected()
        if entry is not None:
            self._run(lambda: self.set_active(entry.id, entry.status != "active"))

    def action_close(self) -> None:
        self.dismiss(None)


class CategoriesModal(_ListModal):
    title_text = "Categories"
    what = "category"

    def read(self) -> list[Any]:
        from posterm.services import categories

        return categories.list_categories(include_inactive=True)

    def describe(self, entry: Any) -> str:
        return entry.name

    def action_add(self) -> None:
        from posterm.services import categories

        self._ask(
            "New category",
            "Name",
            _name,
            lambda name: self._run(lambda: categories.create_category(self.actor, name)),
        )

    def rename(self, entry_id: int, name: str) -> Any:
        from posterm.services import categories

        return categories.rename_category(self.actor, entry_id, name)

    def set_active(self, entry_id: int, active: bool) -> Any:
        from posterm.services import categories

        return categories.set_category_active(self.actor, entry_id, active)


def _rate(text: str) -> Decimal:
    return parse_money(text, "rate", maximum=Decimal(100))


class TaxRatesModal(_ListModal):
    title_text = "Tax rates (the owner's to change)"
    what = "tax rate"

    def read(self) -> list[Any]:
        from posterm.services import categories

        return categories.list_tax_rates(include_inactive=True)

    def describe(self, entry: Any) -> str:
        return f"{entry.name:<30} {entry.rate.normalize():>8f} %"

    def action_add(self) -> None:
        from posterm.services import categories

        def named(name: str) -> None:
            self._ask(
                f"New tax rate {name}",
                "Rate in percent (e.g. 18)",
                _rate,
                lambda rate: self._run(lambda: categories.create_tax_rate(self.actor, name, rate)),
            )

        self._ask("New tax rate", "Name (e.g. GST 18%)", _name, named)

    def rename(self, entry_id: int, name: str) -> Any:
        from posterm.services import categories

        return categories.rename_tax_rate(self.actor, entry_id, name)

    def set_active(self, entry_id: int, active: bool) -> Any:
        from posterm.services import categories

        return categories.set_tax_rate_active(self.actor, entry_id, active)
