"""Import products (or suppliers) from a CSV file, with a progress bar.

The import runs in a thread worker; its progress comes back to the bar on the UI thread. The
file is checked whole first: if any row is wrong, every problem is listed (row, column,
reason) and nothing is written. F2 checks the file without writing anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar, Static

from posterm.domain.errors import ValidationError
from posterm.ui.background import run_service
from posterm.ui.widgets.fields import Field

if TYPE_CHECKING:
    from posterm.services.csv_files import ImportReport

MAX_SHOWN = 200


class ImportProductsModal(ModalScreen["ImportReport | None"]):
    """ImportProductsModal(what="products" | "suppliers"): dismisses with the last report."""

    BINDINGS = [
        Binding("f2", "check", "Check only", id="import.check"),
        Binding("escape", "close", "Close", id="import.close"),
    ]

    def __init__(self, what: str = "products", path: str = "") -> None:
        super().__init__()
        self.what = what
        self.path = path
        self.report: ImportReport | None = None
        self._importing = False

    def compose(self) -> ComposeResult:
        with Vertical(id="import", classes="dialog"):
            yield Label(f"Import {self.what} from a CSV file", classes="dialog-title")
            yield Label("File:")
            yield Field(self.path, id="import-path", max_length=400)
            # An empty bar until an import starts: without a total it pulses for ever, and an
            # idle till would keep sending the animation over SSH.
            yield ProgressBar(total=1, id="import-progress", show_eta=False)
            yield Label("", id="import-summary")
            with VerticalScroll(id="import-errors"):
                yield Static("", id="import-error-list", markup=False)
            yield Label("Enter: import    F2: check only    Escape: close", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#import-errors").can_focus = False
        self.query_one("#import-path", Field).focus()

    def on_input_submitted(self, event: Field.Submitted) -> None:
        event.stop()
        self._start(dry_run=False)

    def action_check(self) -> None:
        self._start(dry_run=True)

    def _start(self, *, dry_run: bool) -> None:
        from posterm.services import csv_files

        if self._importing:
            return
        text = self.query_one("#import-path", Field).value.strip()
        if not text:
            self._summary("Type the path of the CSV file.", error=True)
            return
        path = Path(text).expanduser()
        run = csv_files.import_products if self.what == "products" else csv_files.import_suppliers
        actor = self.app.session.actor
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        app = self.app

        def progress(done: int, total: int) -> None:
            app.call_from_thread(bar.update, total=max(total, 1), progress=done)

        def work() -> ImportReport:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise ValidationError("file", f"cannot read {path}: {exc.strerror}") from None
            return run(actor, data, dry_run=dry_run, progress=progress)

        self._importing = True
        self._summary("Checking the file…" if dry_run else "Importing…")
        self.query_one("#import-error-list", Static).update("")
        run_service(self, work, self._done, self._failed, group="import", own_thread=True)

    def _done(self, report: ImportReport) -> None:
        self._importing = False
        self.report = report
        bar = self.query_one(ProgressBar)
        bar.update(total=max(report.rows, 1), progress=max(report.rows, 1))
        self._summary(report.summary(), error=not report.ok)
        if report.errors:
            lines = [str(error) for error in report.errors[:MAX_SHOWN]]
            if len(report.errors) > MAX_SHOWN:
                lines.append(f"… and {len(report.errors) - MAX_SHOWN} more")
            self.query_one("#import-error-list", Static).update("\n".join(lines))

    def _failed(self, error) -> None:
        self._importing = False
        self.query_one(ProgressBar).update(total=1, progress=0)
        self._summary(str(error), error=True)

    def _summary(self, text: str, *, error: bool = False) -> None:
        label = self.query_one("#import-summary", Label)
        label.update(text)
        label.set_class(error, "error")

    def action_close(self) -> None:
        if not self._importing:
            self.dismiss(self.report)
