"""Stock count (physical inventory): scan or search what is on the shelf, review the
differences, post them as stock movements in one go.

Every entered quantity is saved at once (a crash or a closed terminal loses nothing: opening
this screen again resumes the open count). A scan counts one more of the item ("6*" then a
scan counts six, a weight label its weight); typed text opens the product search, then asks
for the quantity counted. F2 corrects the highlighted line. Differences are taken against the
stock when the count is posted, so sales during the count do not spoil it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Label

from posterm.domain.errors import NotFound, PostermError, ValidationError
from posterm.domain.money import format_quantity, parse_quantity
from posterm.domain.scan_entry import split_quantity
from posterm.ui.background import run_service
from posterm.ui.emphasis import readable
from posterm.ui.names import short_name
from posterm.ui.widgets.fields import Field
from posterm.ui.widgets.key_bar import ScreenKeysFooter

if TYPE_CHECKING:
    from posterm.domain.products import ProductInfo
    from posterm.domain.stock import CategoryChoice, CountLine, CountSummary

PAGE = 50


def _store_today() -> date:
    """The shop's day (its timezone), not the machine's: a count started after midnight in
    Kolkata on a till whose clock runs in UTC is named with the new day."""
    from posterm.services.reports import store_today

    return store_today()


def _counted(text: str) -> Decimal:
    return parse_quantity(text, "counted", allow_zero=True)


class StockCountScreen(Screen[None]):
    BINDINGS = [
        Binding("f2", "quantity", "Qty", id="count.quantity"),
        Binding("f3", "new_list", "New list", id="count.new_list"),
        Binding("f4", "new_category", "Category", id="count.new_category"),
        # Short names so the whole row, F10 Post above all, fits 80 columns.
        Binding("f5", "review", "Diffs", id="count.review"),
        Binding("f8", "discard", "Drop", id="count.discard"),
        Binding("f10", "post", "Post", id="count.post"),
        Binding("pagedown", "more", "More", id="count.more", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("escape", "back", "Back", id="count.back"),
    ]
    PALETTE_NAMES = {"count.review": "Differences", "count.discard": "Drop count"}

    def __init__(self, count_id: int | None = None) -> None:
        super().__init__()
        self.count_id = count_id
        self.count: CountSummary | None = None
        self.lines: list[CountLine] = []
        self.show = "all"
        self.has_more = False
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Label("Stock count", id="count-title", classes="dialog-title")
        with Horizontal(id="count-scan-row"):
            yield Label("Count ›", id="count-scan-label")
            yield Field(id="count-scan", placeholder="scan, or type a name or code", max_length=60)
        yield DataTable(id="count-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="count-status")
        yield ScreenKeysFooter(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False
        for label, key, width in [
            ("Product", "name", 30),
            ("Code", "code", 10),
            ("Stock", "stock", 8),
            ("Counted", "counted", 8),
            ("Diff", "diff", 8),
        ]:
            table.add_column(label, key=key, width=width)
        self.query_one("#count-scan", Field).focus()
        from posterm.services import stock

        run_service(self, stock.open_counts, self._resume, group="count")

    @property
    def actor(self):
        return self.app.session.actor

    def status(self, message: str, *, error: bool = False) -> None:
        label = self.query_one("#count-status", Label)
        label.update(message)
        label.set_class(error, "error")

    # --- which count ----------------------------------------------------------------------

    def _resume(self, counts: list[CountSummary]) -> None:
        wanted = [c for c in counts if self.count_id in (None, c.id)]
        if wanted:
            self._use(wanted[0])
            self.status(f"Resumed '{wanted[0].title}' ({wanted[0].counted} counted so far).")
        else:
            self.action_new_list()

    def _use(self, count: CountSummary) -> None:
        self.count, self.count_id = count, count.id
        self.show = "all"
        self._title()
        self.reload()

    def _title(self) -> None:
        count = self.count
        text = "Stock count: none open (F3: a list, F4: a category)"
        if count is not None:
            scope = f"category {count.category}" if count.category else "a list"
            view = " · differences only" if self.show == "differences" else ""
            text = f"Count #{count.id} '{count.title}' of {scope} · {count.counted}/{count.lines}"
            text += view
        self.query_one("#count-title", Label).update(text)

    def action_new_list(self) -> None:
        from posterm.ui.modals.value import ValueModal

        def start(entered) -> None:
            if entered is None:
                self._title()
                return
            self._start(entered.value, None)

        def ask(today: date) -> None:
            self.app.push_screen(
                ValueModal(
                    "New stock count",
                    "Name it (the shelf, aisle or supplier):",
                    _title_text,
                    value=f"Count {today:%d-%m-%Y}",
                    max_length=80,
                ),
                start,
            )

        run_service(self, _store_today, ask)

    def action_new_category(self) -> None:
        from posterm.services import stock
        from posterm.ui.modals.pick import PickModal

        def chosen(category: CategoryChoice | None) -> None:
            if category is not None:
                run_service(
                    self,
                    _store_today,
                    lambda today: self._start(f"{category.name} {today:%d-%m-%Y}", category.id),
                )

        self.app.push_screen(
            PickModal(
                "Count a category",
                "Category:",
                lambda text: stock.find_categories(text),
                lambda c: (
                    f"{c.name[:40]:<40} {c.products:>6} "
                    f"{'product' if c.products == 1 else 'products'}"
                ),
                empty="No category matches.",
            ),
            chosen,
        )

    def _start(self, title: str, category_id: int | None) -> None:
        from posterm.services import stock

        if self.count is not None:
            self.status(f"Count '{self.count.title}' stays open; it resumes later.")
        actor = self.actor
        run_service(
            self,
            lambda: stock.start_count(actor, title, category_id=category_id),
            self._started,
            group="count",
        )

    def _started(self, count: CountSummary) -> None:
        self._use(count)
        self.status(f"Started '{count.title}': scan or type what is on the shelf.")

    # --- the lines ------------------------------------------------------------------------

    def reload(self) -> None:
        self._generation += 1
        self.lines = []
        self.query_one(DataTable).clear()
        self._load_page()

    def _load_page(self) -> None:
        from posterm.services import stock

        if self.count_id is None:
            return
        count_id, show, offset = self.count_id, self.show, len(self.lines)
        generation = self._generation
        run_service(
            self,
            lambda: (
                stock.count_summary(count_id),
                stock.count_lines(count_id, show=show, limit=PAGE, offset=offset),
            ),
            lambda found: self._show_page(*found, generation),
            group="count-lines",
            exclusive=False,
        )

    def _show_page(self, count: CountSummary, page: list[CountLine], generation: int) -> None:
        if generation != self._generation:
            return
        self.count = count
        table = self.query_one(DataTable)
        for line in page:
            table.add_row(*self._cells(line), key=str(line.product.id))
        self.lines.extend(page)
        self.has_more = len(page) == PAGE
        self._title()

    def _cells(self, line: CountLine) -> tuple:
        difference = line.difference
        diff = Text("", justify="right")
        if difference:
            style = readable(self.app, "red" if difference < 0 else "green")
            sign = "+" if difference > 0 else ""
            diff = Text(f"{sign}{format_quantity(difference)}", justify="right", style=style)
        counted = "" if line.counted is None else format_quantity(line.counted)
        return (
            short_name(line.product.name, 30),
            line.product.code[:10],
            Text(format_quantity(line.product.stock), justify="right"),
            Text(counted, justify="right"),
            diff,
        )

    def _put(self, line: CountLine) -> None:
        """Shows a line just counted: updated where it is, or added at the end."""
        table = self.query_one(DataTable)
        key = str(line.product.id)
        for index, old in enumerate(self.lines):
            if old.product.id == line.product.id:
                self.lines[index] = line
                for column, value in zip(
                    ("name", "code", "stock", "counted", "diff"), self._cells(line), strict=True
                ):
                    table.update_cell(key, column, value)
                table.move_cursor(row=index)
                break
        else:
            self.lines.append(line)
            table.add_row(*self._cells(line), key=key)
            table.move_cursor(row=len(self.lines) - 1)
        self.status(
            f"{line.product.name}: counted {format_quantity(line.counted or Decimal(0))} "
            f"{line.product.unit} (stock {format_quantity(line.product.stock)})."
        )
        self._refresh_summary()

    def _refresh_summary(self) -> None:
        from posterm.services import stock

        if self.count_id is None:
            return
        count_id = self.count_id
        run_service(self, lambda: stock.count_summary(count_id), self._summary, group="summary")

    def _summary(self, count: CountSummary) -> None:
        self.count = count
        self._title()

    def action_more(self) -> None:
        if self.has_more:
            self.has_more = False
            self._load_page()

    def action_move(self, step: int) -> None:
        table = self.query_one(DataTable)
        if step > 0:
            table.action_cursor_down()
            if table.cursor_row >= len(self.lines) - 1:
                self.action_more()
        else:
            table.action_cursor_up()

    # --- counting -------------------------------------------------------------------------

    def on_input_submitted(self, event: Field.Submitted) -> None:
        if event.input.id != "count-scan":
            return
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        if self.count_id is None:
            self.status("No count open: F3 starts one for a list, F4 for a category.", error=True)
            return
        try:
            entry = split_quantity(text, _counted)
        except ValidationError as error:
            self.status(f"Quantity {error.message}.", error=True)
            return
        if entry.code:
            self._scan(entry.code, entry.quantity)

    def _scan(self, code: str, quantity: Decimal | None) -> None:
        from posterm.services import catalog, stock

        actor, count_id = self.actor, self.count_id

        def count_scanned() -> CountLine:
            found = catalog.lookup_barcode(code)
            counted = quantity or found.quantity or Decimal(1)
            return stock.set_counted(actor, count_id, found.product.id, counted, add=True)

        def not_a_code(error: PostermError) -> None:
            if isinstance(error, NotFound | ValidationError):
                self._search(code)
            else:
                self.app.bell()
                self.status(str(error), error=True)

        run_service(self, count_scanned, self._put, not_a_code, group="scan", exclusive=False)

    def _search(self, text: str) -> None:
        from posterm.ui.modals.find_product import FindProductModal

        def chosen(product: ProductInfo | None) -> None:
            if product is not None:
                self._ask_quantity(product.id, product.name, "")

        self.app.push_screen(FindProductModal("Count a product", text), chosen)

    def _ask_quantity(self, product_id: int, name: str, value: str) -> None:
        from posterm.services import stock
        from posterm.ui.modals.value import ValueModal

        actor, count_id = self.actor, self.count_id

        def entered(result) -> None:
            if result is None:
                return
            run_service(
                self,
                lambda: stock.set_counted(actor, count_id, product_id, result.value),
                self._put,
                group="count-set",
            )

        self.app.push_screen(
            ValueModal("Counted", f"How many of {name[:40]} are there?", _counted, value=value),
            entered,
        )

    def action_quantity(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if not self.lines or not 0 <= row < len(self.lines):
            self.status("Count something first, then F2 corrects it.", error=True)
            return
        line = self.lines[row]
        value = "" if line.counted is None else format_quantity(line.counted)
        self._ask_quantity(line.product.id, line.product.name, value)

    # --- reviewing and posting ------------------------------------------------------------

    def action_review(self) -> None:
        if self.count is None:
            return
        self.show = "all" if self.show == "differences" else "differences"
        self.reload()
        self.status(
            "Showing what posting would change (F5: every line)."
            if self.show == "differences"
            else "Showing every line (F5: differences only)."
        )

    def action_post(self) -> None:
        from posterm.services import stock
        from posterm.ui.modals.confirm import ConfirmModal

        count = self.count
        if count is None:
            return
        actor = self.actor

        def answer(yes: bool | None) -> None:
            if yes:
                run_service(self, lambda: stock.post_count(actor, count.id), self._posted)

        self.app.push_screen(
            ConfirmModal(
                f"Post count '{count.title[:30]}'?",
                f"{count.counted} of {count.lines} products counted: their differences go on "
                "the stock ledger. Products not counted stay as they are.",
            ),
            answer,
        )

    def _posted(self, posted) -> None:
        self.app.notify(
            f"Count posted: {posted.adjusted} products adjusted, {posted.unchanged} already "
            f"right, {posted.skipped} not counted."
        )
        self._forget_count()
        self.status("Posted. F3 or F4 starts another count; Escape goes back.")

    def _forget_count(self) -> None:
        self.count, self.count_id, self.lines = None, None, []
        self.query_one(DataTable).clear()
        self._title()

    def action_discard(self) -> None:
        from posterm.services import stock
        from posterm.ui.modals.confirm import ConfirmModal

        count = self.count
        if count is None:
            return
        actor = self.actor

        def answer(yes: bool | None) -> None:
            if yes:
                run_service(
                    self,
                    lambda: stock.cancel_count(actor, count.id),
                    lambda _: (
                        self._forget_count(),
                        self.status("Count dropped; stock unchanged."),
                    ),
                )

        self.app.push_screen(
            ConfirmModal(f"Drop count '{count.title[:30]}'?", "Nothing counted is posted."),
            answer,
        )

    def action_back(self) -> None:
        self.dismiss()


def _title_text(text: str) -> str:
    title = " ".join(text.split())
    if not title:
        raise ValidationError("title", "give the count a name")
    return title
