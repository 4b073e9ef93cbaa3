"""The product form: create or edit one product, every bad field named next to it.

One line per field so the whole form fits 80x24. Enter moves to the next field (and saves
on the last one), F2 saves from anywhere, Escape cancels. Saving runs the service in a
worker; its ProductInvalid names each refused field, shown beside the field, and the form
stays open. `open_product_form` loads what the form offers (categories, tax rates, the
product) in a worker first, so any screen can open it (the billing screen does, for an
unknown barcode).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Label, Select

from posterm.domain.errors import PostermError
from posterm.domain.money import format_quantity
from posterm.domain.permissions import Actor
from posterm.domain.product_input import STATUSES, UNITS, ProductInvalid
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

if TYPE_CHECKING:
    from posterm.domain.catalog_records import CategoryInfo, ProductDetail, TaxRateInfo

# (field, label, kind): kind is text, number, select or flag.
_LAYOUT = (
    ("name", "Name", "text"),
    ("code", "Code", "text"),
    ("barcodes", "Barcodes", "text"),
    ("category_id", "Category", "select"),
    ("unit", "Unit", "select"),
    ("sold_by_weight", "By weight", "flag"),
    ("price", "Price", "number"),
    ("cost", "Cost", "number"),
    ("tax_rate_id", "Tax rate", "select"),
    ("hsn_code", "HSN code", "text"),
    ("min_stock", "Min stock", "number"),
    ("reorder_qty", "Reorder qty", "number"),
    ("status", "Status", "select"),
    ("track_expiry", "Expiry", "flag"),
    ("opening_stock", "Opening stock", "number"),
)
_MAX_LENGTH = {"name": 120, "code": 32, "barcodes": 200, "hsn_code": 8}
_PLACEHOLDER = {
    "code": "blank: the next free code",
    "barcodes": "scan; several: space between",
    "cost": "0",
}


def _plain(field: str, value: Any) -> str:
    """A stored value as the form shows it: money with 2 decimals, quantities as typed."""
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return " ".join(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}" if field in ("price", "cost") else format_quantity(value)
    return str(value)


class ProductFormModal(ModalScreen["ProductDetail | None"]):
    """Dismissed with the saved product, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="product_form.cancel"),
        Binding("f2", "save", "Save", id="product_form.save", priority=True),
        Binding("down", "app.focus_next", "Next", show=False),
        Binding("up", "app.focus_previous", "Previous", show=False),
    ]

    def __init__(
        self,
        actor: Actor,
        categories: list[CategoryInfo],
        tax_rates: list[TaxRateInfo],
        product: ProductDetail | None = None,
        *,
        barcode: str = "",
    ) -> None:
        super().__init__()
        self.actor = actor
        self.product = product
        self.categories = categories
        self.tax_rates = tax_rates
        self.barcode = barcode

    @property
    def editing(self) -> bool:
        return self.product is not None

    def _initial(self) -> dict[str, Any]:
        if self.product is not None:
            from posterm.services.products import form_values

            return form_values(self.product)
        return {
            "barcodes": self.barcode,
            "unit": "pcs",
            "status": "active",
            "category_id": next(
                (c.id for c in self.categories if c.name == "General"), Select.NULL
            ),
        }

    def _select(self, field: str, value: Any) -> Select:
        if field == "category_id":
            options = [(c.name, c.id) for c in self.categories]
            prompt = "(none)"
        elif field == "tax_rate_id":
            options = [(r.name, r.id) for r in self.tax_rates]
            prompt = "store default"
        elif field == "unit":
            options, prompt = [(u, u) for u in UNITS], "pcs"
        else:
            options, prompt = [(s, s) for s in STATUSES], "active"
        known = {v for _, v in options}
        if value not in (None, Select.NULL) and value not in known:
            # An inactive category or rate the product already has stays choosable.
            name = self.product.category if field == "category_id" else self.product.tax_rate
            options.append((f"{name} (inactive)", value))
        return Select(
            options,
            prompt=prompt,
            value=value if value not in (None,) else Select.NULL,
            allow_blank=field in ("category_id", "tax_rate_id"),
            compact=True,
            id=f"pf-{field}",
        )

    def compose(self) -> ComposeResult:
        values = self._initial()
        title = f"Edit {self.product.name}" if self.product else "New product"
        with Vertical(id="product-form", classes="dialog"):
            yield Label(title[:60], classes="dialog-title")
            for field, label, kind in _LAYOUT:
                if field == "opening_stock" and self.editing:
                    with Horizontal(classes="form-row"):
                        yield Label("Stock", classes="form-label")
                        stock = format_quantity(self.product.stock)
                        yield Label(f"{stock} {self.product.unit} (change by adjustment)")
                    continue
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    value = values.get(field)
                    if kind == "select":
                        yield self._select(field, value)
                    elif kind == "flag":
                        yield Checkbox(
                            "yes" if value else "no", bool(value), compact=True, id=f"pf-{field}"
                        )
                    else:
                        yield Field(
                            _plain(field, value),
                            id=f"pf-{field}",
                            placeholder=_PLACEHOLDER.get(field, ""),
                            max_length=_MAX_LENGTH.get(field, 16),
                            restrict=r"[0-9.,]*" if kind == "number" else None,
                            select_on_focus=True,
                        )
                    yield Label("", id=f"pf-{field}-error", classes="form-error")
            yield Label("", id="pf-error", classes="error")
            yield Label(
                "Enter: next  Tab/Shift+Tab: move  Space: tick  F2: save  Escape: cancel",
                classes="muted",
            )

    def on_mount(self) -> None:
        self.query_one("#pf-name", Field).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        # The word, not only the tick's colour: 16 colours and NO_COLOR must read it too.
        event.checkbox.label = "yes" if event.value else "no"

    def values(self) -> dict[str, Any]:
        """What the form holds now, as the service takes it."""
        values: dict[str, Any] = {}
        for field, _label, kind in _LAYOUT:
            if field == "opening_stock" and self.editing:
                continue
            widget = self.query_one(f"#pf-{field}")
            if kind == "select":
                value = widget.value
                values[field] = None if value is Select.NULL or value is None else value
                if field in ("unit", "status") and values[field] is None:
                    values[field] = "pcs" if field == "unit" else "active"
            elif kind == "flag":
                values[field] = bool(widget.value)
            else:
                values[field] = widget.value
        return values

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        # The last text field saves: the opening stock, or (editing) the reorder quantity.
        last = "reorder_qty" if self.editing else "opening_stock"
        if event.input.id == f"pf-{last}":
            self.action_save()
        else:
            self.focus_next()

    def show_errors(self, errors: dict[str, str]) -> None:
        for field, _label, _kind in _LAYOUT:
            if field == "opening_stock" and self.editing:
                continue
            self.query_one(f"#pf-{field}-error", Label).update(errors.get(field, ""))
        # In full below the form too: a message longer than its place beside the field is cut.
        labels = {field: label for field, label, _ in _LAYOUT}
        summary = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in errors.items())
        self.query_one("#pf-error", Label).update(summary)
        first = next((f for f, _, _ in _LAYOUT if f in errors), None)
        if first is not None:
            self.query_one(f"#pf-{first}").focus()

    def action_save(self) -> None:
        from posterm.services import products

        values = self.values()
        actor, product = self.actor, self.product
        self.query_one("#pf-error", Label).update("Saving…")
        if product is None:
            call: Callable[[], ProductDetail] = lambda: products.create_product(actor, values)  # noqa: E731
        else:
            call = lambda: products.update_product(actor, product.id, values)  # noqa: E731
        run_service(self, call, self.dismiss, self._refused, group="product-form")

    def _refused(self, error: PostermError) -> None:
        if isinstance(error, ProductInvalid):
            self.show_errors(error.errors)
            return
        self.show_errors({})
        self.query_one("#pf-error", Label).update(str(error))

    def action_cancel(self) -> None:
        self.dismiss(None)


def open_product_form(
    node: DOMNode,
    actor: Actor,
    on_saved: Callable[[ProductDetail], Any],
    *,
    product_id: int | None = None,
    barcode: str = "",
) -> None:
    """Loads what the form needs in a worker, then opens it; `on_saved` gets the saved product
    (not called when the form is cancelled)."""
    from posterm.services import categories, products

    def load() -> tuple[list, list, ProductDetail | None]:
        detail = products.get_product_detail(product_id) if product_id is not None else None
        return categories.list_categories(), categories.list_tax_rates(), detail

    def loaded(result: tuple[list, list, ProductDetail | None]) -> None:
        offered, rates, detail = result
        node.app.push_screen(
            ProductFormModal(actor, offered, rates, detail, barcode=barcode),
            lambda saved: on_saved(saved) if saved is not None else None,
        )

    run_service(node, load, loaded, group="product-form-load")


# --- from the till: an unknown barcode becomes a product ----------------------------------------

NEW_PRODUCT_KEY = "F11"


def may_add_at_till(actor: Actor) -> bool:
    """Owners and managers may create a product from the billing screen (a cashier calls one)."""
    from posterm.domain.permissions import Role

    return actor.role in (Role.OWNER, Role.MANAGER)


def unknown_barcode_message(actor: Actor, error: PostermError, code: str) -> str:
    """The till's refusal of a scan, with the shortcut to create the product when it applies."""
    from posterm.domain.errors import NotFound

    message = str(error)
    # Not for the item of a weight or price label: that code is not the product's barcode.
    unknown = isinstance(error, NotFound) and message.startswith("No product with barcode")
    if unknown and code and may_add_at_till(actor):
        message += f" {NEW_PRODUCT_KEY}: create it."
    return message


def create_at_till(node: DOMNode, actor: Actor, barcode: str, sell: Callable[[Any], Any]) -> None:
    """Opens the product form with `barcode` filled in; once saved, `sell(ProductInfo)` gets
    the new product as the till sells it (the billing screen adds it to the bill)."""
    if not may_add_at_till(actor):
        node.app.notify("Only a manager or the owner may add a product here.", severity="error")
        return

    def saved(product: ProductDetail) -> None:
        from posterm.services import catalog

        if product.status != "active":
            node.app.notify(f"{product.name} is {product.status}: not added to the bill.")
            return
        run_service(node, lambda: catalog.get_product(product.id), sell)

    open_product_form(node, actor, saved, barcode=barcode)
