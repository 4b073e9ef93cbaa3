"""A supplier's details, new or edited: one line per field, each bad field named under it.

Enter goes to the next field and saves on the last one (F10 saves from anywhere); the
service judges the values, so the form says exactly what the rules say.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from posterm.domain.errors import PostermError
from posterm.domain.permissions import Actor
from posterm.domain.purchases import FieldErrors, SupplierInfo, SupplierInput
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

FIELDS = (
    ("name", "Name", 120),
    ("contact_name", "Contact", 80),
    ("phone", "Phone", 20),
    ("email", "E-mail", 120),
    ("tax_id", "Tax id", 32),
    ("address", "Address", 400),
    ("notes", "Notes", 500),
)


class SupplierFormModal(ModalScreen[SupplierInfo | None]):
    BINDINGS = [
        Binding("f10", "save", "Save", id="supplier_form.save"),
        Binding("escape", "cancel", "Cancel", id="supplier_form.cancel"),
    ]

    def __init__(self, actor: Actor, supplier: SupplierInfo | None = None) -> None:
        super().__init__()
        self.actor = actor
        self.supplier = supplier

    def compose(self) -> ComposeResult:
        current = self.supplier.as_input() if self.supplier else SupplierInput("")
        title = f"Edit {self.supplier.name}" if self.supplier else "New supplier"
        with Vertical(id="supplier-form", classes="dialog"):
            yield Label(title, classes="dialog-title")
            for name, label, length in FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    yield Field(getattr(current, name), id=name, max_length=length)
                yield Label("", id=f"{name}-error", classes="error form-error hidden")
            yield Label("", id="form-error", classes="error")
            yield Label(
                "Enter: next field, save on the last    F10: save    Escape: cancel",
                classes="muted",
            )

    def on_mount(self) -> None:
        self.query_one("#name", Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        names = [name for name, _, _ in FIELDS]
        position = names.index(event.input.id or "name")
        if position < len(names) - 1:
            self.query_one(f"#{names[position + 1]}", Field).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        from posterm.services import suppliers

        data = SupplierInput(
            **{name: self.query_one(f"#{name}", Field).value for name, _, _ in FIELDS}
        )
        self._show_errors({})
        self.query_one("#form-error", Label).update("Saving…")
        if self.supplier is None:
            call = lambda: suppliers.create_supplier(self.actor, data)  # noqa: E731
        else:
            supplier_id = self.supplier.id
            call = lambda: suppliers.update_supplier(self.actor, supplier_id, data)  # noqa: E731
        run_service(self, call, self.dismiss, self._refused, group="supplier-form")

    def _refused(self, error: PostermError) -> None:
        if isinstance(error, FieldErrors):
            self._show_errors(error.errors)
            self.query_one("#form-error", Label).update("Correct the fields in red.")
            first = next(iter(error.errors))
            self.query_one(f"#{first}", Field).focus()
            return
        self.query_one("#form-error", Label).update(str(error))

    def _show_errors(self, errors: dict[str, str]) -> None:
        for name, _, _ in FIELDS:
            message = errors.get(name, "")
            error = self.query_one(f"#{name}-error", Label)
            error.update(message)
            error.set_class(not message, "hidden")

    def action_cancel(self) -> None:
        self.dismiss(None)
