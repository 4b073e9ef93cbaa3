"""The billing screen: the counter itself. Scan, search, change lines, hold, pay, print.

The scan field keeps the focus all the time; F-keys act on the highlighted line. Every change
is saved in the background (never lose a bill), and every database call runs in a worker.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Label

from posterm.domain.cart import Discount
from posterm.domain.errors import (
    DatabaseUnreachable,
    NotFound,
    PermissionDenied,
    PostermError,
    ValidationError,
)
from posterm.domain.loyalty import accepted_methods
from posterm.domain.money import (
    format_money,
    format_quantity,
    parse_money,
    parse_quantity,
)
from posterm.domain.open_bill import BillItem, OpenBill
from posterm.domain.permissions import Actor, Grant, Permission, grant
from posterm.domain.scan_entry import QUANTITY_PREFIX, split_quantity
from posterm.ui import gc_pacing
from posterm.ui.background import run_service
from posterm.ui.names import count_of
from posterm.ui.outage import database_watch
from posterm.ui.widgets.bill_view import BillTable, TotalsPanel
from posterm.ui.widgets.fields import Field
from posterm.ui.widgets.key_bar import TwoRowFooter
from posterm.ui.widgets.product_search import ProductSearchList

if TYPE_CHECKING:
    from posterm.domain.products import ProductInfo, ScanResult
    from posterm.domain.sale import CompletedSale, Tender
    from posterm.domain.store_settings import StoreSettings

# A barcode lookup answers in well under a millisecond on a local store: the screen waits
# this long for it so the line is drawn in the same frame (slower answers come as usual).
SCAN_ANSWER_WITHIN = 0.004


def parse_discount(text: str, field: str = "discount") -> Discount | None:
    """ "10%" is a percentage, "25" or "25.50" an amount, empty or 0 removes the discount."""
    text = text.strip()
    if not text:
        return None
    if text.endswith("%"):
        value = parse_money(text[:-1], field, maximum=Decimal(100))
        return Discount.percent(value) if value else None
    value = parse_money(text, field)
    return Discount.amount(value) if value else None


class BillingScreen(Screen[None]):
    BINDINGS = [
        Binding("f2", "quantity", "Qty", id="billing.quantity"),
        Binding("f3", "price", "Price", id="billing.price"),
        Binding("f4", "line_discount", "Disc", id="billing.line_discount"),
        Binding("f5", "bill_discount", "Bill%", id="billing.bill_discount"),
        Binding("f6", "customer", "Cust", id="billing.customer"),
        Binding("f7", "hold", "Hold", id="billing.hold"),
        Binding("f8", "recall", "Recall", id="billing.recall"),
        Binding("f9", "clear", "Clear", id="billing.clear"),
        Binding("f10", "pay", "Pay", id="billing.pay"),
        Binding("f11", "new_product", "New product", id="billing.new_product", show=False),
        Binding("f12", "app.no_sale", "No sale", id="billing.no_sale"),  # ui/devices.py
        # Priority, or the scan field would take Delete for itself.
        Binding("delete", "remove", "Del line", id="billing.remove", priority=True, show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("escape", "escape", "Close search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bill = OpenBill()
        self.settings: StoreSettings | None = None
        self.pending_quantity: Decimal | None = None
        self.approved: Actor | None = None  # a manager's approval, lent to this bill only
        # Autosave: every change counts one; the save of a snapshot records its count.
        self.changes = 0
        self.saved_changes = 0
        self._save_pending = False  # a save is asked for after the next paint
        self._saves_running = 0
        self._saving_changes = 0
        # Plain barcodes looked up this session: while the database is unreachable, an item
        # already on the bill can still be scanned again (its price is the one on the bill).
        self._scanned_products: dict[str, ProductInfo] = {}

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Label("", id="billing-header")
        with Horizontal(id="scan-row"):
            yield Label("Scan ›", id="scan-label")
            yield Field(
                id="scan", placeholder="scan a barcode, or type a name or code", max_length=60
            )
            yield Label("", id="pending-quantity")
        yield ProductSearchList(self._describe_result, id="search-results")
        yield BillTable(id="bill-lines")
        yield Label("", id="billing-status")
        yield TotalsPanel(id="totals")
        # Ten F-keys do not fit one 80-column row: the billing footer takes two.
        yield TwoRowFooter(columns=6)

    def on_mount(self) -> None:
        self.query_one("#scan", Field).focus()
        session = self.app.session
        self.query_one("#billing-header", Label).update(
            f"{self.app.facts.store_name} · {session.user.display_name} "
            f"({session.user.role.value}) · till {session.terminal}"
        )
        run_service(self, self._load_settings_and_bill, self._loaded, group="billing-start")
        database_watch(self.app).back.subscribe(self, self._database_back)

    def _load_settings_and_bill(self) -> tuple[StoreSettings, OpenBill | None]:
        from posterm.services import held_sales
        from posterm.services.settings import load_settings

        return load_settings(), held_sales.restore_open_bill(self.app.session.terminal)

    def _loaded(self, result: tuple[StoreSettings, OpenBill | None]) -> None:
        self.settings, restored = result
        if restored is not None and not restored.is_empty:
            self.bill = restored
            self.status(f"Restored the open bill ({count_of(len(restored.items), 'line')}).")
        self.refresh_bill()
        self.call_after_refresh(gc_pacing.settle)  # the till is up: see ui/gc_pacing.py

    @property
    def actor(self) -> Actor:
        return self.approved or self.app.session.actor

    # --- drawing and saving ----------------------------------------------------------------

    def refresh_bill(self, select: int | None = None) -> None:
        if self.settings is None:
            return
        totals = self.bill.totals(self.settings.prices_include_tax, self.settings.cash_rounding)
        self.query_one(BillTable).show(self.bill, totals, select)
        self.query_one(TotalsPanel).show(
            self.bill, totals, self.settings.currency_symbol, self.settings.prices_include_tax
        )
        self.app.devices.show_bill(self.bill, totals)  # pole display; printer check

    def changed(self, select: int | None = None) -> None:
        """After every change: redraw, then save in the background (latest state wins)."""
        self.refresh_bill(select)
        self.changes += 1
        if not self._save_pending:
            # Saved once the new line is on screen: a save started earlier would compete with
            # the redraw for the interpreter and delay what the cashier sees. Changes made
            # before that paint share one save.
            self._save_pending = True
            self.call_after_refresh(self._autosave)

    def _autosave(self) -> None:
        self._save_pending = False
        if self._saves_running:
            return  # _saved saves again, with whatever changed meanwhile
        self.save_now()

    def save_now(self) -> None:
        """Queues a save of the bill as it is now, unless that is saved or being saved.

        Database calls run in order, so a save queued here lands before any payment, hold or
        recall asked for afterwards.
        """
        from posterm.services import held_sales

        if self.saved_changes >= self.changes or self._saving_changes >= self.changes:
            return
        version = self.changes
        self._saving_changes = version
        # Lines are never changed in place (OpenBill replaces its list), so a copy of the
        # list is a snapshot: far cheaper than a round trip through JSON.
        snapshot = replace(self.bill, items=list(self.bill.items))
        actor = self.app.session.actor
        self._saves_running += 1
        run_service(
            self,
            lambda: held_sales.save_open_bill(actor, snapshot),
            lambda _: self._saved(version),
            self._save_failed,
            group="autosave",
        )

    def _saved(self, version: int) -> None:
        self._saves_running -= 1
        self.saved_changes = max(self.saved_changes, version)
        if self.saved_changes < self.changes and not self._save_pending:
            self.save_now()
        elif self.saved_changes >= self.changes:
            gc_pacing.quiet_moment()

    def _save_failed(self, error: PostermError) -> None:
        self._saves_running -= 1
        self._saving_changes = self.saved_changes  # the next change tries again
        if isinstance(error, DatabaseUnreachable):
            # Saved by _database_back once the server answers again.
            self.status("Database unreachable: the bill is kept here and saved when it is back.")
            return
        self.status(f"Could not save the open bill: {error}", error=True)

    def _database_back(self, _: None = None) -> None:
        """The server answers again (ui/outage.py): write what waited, carry on."""
        self.status("The database is back.")
        self.save_now()

    def on_screen_resume(self) -> None:
        # Back from a modal or another section: a save refused while the database was away
        # is written now, should the database have come back meanwhile.
        if not database_watch(self.app).down:
            self.save_now()

    def on_screen_suspend(self) -> None:
        # A modal, the lock screen, the quit question or another section covers the bill:
        # save it now rather than after a paint that may not come.
        self.save_now()

    def on_unmount(self) -> None:
        # The till is closing: the last save must reach the disk before the process ends.
        from posterm.ui.background import database_thread

        self.save_now()
        database_thread.drain(timeout=5)

    def status(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#billing-status", Label)
        label.update(message, layout=False)  # one line, full width (app.tcss)
        label.set_class(error, "error")
        if error and len(message) > 76:
            # The status line holds one line; a long refusal is shown whole as well.
            self.notify(message, severity="error", timeout=8)

    # --- the scan field --------------------------------------------------------------------

    def on_input_changed(self, event: Field.Changed) -> None:
        if event.input.id == "scan":
            self.query_one(ProductSearchList).follow(event.value)

    def _describe_result(self, product: ProductInfo) -> str:
        symbol = self.settings.currency_symbol if self.settings else ""
        # 64 columns: the popup's width at 80 columns with its scrollbar showing.
        return (
            f"{product.name[:40]:<40} {product.code[:10]:<10} "
            f"{format_money(product.price, symbol):>12}"
        )

    @property
    def search_results(self) -> list[ProductInfo]:
        return self.query_one(ProductSearchList).results

    @property
    def searching(self) -> bool:
        return self.query_one(ProductSearchList).active

    def _hide_search(self) -> None:
        self.query_one(ProductSearchList).hide()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        if event.input.id != "scan":
            return
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        if self.settings is None:
            self.status("Still loading the store's settings; try again.", error=True)
            return
        entry = self._entry(text)
        if entry is None:
            return
        quantity, text = entry
        product = self.query_one(ProductSearchList).chosen()
        if product is not None:
            self._hide_search()
            self._set_pending(None)
            self.add_product(product, quantity, None)
            return
        self._hide_search()
        if not text:
            self.action_pay()
            return
        self._set_pending(None)
        self._scan(text, quantity)

    def _set_pending(self, quantity: Decimal | None) -> None:
        if quantity is None and self.pending_quantity is None:
            return  # every scan clears it: no redraw when there is nothing to clear
        self.pending_quantity = quantity
        self.query_one("#pending-quantity", Label).update(
            f"{format_quantity(quantity)} ×" if quantity is not None else ""
        )

    def take_scan(self, code: str) -> None:
        """A code from a scanner (a keyboard-wedge burst or a serial scanner), whatever has
        the focus; a quantity typed in the scan field ("3*") applies to it."""
        if self.settings is None:
            self.status("Still loading the store's settings; scan again.", error=True)
            return
        field = self.query_one("#scan", Field)
        typed = field.value.strip()
        prefix = QUANTITY_PREFIX.fullmatch(typed)
        if prefix and not prefix[2].strip():
            code, field.value = typed + code, ""
        entry = self._entry(code)
        if entry is None:
            return
        quantity, code = entry
        self._set_pending(None)
        self._scan(code, quantity)

    def _entry(self, text: str) -> tuple[Decimal | None, str] | None:
        """The quantity for what `text` adds (typed "3*" or pending) and its code; None when
        there is nothing to add: a bad quantity (said on the status line), or a quantity
        alone, which waits for the next scan."""
        try:
            entry = split_quantity(text)
        except ValidationError as error:
            self.status(f"Quantity {error.message}.", error=True)
            return None
        if entry.quantity is None:
            return self.pending_quantity, entry.code
        if not entry.code:
            self._set_pending(entry.quantity)
            return None
        return entry.quantity, entry.code

    def _scan(self, code: str, quantity: Decimal | None) -> None:
        from posterm.services import catalog, customers

        def lookup() -> ScanResult | object:
            try:
                return catalog.lookup_barcode(code)
            except NotFound:
                card = customers.customer_by_card(code)
                if card is None:
                    raise
                return card

        run_service(
            self,
            lookup,
            lambda found: self._scanned(found, quantity),
            lambda error: self._scan_failed(error, code, quantity),
            group="scan",
            answer_within=SCAN_ANSWER_WITHIN,
            exclusive=False,
        )

    def _scanned(self, found, quantity: Decimal | None) -> None:
        from posterm.domain.products import CustomerInfo

        if isinstance(found, CustomerInfo):
            self._attach_customer(found)
            return
        label = found.code if found.price is not None else ""
        if found.price is None and found.quantity is None:
            self._scanned_products[found.code] = found.product
        self.add_product(found.product, found.quantity or quantity, found.price, label)

    def _scan_failed(
        self, error: PostermError, code: str = "", quantity: Decimal | None = None
    ) -> None:
        from posterm.ui.modals.product_form import unknown_barcode_message

        if isinstance(error, DatabaseUnreachable):
            self._scan_while_unreachable(code, quantity)
            return
        self.app.bell()
        self._unknown_code = code if isinstance(error, NotFound) else ""
        self.status(unknown_barcode_message(self.app.session.actor, error, code), error=True)

    def _scan_while_unreachable(self, code: str, quantity: Decimal | None) -> None:
        """Another of an item already on the bill is added from memory; anything else waits:
        its price, tax and stock are in the database, and guessing them is worse than asking
        the customer to wait a moment."""
        product = self._scanned_products.get(code.replace(" ", ""))
        if product is not None and any(i.product_id == product.id for i in self.bill.items):
            self.add_product(product, quantity, None)
            return
        self.app.bell()
        self.status(f"Database unreachable: {code} not added; scan again when back.", error=True)

    def action_new_product(self) -> None:
        """Owner/manager: the product form with the unknown barcode; saved, it joins the bill."""
        from posterm.ui.modals.product_form import create_at_till

        def sell(product: ProductInfo) -> None:
            self._unknown_code = ""
            self.add_product(product, None, None)

        create_at_till(self, self.app.session.actor, getattr(self, "_unknown_code", ""), sell)

    # --- adding and changing lines ---------------------------------------------------------

    def add_product(
        self,
        product: ProductInfo,
        quantity: Decimal | None,
        price: Decimal | None,
        label_code: str = "",
    ) -> None:
        if product.sold_by_weight and quantity is None:
            from posterm.ui.modals.weigh import weight_modal

            self.app.push_screen(
                weight_modal(
                    self.app,
                    f"Weigh {product.name}",
                    f"Weight in {product.unit}",
                    lambda text: parse_quantity(text, "weight"),
                    restrict=r"[0-9.]*",
                ),
                lambda weight: (
                    self.add_product(product, weight.value, price, label_code) if weight else None
                ),
            )
            return
        item = BillItem(
            product_id=product.id,
            code=product.code,
            name=product.name,
            unit=product.unit,
            sold_by_weight=product.sold_by_weight,
            list_price=product.price,
            unit_price=price if price is not None else product.price,
            tax_rate=product.tax_rate,
            hsn_code=product.hsn_code,
            quantity=quantity if quantity is not None else Decimal(1),
            label_code=label_code,
        )
        merge = bool(self.settings.merge_repeat_scans) if self.settings else True
        try:
            index = self.bill.add(item, merge=merge)
        except ValidationError as error:
            self.status(error.message, error=True)
            return
        line = self.bill.items[index]
        self.status(f"{line.name} × {format_quantity(line.quantity)}")
        self.changed(select=index)

    def _selected(self) -> int | None:
        if self.bill.is_empty:
            self.status("The bill is empty: scan an item first.", error=True)
            return None
        return min(self.query_one(BillTable).cursor_row, len(self.bill.items) - 1)

    def _ask(self, title: str, prompt: str, parse, apply, value: str = "") -> None:
        from posterm.ui.modals.value import ValueModal

        def done(entered) -> None:
            if entered is None:
                return
            try:
                apply(entered.value)
            except ValidationError as error:
                self.status(error.message, error=True)
                return
            self.status(f"{title}: changed.")  # not a refusal left from before, in red
            self.changed()

        self.app.push_screen(ValueModal(title, prompt, parse, value=value), done)

    def action_quantity(self) -> None:
        index = self._selected()
        if index is None:
            return
        item = self.bill.items[index]
        self._ask(
            f"Quantity of {item.name}",
            f"Quantity ({item.unit})",
            parse_quantity,
            lambda quantity: self.bill.set_quantity(index, quantity),
            format_quantity(item.quantity),
        )

    def action_price(self) -> None:
        index = self._selected()
        if index is None:
            return
        self._with_permission(
            Permission.PRICE_OVERRIDE, "Changing a price", lambda: self._ask_price(index)
        )

    def _ask_price(self, index: int) -> None:
        item = self.bill.items[index]
        self._ask(
            f"Price of {item.name}",
            f"Unit price (list price {format_money(item.list_price)})",
            lambda text: parse_money(text, "price"),
            lambda price: self.bill.set_price(index, price),
            format_money(item.unit_price),  # "66.00", not the stored "66.0000"
        )

    def action_line_discount(self) -> None:
        index = self._selected()
        if index is None:
            return
        item = self.bill.items[index]
        self._ask(
            f"Discount on {item.name}",
            "Discount: 10% or an amount (empty removes it)",
            parse_discount,
            lambda d: self.bill.set_line_discount(index, d),
        )

    def action_bill_discount(self) -> None:
        if self._selected() is None:
            return
        self._ask(
            "Discount on the whole bill",
            "Discount: 10% or an amount (empty removes it)",
            parse_discount,
            self.bill.set_bill_discount,
        )

    def action_remove(self) -> None:
        scan = self.query_one("#scan", Field)
        if scan.value:
            scan.action_delete_right()
            return
        index = self._selected()
        if index is None:
            return
        removed = self.bill.remove(index)
        self.status(f"Removed {removed.name}.")
        self.changed(select=max(index - 1, 0))

    def action_move(self, step: int) -> None:
        if self.searching:
            self.query_one(ProductSearchList).move(step)
            return
        table = self.query_one(BillTable)
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    def action_escape(self) -> None:
        scan = self.query_one("#scan", Field)
        if self.searching or scan.value:
            scan.value = ""
            self._hide_search()
        self._set_pending(None)

    def _with_permission(self, permission: Permission, what: str, then) -> None:
        session_actor = self.app.session.actor
        allowed = grant(session_actor.role, permission)
        if allowed is Grant.YES or self.approved is not None:
            then()
            return
        if allowed is Grant.NO:
            self.status(
                str(PermissionDenied(permission.value, session_actor.role.value)), error=True
            )
            return
        from posterm.ui.modals.override import OverrideModal

        def approved(actor: Actor | None) -> None:
            if actor is not None:
                self.approved = actor
                then()

        self.app.push_screen(
            OverrideModal(session_actor, permission, f"{what} needs a manager's approval."),
            approved,
        )

    # --- customer, hold, recall, clear -----------------------------------------------------

    def action_customer(self) -> None:
        from posterm.services import customers
        from posterm.ui.modals.pick import PickModal

        if self.bill.customer_id is not None:
            self.bill.attach_customer(None)
            self.status("Customer removed from the bill.")
            self.changed()
            return
        self.app.push_screen(
            PickModal(
                "Attach a customer",
                "Phone, name or code",
                lambda text: customers.find_customers(text, limit=12),
                lambda c: f"{c.name[:28]:<28} {c.phone:<12} {_balance(c.balance)}",
                empty="No customer found (create customers in the Customers section).",
                blank="Type a phone number, a name or a customer code.",
            ),
            lambda customer: self._attach_customer(customer) if customer else None,
        )

    def _attach_customer(self, customer) -> None:
        if customer.status != "active":
            self.status(
                f"{customer.name} is {customer.status}: no sale on their account.", error=True
            )
        self.bill.attach_customer(customer.id, customer.name)
        if customer.status == "active":
            points = (
                f", {format_money(customer.loyalty_points)} points"
                if customer.loyalty_points
                else ""
            )
            balance = _balance(customer.balance, column=False) or "owes nothing"
            self.status(f"Customer: {customer.name} ({balance}{points}).")
        self.changed()

    def action_hold(self) -> None:
        if self._selected() is None:
            return
        from posterm.services import held_sales
        from posterm.ui.modals.value import ValueModal

        def hold(entered) -> None:
            if entered is None:
                return
            note = entered.value
            bill, actor = OpenBill.from_json(self.bill.to_json()), self.app.session.actor
            run_service(
                self,
                lambda: held_sales.hold_bill(actor, bill, note),
                lambda _: self._start_new_bill(f"Held the bill ({note or 'no note'})."),
            )

        self.app.push_screen(
            ValueModal(
                "Hold this bill", "Note (e.g. the customer's name)", lambda text: text.strip()[:120]
            ),
            hold,
        )

    def action_recall(self) -> None:
        if not self.bill.is_empty:
            self.status("Hold (F7) or clear (F9) this bill before recalling another.", error=True)
            return
        from posterm.services import held_sales
        from posterm.ui.modals.pick import PickModal

        def recall(held) -> None:
            if held is None:
                return
            actor = self.app.session.actor
            run_service(self, lambda: held_sales.recall_bill(actor, held.uuid), self._recalled)

        self.app.push_screen(
            PickModal(
                "Recall a held bill",
                "Search the notes and customers",
                held_sales.list_held,
                # 63 columns: one line in the window at 80 (64 did not fit and wrapped the time).
                lambda h: (
                    f"{(h.note or '-')[:22]:<22} {h.customer_name[:16]:<16} "
                    f"{format_money(h.total):>10}  {h.saved_at:%d-%m %H:%M}"
                ),
                empty="No held bills.",
            ),
            recall,
        )

    def _recalled(self, bill: OpenBill) -> None:
        self.bill = bill
        self.status(f"Recalled a bill with {count_of(len(bill.items), 'line')}.")
        self.changed(select=0)

    def action_clear(self) -> None:
        if self.bill.is_empty:
            return
        from posterm.ui.modals.confirm import ConfirmModal

        self.app.push_screen(
            ConfirmModal(
                "Clear this bill?", f"{count_of(len(self.bill.items), 'line')} will be removed."
            ),
            lambda yes: self._start_new_bill("Bill cleared.") if yes else None,
        )

    def _start_new_bill(self, message: str) -> None:
        self.bill.clear()
        self.approved = None
        self._set_pending(None)
        self.status(message)
        self.changed()

    # --- payment ---------------------------------------------------------------------------

    def action_pay(self) -> None:
        if self._selected() is None or self.settings is None:
            return
        if database_watch(self.app).down:
            self.status("Database unreachable: pay when it is back; the bill is kept.", error=True)
            return
        from posterm.ui.modals.payment import PaymentModal

        totals = self.bill.totals(self.settings.prices_include_tax, self.settings.cash_rounding)
        methods = accepted_methods(self.settings)  # points are a tender when loyalty is on
        self.app.push_screen(
            PaymentModal(
                totals.total_due,
                methods,
                customer=self.bill.customer_name,
                symbol=self.settings.currency_symbol,
            ),
            lambda tenders: self._checkout(tenders) if tenders is not None else None,
        )

    def _checkout(self, tenders: list[Tender], actor: Actor | None = None) -> None:
        from posterm.services import checkout

        request = self.bill.to_request(tenders)
        actor = actor or self.actor
        self.status("Saving the sale…")

        def refused(error: PostermError) -> None:
            # Checkout names the customer, what they would owe and the limit after it (or the
            # discount, its share of the bill and the limit): a manager may lend the right. A
            # price changed with an approval that has gone (the bill was held and recalled,
            # or restored after a restart) asks for one again here.
            for permission in (
                Permission.CREDIT_ABOVE_LIMIT,
                Permission.DISCOUNT_ABOVE_LIMIT,
                Permission.PRICE_OVERRIDE,
            ):
                if (
                    isinstance(error, PermissionDenied)
                    and error.action.startswith(permission.value)
                    and grant(actor.role, permission) is Grant.OVERRIDE
                ):
                    what = (
                        "A price changed on this bill"
                        if permission is Permission.PRICE_OVERRIDE
                        else error.action[:1].upper() + error.action[1:]
                    )
                    self._with_permission(
                        permission, what, lambda: self._checkout(tenders, self.approved)
                    )
                    return
            if isinstance(error, DatabaseUnreachable):
                # One transaction: the sale is whole or absent. The bill keeps its cart id,
                # so paying again can never make a second sale of it.
                self.status(
                    "Database unreachable: payment not confirmed; bill kept. F10 again when back.",
                    error=True,
                )
                return
            self.status(str(error), error=True)

        run_service(
            self, lambda: checkout.checkout(actor, request), self._sold, refused, group="checkout"
        )

    def _sold(self, sale: CompletedSale) -> None:
        symbol = self.settings.currency_symbol if self.settings else ""
        change = f" · change {format_money(sale.change, symbol)}" if sale.change else ""
        credit = (
            f" · on account {format_money(sale.credit_amount, symbol)}"
            if sale.credit_amount
            else ""
        )
        if sale.loyalty_earned:
            credit += f" · +{format_money(sale.loyalty_earned)} points"
        self._start_new_bill(
            f"{sale.bill_number} · total {format_money(sale.total, symbol)}"
            f"{change}{credit} · printing…"
        )
        self.app.devices.show_change(sale.total, sale.change)  # pole display
        from posterm.ui.receipts import print_in_background

        prefix = f"{sale.bill_number} · total {format_money(sale.total, symbol)}{change}{credit}"
        print_in_background(
            self,
            self.app.config,
            sale.id,
            lambda message, error: self.status(f"{prefix} · {message}", error=error),
        )


def _balance(balance: Decimal, *, column: bool = True) -> str:
    """A customer's account in words: "owes 813.00", "advance 200.00" (a negative balance is
    money they left with us, not a debt of minus 200), or nothing when it is clear. In a
    `column`, the figures line up under each other."""
    owes, advance = format_money(balance), format_money(-balance)
    if balance > 0:
        return f"owes {owes:>10}" if column else f"owes {owes}"
    if balance < 0:
        return f"advance {advance:>7}" if column else f"advance {advance}"
    return ""
