"""Runs service calls in thread workers, so a slow database or bcrypt never freezes the till.

Results and errors come back on the UI thread through callbacks; an unexpected exception is
logged with its traceback and shown as one line, never a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

from posterm.domain.errors import PostermError
from posterm.services.system import connection

T = TypeVar("T")
log = logging.getLogger("posterm.ui")


def run_service(
    node: DOMNode,
    call: Callable[[], T],
    on_done: Callable[[T], Any],
    on_error: Callable[[PostermError], Any] | None = None,
    *,
    group: str = "service",
    connect: bool = True,
    exclusive: bool = True,
) -> Worker[None]:
    """Runs `call` in a thread with its own database connection; reports back on the UI thread.

    `connect=False` is for work that opens the database itself.
    """
    app = node.app

    def report_error(error: PostermError) -> None:
        if on_error is not None:
            on_error(error)
        else:
            app.notify(str(error), severity="error", timeout=8)

    def work() -> None:
        try:
            if connect:
                with connection():
                    result = call()
            else:
                result = call()
        except PostermError as error:
            app.call_from_thread(report_error, error)
            return
        except Exception as error:  # shown as one line; the traceback goes to the log
            log.exception("background work failed")
            app.call_from_thread(
                app.notify,
                f"Something went wrong ({type(error).__name__}: {error}). Nothing was lost; "
                "try again.",
                severity="error",
                timeout=10,
            )
            return
        app.call_from_thread(on_done, result)

    return node.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
