"""Creating or editing a customer: one line per field, every bad field named at once.

Enter moves to the next field and saves from the last; F10 saves from anywhere. A phone number
that belongs to someone else offers to open that customer instead.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from posterm.domain.customers import Customer, CustomerForm, CustomerInvalid, DuplicateCustomer
from posterm.domain.errors import PostermError
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

FIELDS: tuple[tuple[str, str, int], ...] = (
    ("name", "Name", 120),
    ("phone", "Phone", 20),
    ("email", "Email", 120),
    ("address", "Address", 400),
    ("tax_id", "Tax id", 32),
    ("credit_limit", "Credit limit", 14),
    ("status", "Status", 10),
    ("notes", "Notes", 1000),
    ("card_barcode", "Card barcode", 32),
    ("code", "Code", 32),
)


class CustomerFormModal(ModalScreen[Customer | None]):
    """Dismissed with the saved customer, or None when cancelled."""

    BINDINGS = [
        Binding("f10", "save", "Save", id="customer_form.save"),
        Binding("escape", "cancel", "Cancel", id="customer_form.cancel"),
    ]

    def __init__(self, form: CustomerForm, customer_id: int | None = None) -> None:
        super().__init__()
        self.form = form
        self.customer_id = customer_id

    def compose(self) -> ComposeResult:
        with Vertical(id="customer-form", classes="dialog"):
            yield Label(self._title(), id="customer-form-title", classes="dialog-title")
            with Grid(id="customer-form-grid"):
                for name, label, length in FIELDS:
                    yield Label(label, id=f"label-{name}")
                    yield Field(getattr(self.form, name), id=f"field-{name}", max_length=length)
            yield Label("", id="customer-form-error", classes="error")
            yield Label(
                "Status: active, inactive or blocked · blank code: the next free one",
                classes="muted",
            )
            yield Label("Enter: next field    F10: save    Escape: cancel", classes="muted")

    def _title(self) -> str:
        return "New customer" if self.customer_id is None else f"Edit {self.form.name}"

    def _fill(self, form: CustomerForm) -> None:
        for name, _label, _length in FIELDS:
            self.query_one(f"#field-{name}", Field).value = getattr(form, name)
        self.query_one("#customer-form-title", Label).update(self._title())

    def _typed(self) -> CustomerForm:
        return CustomerForm(
            **{name: self.query_one(f"#field-{name}", Field).value for name, _l, _n in FIELDS}
        )

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        names = [name for name, _l, _n in FIELDS]
        position = names.index((event.input.id or "field-code").removeprefix("field-"))
        if position < len(names) - 1:
            self.query_one(f"#field-{names[position + 1]}", Field).focus()
            return
        self.action_save()

    def action_save(self) -> None:
        from posterm.services import customers

        form = self._typed()
        actor = self.app.session.actor
        customer_id = self.customer_id
        self._mark({})
        self.query_one("#customer-form-error", Label).update("Saving…")
        if customer_id is None:
            call = lambda: customers.create_customer(actor, form)  # noqa: E731
        else:
            call = lambda: customers.update_customer(actor, customer_id, form)  # noqa: E731
        run_service(self, call, self.dismiss, self._refused, group="customer-form")

    def _mark(self, errors: dict[str, str]) -> None:
        for name, _label, _length in FIELDS:
            bad = name in errors
            self.query_one(f"#label-{name}", Label).set_class(bad, "error")
        if errors:
            first = next(name for name, _l, _n in FIELDS if name in errors)
            self.query_one(f"#field-{first}", Field).focus()

    def _refused(self, error: PostermError) -> None:
        message = self.query_one("#customer-form-error", Label)
        if isinstance(error, CustomerInvalid):
            labels = dict((name, label) for name, label, _n in FIELDS)
            self._mark(error.errors)
            message.update("; ".join(f"{labels.get(f, f)}: {m}" for f, m in error.errors.items()))
            return
        if isinstance(error, DuplicateCustomer):
            self._mark({error.field if error.field == "phone" else "card_barcode": str(error)})
            message.update(str(error))
            self._offer_existing(error)
            return
        message.update(str(error))

    def _offer_existing(self, error: DuplicateCustomer) -> None:
        from posterm.ui.modals.confirm import ConfirmModal

        def answer(yes: bool | None) -> None:
            if yes:
                self._open(error.customer_id)

        self.app.push_screen(ConfirmModal(f"Open {error.customer_name}?", str(error)), answer)

    def _open(self, customer_id: int) -> None:
        from posterm.services import customers

        def shown(record: Customer) -> None:
            self.customer_id = record.id
            self.form = record.to_form()
            self._fill(self.form)
            self._mark({})
            self.query_one("#customer-form-error", Label).update("")
            self.query_one("#field-name", Field).focus()

        run_service(self, lambda: customers.customer_detail(customer_id), shown)

    def action_cancel(self) -> None:
        self.dismiss(None)
