"""The first start on an empty database: create my shop, or open the demo shop."""

from __future__ import annotations

import getpass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Label, ProgressBar

from posterm.domain.errors import PostermError, ValidationError
from posterm.domain.permissions import command_line_actor
from posterm.services import store
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

_FORM_FIELDS = ("store_name", "owner", "password", "password_again", "pin")
# A refused field is named as the form labels it, not by its name in the code.
_FIELD_NAMES = {
    "store_name": "Store name",
    "owner": "Owner username",
    "password": "Password",
    "password_again": "Password again",
    "pin": "PIN",
}


class FirstRunScreen(Screen[None]):
    """Hands over to the app (`first_run_done`) once a store exists: the user's own, or the demo."""

    AUTO_FOCUS = ""  # nothing to type into until the user picks C or D
    BINDINGS = [
        Binding("c", "create", "Create my shop", id="first_run.create"),
        Binding("d", "demo", "Open the demo shop", id="first_run.demo"),
        Binding("escape", "back", "Back", id="first_run.back", show=False),
    ]

    def __init__(self, terminal: str, demo_builder) -> None:
        super().__init__()
        self.terminal = terminal
        self.demo_builder = demo_builder  # (progress) -> StoreFacts of the demo shop
        self.busy = False

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="welcome", classes="dialog"):
            yield Label("Welcome to posterm", classes="dialog-title")
            yield Label("This database has no store yet. What would you like to do?")
            yield Label("[b]C[/b]  Create my shop: your store's name and the owner's login")
            yield Label("[b]D[/b]  Open the demo shop: a kirana with 300 products to try")
        with Center(), Vertical(id="create-form", classes="dialog hidden"):
            yield Label("Create my shop", classes="dialog-title")
            yield Label("Store name")
            yield Field(id="store_name", max_length=60)
            yield Label("Owner username (e.g. ravi)")
            yield Field(id="owner", max_length=32)
            yield Label("Password (at least 4 characters)")
            yield Field(id="password", password=True, max_length=72)
            yield Label("Password again")
            yield Field(id="password_again", password=True, max_length=72)
            yield Label("PIN for quick login (4-8 digits, optional)")
            yield Field(id="pin", password=True, max_length=8, restrict=r"[0-9]*")
            yield Label("", id="create-error", classes="error")
            yield Label("Enter: next field / create    Escape: back", classes="muted")
        with Center(), Vertical(id="demo-progress", classes="dialog hidden"):
            yield Label("Building the demo shop…", classes="dialog-title")
            yield Label("", id="demo-step")
            yield ProgressBar(total=None, show_eta=False, id="demo-bar")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:  # keys can arrive while the screen is still being built
            return False
        choosing = not self.busy and self.query_one("#create-form").has_class("hidden")
        if action in ("create", "demo"):
            return choosing
        if action == "back":
            return not choosing and not self.busy
        return True

    def action_create(self) -> None:
        self.query_one("#welcome").add_class("hidden")
        self.query_one("#create-form").remove_class("hidden")
        # Focus after this key is handled, or the "c" that chose this would land in the field.
        self.call_after_refresh(self.query_one("#store_name", Field).focus)
        self.refresh_bindings()

    def action_back(self) -> None:
        self.query_one("#create-form").add_class("hidden")
        self.query_one("#welcome").remove_class("hidden")
        self.refresh_bindings()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        position = _FORM_FIELDS.index(event.input.id or "")
        if (
            position < len(_FORM_FIELDS) - 1
            and not self.query_one(f"#{_FORM_FIELDS[position + 1]}", Field).value
        ):
            self.query_one(f"#{_FORM_FIELDS[position + 1]}", Field).focus()
            return
        self._create()

    def _create(self) -> None:
        values = {name: self.query_one(f"#{name}", Field).value for name in _FORM_FIELDS}
        if values["password"] != values["password_again"]:
            self._form_error(ValidationError("password_again", "the two passwords differ"))
            return
        actor = command_line_actor(getpass.getuser(), self.terminal)
        self.busy = True
        self.query_one("#create-error", Label).update("Creating…")

        def create() -> store.StoreFacts:
            store.init_store(
                actor,
                values["store_name"],
                values["owner"],
                values["password"],
                values["pin"] or None,
            )
            return store.store_facts()

        owner = values["owner"].strip().lower()
        run_service(
            self,
            create,
            lambda facts: self.app.first_run_done(facts, owner),
            self._form_error,
        )

    def _form_error(self, error: PostermError) -> None:
        self.busy = False
        field = getattr(error, "field", "")
        field = {"username": "owner"}.get(field, field)  # the service's name for the owner
        message = str(error)
        if field in _FORM_FIELDS:
            message = f"{_FIELD_NAMES[field]}: {error.message}"
            self.query_one(f"#{field}", Field).focus()
        self.query_one("#create-error", Label).update(message)

    def action_demo(self) -> None:
        self.busy = True
        self.refresh_bindings()
        self.query_one("#welcome").add_class("hidden")
        self.query_one("#demo-progress").remove_class("hidden")
        step = self.query_one("#demo-step", Label)

        run_service(
            self,
            lambda: self.demo_builder(lambda text: self.app.call_from_thread(step.update, text)),
            lambda facts: self.app.first_run_done(facts, ""),
            self._demo_failed,
            group="demo",
            connect=False,  # the builder opens the demo shop's own database
        )

    def _demo_failed(self, error: PostermError) -> None:
        self.busy = False
        self.query_one("#demo-progress").add_class("hidden")
        self.query_one("#welcome").remove_class("hidden")
        self.notify(f"The demo shop could not be built: {error}", severity="error")
        self.refresh_bindings()
