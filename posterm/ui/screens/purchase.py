"""Receiving goods: the supplier's invoice, line by line, then what was paid now.

Products come by scan or search as on the billing screen (the same search widget and
catalogue lookups); `24*` before a scan sets the quantity. Each change is saved as this
till's draft in the background, so closing the app mid-entry loses nothing: the draft comes
back the next time this screen opens, and the purchase deletes it when it is recorded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from posterm.domain.errors import PostermError, ValidationError
from posterm.domain.money import (
    MONEY_PLACES,
    format_money,
    format_quantity,
    parse_money,
    parse_quantity,
)
from posterm.domain.purchases import ReceivingDraft, parse_day, parse_invoice_number
from posterm.domain.scan_entry import split_quantity
from posterm.ui.background import run_service
from posterm.ui.emphasis import readable
from posterm.ui.names import count_of, short_name
from posterm.ui.screens.supplier_ledger import supplier_due
from posterm.ui.widgets.fields import Field
from posterm.ui.widgets.key_bar import TwoRowFooter
from posterm.ui.widgets.product_search import ProductSearchList

if TYPE_CHECKING:
    from collections.abc import Callable

    from posterm.domain.products import ProductInfo
    from posterm.domain.purchases import PurchaseDetail, PurchaseProduct, SupplierInfo
    from posterm.domain.store_settings import StoreSettings
    from posterm.ui.modals.supplier_payment import PaymentEntered


def pick_supplier(
    screen: Screen, then: Callable[[SupplierInfo | None], None], *, include_inactive=False
) -> None:
    from posterm.services import suppliers
    from posterm.ui.modals.pick import PickModal

    screen.app.push_screen(
        PickModal(
            "Choose the supplier",
            "Name, contact, phone or tax id",
            lambda text: suppliers.search_suppliers(
                text, limit=12, include_inactive=include_inactive
            ),
            lambda s: (
                f"{s.name[:34]:<34} {s.phone[:13]:<13} "
                f"{'owe' if s.balance >= 0 else 'adv'} {format_money(abs(s.balance)):>11}"
            ),
            empty="No supplier found: add them on the Suppliers screen (F2).",
        ),
        then,
    )


def _tax_text(text: str) -> tuple[Decimal | None, Decimal | None]:
    """(rate, None) for "18", a rate in percent; (None, amount) for "=12.34", the invoice's
    own tax amount for the line."""
    text = text.strip()
    if text.startswith("="):
        return None, parse_money(text[1:], "tax amount")
    return parse_money(text, "tax rate", maximum=Decimal(100)), None


def _invoice_day(text: str, today: date) -> date:
    """The invoice date typed (empty: today); a day after tomorrow is refused here, at the
    prompt, rather than by the service once every line has been entered."""
    if not text.strip():
        return today
    day = parse_day(text, "invoice date")
    if day > today + timedelta(days=1):
        raise ValidationError("invoice date", f"{day:%d-%m-%Y} is in the future")
    return day


class PurchaseScreen(Screen[None]):
    BINDINGS = [
        # First, so the footer shows it even at 80 columns.
        Binding("f10", "confirm", "Confirm", id="purchase.confirm"),
        Binding("f2", "quantity", "Qty", id="purchase.quantity"),
        Binding("f3", "cost", "Cost", id="purchase.cost"),
        Binding("f4", "batch", "Batch", id="purchase.batch"),
        Binding("f5", "tax", "Tax", id="purchase.tax"),
        Binding("f6", "supplier", "Supp", id="purchase.supplier"),
        Binding("f7", "invoice", "Inv", id="purchase.invoice"),
        Binding("f9", "discard", "Discard", id="purchase.discard"),
        Binding("f8", "toggle_cost", "Costs", id="purchase.toggle_cost"),
        Binding("delete", "remove", "Del line", id="purchase.remove", priority=True, show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("escape", "escape", "Back", id="purchase.back", show=False),
    ]

    def __init__(self, supplier: SupplierInfo | None = None) -> None:
        super().__init__()
        self.initial_supplier = supplier
        self.supplier: SupplierInfo | None = None
        self.draft = ReceivingDraft()
        self.settings: StoreSettings | None = None
        self.pending_quantity: Decimal | None = None
        self._dirty = False
        self._saving = False

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label("", id="purchase-header")
        with Horizontal(id="scan-row"):
            yield Label("Scan ›", id="scan-label")
            yield Field(id="scan", placeholder="scan a product, or type a name or code")
            yield Label("", id="pending-quantity")
        yield ProductSearchList(self._describe_result, id="search-results")
        yield DataTable(id="purchase-lines", cursor_type="row", zebra_stripes=True)
        yield Label("", id="purchase-status")
        yield Static("", id="purchase-totals")
        yield TwoRowFooter(columns=6)  # nine keys (F8 among them) do not fit one row

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False
        for label, key, width in [
            ("#", "no", 2),
            ("Item", "item", 20),
            ("Qty", "qty", 7),
            ("Cost", "cost", 9),
            ("Tax%", "tax", 4),
            ("Batch/exp", "batch", 10),
            ("Amount", "amount", 10),
        ]:
            table.add_column(label, key=key, width=width)
        self.query_one("#scan", Field).focus()
        terminal = self.app.session.terminal
        run_service(self, lambda: self._load(terminal), self._loaded, group="purchase-start")

    def _load(self, terminal: str):
        from posterm.services import purchasing, suppliers
        from posterm.services.settings import load_settings

        draft = purchasing.load_draft(terminal)
        supplier = None
        if draft is not None and draft.supplier_id is not None:
            supplier = suppliers.get_supplier(draft.supplier_id)
        return load_settings(), draft, supplier

    def _loaded(self, result) -> None:
        self.settings, draft, supplier = result
        if draft is not None:
            self.draft, self.supplier = draft, supplier
            self.status(
                f"Continuing the goods from {draft.supplier_name or '(no supplier)'} "
                f"({count_of(len(draft.lines), 'line')}), saved earlier."
            )
        else:
            self.draft = ReceivingDraft(update_cost=bool(self.settings.purchase_updates_cost))
            if self.initial_supplier is not None:
                self._set_supplier(self.initial_supplier)
        self.refresh_lines()
        if self.supplier is None:
            self.action_supplier()
        elif not self.draft.invoice_number:
            self.action_invoice()

    def _today(self) -> date:
        zone = ZoneInfo(self.settings.timezone) if self.settings else None
        return datetime.now(zone).date()

    # --- drawing and saving ----------------------------------------------------------------

    def _describe_result(self, product: ProductInfo) -> str:
        return (
            f"{short_name(product.name, 40):<40} {product.code[:10]:<10} "
            f"stock {format_quantity(product.stock):>7}"
        )

    def refresh_lines(self, select: int | None = None) -> None:
        draft = self.draft
        supplier = draft.supplier_name or "(choose: F6)"
        invoice = draft.invoice_number or "(F7)"
        day = f"{draft.invoice_date:%d-%m-%Y}" if draft.invoice_date else ""
        self.query_one("#purchase-header", Label).update(
            f"Receive goods · {supplier[:30]} · invoice {invoice} {day}"
        )
        table = self.query_one(DataTable)
        keep = table.cursor_row if select is None else select
        table.clear()
        for index, line in enumerate(draft.lines, start=1):
            quantity = format_quantity(line.quantity)
            if line.product.unit != "pcs":
                quantity = f"{quantity}{line.product.unit}"
            batch = line.batch_number
            if line.expiry_date:
                batch = f"{line.expiry_date:%m/%y} {batch}".strip()
            elif line.needs_expiry:
                batch = Text("expiry? F4", style=readable(self.app, "bold red"))
            tax = f"{line.tax_rate.normalize():f}" if line.tax_amount is None else "="
            table.add_row(
                str(index),
                short_name(line.product.name, 20),
                Text(quantity, justify="right"),
                Text(
                    format_money(line.unit_cost, places=_cost_places(line.unit_cost)),
                    justify="right",
                ),
                Text(tax, justify="right"),
                batch,
                Text(format_money(line.amounts.total), justify="right"),
            )
        if draft.lines:
            table.move_cursor(row=min(max(keep, 0), len(draft.lines) - 1))
        net, tax, total = draft.totals()
        symbol = self.settings.currency_symbol if self.settings else ""
        text = Text()
        items = sum((line.quantity for line in draft.lines), Decimal(0))
        text.append(f"Lines {len(draft.lines)}  Items {format_quantity(items)}  ")
        text.append(f"Subtotal {format_money(net)}  Tax {format_money(tax)}  ")
        text.append(f"TOTAL {format_money(total, symbol)}", style="bold")
        text.append("\n")
        owe = supplier_due(self.supplier.balance) if self.supplier else ""
        costs = "costs: update to these" if draft.update_cost else "costs: keep"
        text.append(f"{supplier[:24]} {owe} · {costs} (F8)", style="dim")
        self.query_one("#purchase-totals", Static).update(text)

    def changed(self, select: int | None = None) -> None:
        """After every change: redraw, then save the draft in the background (latest wins)."""
        self.refresh_lines(select)
        self._dirty = True
        if not self._saving:
            self._saving = True
            self.call_after_refresh(self._save_draft)

    def _save_draft(self) -> None:
        from posterm.services import purchasing

        self._saving, self._dirty = True, False
        snapshot = ReceivingDraft.from_json(self.draft.to_json())
        actor = self.app.session.actor
        run_service(
            self,
            lambda: purchasing.save_draft(actor, snapshot),
            self._saved,
            self._save_failed,
            group="purchase-autosave",
        )

    def _saved(self, _: object) -> None:
        self._saving = False
        if self._dirty:
            self._save_draft()

    def _save_failed(self, error: PostermError) -> None:
        self._saving = False
        self.status(f"Could not save the draft: {error}", error=True)

    def status(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#purchase-status", Label)
        label.update(message)
        label.set_class(error, "error")
        if error and len(message) > 76:
            self.notify(message, severity="error", timeout=8)

    # --- supplier and invoice --------------------------------------------------------------

    def _set_supplier(self, supplier: SupplierInfo) -> None:
        self.supplier = supplier
        self.draft.supplier_id = supplier.id
        self.draft.supplier_name = supplier.name

    def action_supplier(self) -> None:
        def chosen(supplier: SupplierInfo | None) -> None:
            if supplier is None:
                if self.supplier is None:
                    self.status("Choose the supplier (F6) before recording the goods.", error=True)
                return
            self._set_supplier(supplier)
            self.changed()
            if not self.draft.invoice_number:
                self.action_invoice()

        pick_supplier(self, chosen)

    def action_invoice(self) -> None:
        from posterm.ui.modals.value import ValueModal

        today = self._today()

        def dated(entered) -> None:
            if entered is not None:
                self.draft.invoice_date = entered.value
                self.changed()
                self.status("Scan or search the products on the invoice.")

        def numbered(entered) -> None:
            if entered is None:
                return
            self.draft.invoice_number = entered.value
            self.changed()
            current = self.draft.invoice_date or today
            self.app.push_screen(
                ValueModal(
                    "Invoice date",
                    "dd-mm-yyyy (Enter alone: today)",
                    lambda text: _invoice_day(text, today),
                    value=f"{current:%d-%m-%Y}",
                    max_length=10,
                ),
                dated,
            )

        self.app.push_screen(
            ValueModal(
                "Supplier's invoice",
                f"Invoice number of {self.draft.supplier_name or 'the supplier'}",
                parse_invoice_number,
                value=self.draft.invoice_number,
            ),
            numbered,
        )

    def action_toggle_cost(self) -> None:
        self.draft.update_cost = not self.draft.update_cost
        self.status(
            "Each product's cost becomes this invoice's cost."
            if self.draft.update_cost
            else "Product costs stay as they are."
        )
        self.changed()

    # --- the scan field --------------------------------------------------------------------

    def on_input_changed(self, event: Field.Changed) -> None:
        if event.input.id == "scan":
            self.query_one(ProductSearchList).follow(event.value)

    def on_input_submitted(self, event: Field.Submitted) -> None:
        if event.input.id != "scan":
            return
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        try:
            entry = split_quantity(text)
        except ValidationError as error:
            self.status(f"Quantity {error.message}.", error=True)
            return
        quantity = self.pending_quantity if entry.quantity is None else entry.quantity
        text = entry.code
        if entry.quantity is not None and not text:
            self._set_pending(quantity)
            return
        results = self.query_one(ProductSearchList)
        product = results.chosen()
        results.hide()
        self._set_pending(None)
        if product is not None:
            self._lookup(lambda: _by_id(product.id), quantity)
        elif text:
            self._lookup(lambda: _by_code(text), quantity)
        else:
            self.action_confirm()

    def _set_pending(self, quantity: Decimal | None) -> None:
        self.pending_quantity = quantity
        self.query_one("#pending-quantity", Label).update(
            f"{format_quantity(quantity)} ×" if quantity is not None else ""
        )

    def _lookup(self, call, quantity: Decimal | None) -> None:
        def failed(error: PostermError) -> None:
            self.app.bell()
            self.status(str(error), error=True)

        run_service(
            self,
            call,
            lambda found: self.add_product(found[0], quantity or found[1]),
            failed,
            group="purchase-scan",
            exclusive=False,
        )

    # --- lines -----------------------------------------------------------------------------

    def add_product(self, product: PurchaseProduct, quantity: Decimal | None) -> None:
        if product.sold_by_weight and quantity is None:
            self._ask(
                f"Quantity of {product.name}",
                f"Quantity received ({product.unit})",
                parse_quantity,
                lambda q: self.add_product(product, q),
            )
            return
        index = self.draft.add(product, quantity or Decimal(1), product.cost)
        line = self.draft.lines[index]
        self.status(
            f"{product.name} × {format_quantity(line.quantity)} at "
            f"{format_money(line.unit_cost)} · F2 qty, F3 cost"
        )
        self.changed(select=index)
        if line.unit_cost <= 0:
            self._ask_cost(index, then=lambda: self._ask_batch_if_needed(index))
        else:
            self._ask_batch_if_needed(index)

    def _ask_batch_if_needed(self, index: int) -> None:
        if index < len(self.draft.lines) and self.draft.lines[index].needs_expiry:
            self._ask_batch(index)

    def _ask(self, title: str, prompt: str, parse, apply, value: str = "") -> None:
        from posterm.ui.modals.value import ValueModal

        def done(entered) -> None:
            if entered is not None:
                apply(entered.value)

        self.app.push_screen(ValueModal(title, prompt, parse, value=value), done)

    def _selected(self) -> int | None:
        if not self.draft.lines:
            self.status("No lines yet: scan or search a product first.", error=True)
            return None
        return min(self.query_one(DataTable).cursor_row, len(self.draft.lines) - 1)

    def _replace(self, index: int, **changes) -> None:
        self.draft.lines[index] = replace(self.draft.lines[index], **changes)
        self.changed(select=index)

    def action_quantity(self) -> None:
        index = self._selected()
        if index is None:
            return
        line = self.draft.lines[index]
        self._ask(
            f"Quantity of {line.product.name}",
            f"Quantity received ({line.product.unit})",
            parse_quantity,
            lambda quantity: self._replace(index, quantity=quantity),
            format_quantity(line.quantity),
        )

    def action_cost(self) -> None:
        index = self._selected()
        if index is not None:
            self._ask_cost(index)

    def _ask_cost(self, index: int, then: Callable[[], None] | None = None) -> None:
        line = self.draft.lines[index]

        def parse(text: str) -> Decimal:
            cost = parse_money(text, "cost", places=MONEY_PLACES)
            if cost <= 0:
                raise ValidationError("cost", "must be more than zero")
            return cost

        def apply(cost: Decimal) -> None:
            self._replace(index, unit_cost=cost)
            if then is not None:
                then()

        self._ask(
            f"Cost of {line.product.name}",
            f"Unit cost before tax (last cost {format_money(line.product.cost)})",
            parse,
            apply,
            str(line.unit_cost) if line.unit_cost > 0 else "",
        )

    def action_tax(self) -> None:
        index = self._selected()
        if index is None:
            return
        line = self.draft.lines[index]

        def apply(value: tuple[Decimal | None, Decimal | None]) -> None:
            rate, amount = value
            if rate is None:
                self._replace(index, tax_amount=amount)
            else:
                self._replace(index, tax_rate=rate, tax_amount=None)

        self._ask(
            f"Tax on {line.product.name}",
            "Tax rate % (or =amount, the invoice's tax for this line)",
            _tax_text,
            apply,
            f"{line.tax_rate.normalize():f}",
        )

    def action_batch(self) -> None:
        index = self._selected()
        if index is not None:
            self._ask_batch(index)

    def _ask_batch(self, index: int) -> None:
        from posterm.ui.modals.batch import BatchModal

        line = self.draft.lines[index]

        def done(entered) -> None:
            if entered is not None:
                self._replace(
                    index, batch_number=entered.batch_number, expiry_date=entered.expiry_date
                )

        self.app.push_screen(
            BatchModal(
                line.product.name,
                line.batch_number,
                line.expiry_date,
                required=line.product.track_expiry,
                not_before=self.draft.invoice_date,
            ),
            done,
        )

    def action_remove(self) -> None:
        scan = self.query_one("#scan", Field)
        if scan.value:
            scan.action_delete_right()
            return
        index = self._selected()
        if index is None:
            return
        removed = self.draft.lines.pop(index)
        self.status(f"Removed {removed.product.name}.")
        self.changed(select=max(index - 1, 0))

    def action_move(self, step: int) -> None:
        results = self.query_one(ProductSearchList)
        if results.active:
            results.move(step)
            return
        table = self.query_one(DataTable)
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    def action_escape(self) -> None:
        scan = self.query_one("#scan", Field)
        results = self.query_one(ProductSearchList)
        if results.active or scan.value or self.pending_quantity is not None:
            scan.value = ""
            results.hide()
            self._set_pending(None)
            return
        if self.draft.lines:
            self.notify("The goods are kept as a draft: F5 on Suppliers continues them.")
        self.app.pop_screen()

    def action_discard(self) -> None:
        if self.draft.is_empty:
            return
        from posterm.ui.modals.confirm import ConfirmModal

        def answer(yes: bool) -> None:
            if yes:
                self.draft = ReceivingDraft(update_cost=self.draft.update_cost)
                self.supplier = None
                self.status("Draft discarded; nothing was recorded.")
                self.changed()

        self.app.push_screen(
            ConfirmModal(
                "Discard these goods?",
                f"{count_of(len(self.draft.lines), 'line')}; nothing is recorded.",
            ),
            answer,
        )

    # --- recording -------------------------------------------------------------------------

    def _missing(self) -> str | None:
        if self.draft.supplier_id is None:
            return "Choose the supplier first (F6)."
        if not self.draft.invoice_number or self.draft.invoice_date is None:
            return "Give the invoice number and date first (F7)."
        if not self.draft.lines:
            return "No lines yet: scan or search the products received."
        for index, line in enumerate(self.draft.lines):
            if line.needs_expiry:
                self.query_one(DataTable).move_cursor(row=index)
                return f"{line.product.name} tracks expiry: F4 gives its batch and date."
        return None

    def action_confirm(self) -> None:
        problem = self._missing()
        if problem:
            self.status(problem, error=True)
            return
        from posterm.ui.modals.supplier_payment import SupplierPaymentModal

        _, _, total = self.draft.totals()
        symbol = self.settings.currency_symbol if self.settings else ""
        self.app.push_screen(
            SupplierPaymentModal(
                f"Total {format_money(total, symbol)} to {self.draft.supplier_name}",
                "Paid now; the rest is owed to the supplier.",
                allow_zero=True,
            ),
            self._record,
        )

    def _record(self, entered: PaymentEntered | None) -> None:
        if entered is None:
            return
        from posterm.services import purchasing

        try:
            request = self.draft.to_request(entered.amount, entered.method, entered.reference)
        except ValidationError as error:
            self.status(error.message, error=True)
            return
        actor = self.app.session.actor
        self.status("Recording the purchase…")
        run_service(
            self,
            lambda: purchasing.post_purchase(actor, request),
            self._recorded,
            lambda error: self.status(str(error), error=True),
            group="purchase-post",
        )

    def _recorded(self, detail: PurchaseDetail) -> None:
        from posterm.ui.modals.receipt import ReceiptModal
        from posterm.ui.screens.purchases import purchase_text

        self.draft = ReceivingDraft(update_cost=self.draft.update_cost)
        self.supplier = None
        self._dirty = False
        self.refresh_lines()
        self.status(
            f"Recorded {detail.invoice_number}: total {format_money(detail.total)}, paid "
            f"{format_money(detail.paid)}; we owe {detail.supplier.name} "
            f"{format_money(detail.supplier.balance)}."
        )
        self.app.push_screen(
            ReceiptModal(f"Received: {detail.invoice_number}", purchase_text(detail))
        )


def _cost_places(cost: Decimal) -> int:
    return 2 if cost == cost.quantize(Decimal("0.01")) else MONEY_PLACES


def _by_id(product_id: int):
    from posterm.services import purchasing

    return purchasing.purchase_product(product_id), None


def _by_code(code: str):
    from posterm.services import purchasing

    return purchasing.scan_for_purchase(code)
