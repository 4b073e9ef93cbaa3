"""Runs service calls off the UI thread, so a slow database or bcrypt never freezes the till.

Database calls go to one long-lived thread that keeps its connection and serves them in the
order they were asked (a save of the open bill always lands before the checkout asked after
it). Starting a thread and opening a SQLite connection for every scan cost more than the
lookup itself. Slow work that is not the till's own business (printing, long checks) asks for
a thread of its own so it never holds up the next scan.

Results and errors come back on the UI thread through callbacks, from an asyncio worker that
waits for the answer (so `app.workers` covers them, as tests expect); an unexpected exception
is logged with its traceback and shown as one line, never a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

from posterm.domain.errors import DatabaseUnreachable, PostermError
from posterm.services.system import as_unreachable, connection, current_database, is_pooled

T = TypeVar("T")
log = logging.getLogger("posterm.ui")


class DatabaseThread:
    """One thread that runs database calls one after another on a connection it keeps.

    SQLite keeps its connection for good (a file handle; nothing goes stale). A PostgreSQL
    connection goes back to the pool whenever no call is waiting, so the pool's stale check
    applies to the next one and a server that dropped an idle link costs no failed call. After
    an unexpected error the connection is closed (a pool discards a broken one) and the next
    call opens a fresh one.
    """

    def __init__(self, name: str = "posterm-database") -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], bool, Future[Any]]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._held: Any = None  # the Database whose connection this thread holds
        # While the server is known to be gone (ui/outage.py), calls are refused at once
        # instead of each waiting for its own connection attempt to fail.
        self._refusing: str | None = None

    def submit(self, call: Callable[[], T], *, connect: bool = True) -> Future[T]:
        """Queues `call`; the future holds its result or its exception."""
        future: Future[T] = Future()
        self._jobs.put((call, connect, future))
        self._ensure_started()
        return future

    def drain(self, timeout: float | None = None) -> bool:
        """Waits until every call queued so far has run; False if `timeout` ran out first."""
        try:
            self.submit(lambda: None, connect=False).result(timeout)
        except TimeoutError:
            return False
        return True

    def refuse_calls(self, reason: str) -> None:
        """Database calls fail at once with DatabaseUnreachable(reason) until accept_calls()."""
        self._refusing = reason

    def accept_calls(self) -> None:
        self._refusing = None

    @property
    def refusing_calls(self) -> bool:
        return self._refusing is not None

    @property
    def ident(self) -> int | None:
        return self._thread.ident if self._thread is not None else None

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                # A daemon: a till that quits is never held up by it (the billing screen
                # waits for its own last save before it goes).
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            call, connect, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                if connect:
                    if self._refusing is not None:
                        raise DatabaseUnreachable(self._refusing)
                    self._connect()
                result = call()
            except BaseException as error:  # handed to the caller through the future
                if connect and not isinstance(error, PostermError):
                    self._release()  # a connection the server dropped is closed, not reused
                future.set_exception(as_unreachable(error))
            else:
                future.set_result(result)
            finally:
                del call, future  # the answer may be large; the queue should not keep it
            self._after_call()

    def _connect(self) -> None:
        db = current_database()
        if self._held is not None and self._held is not db:
            self._release()  # the store was re-opened (a demo shop, a test): drop the old one
        if db.is_closed():
            db.connect()
        self._held = db

    def _after_call(self) -> None:
        db = self._held
        if db is None:
            return
        if db.is_closed():
            self._held = None  # the call closed it itself (a `with connection()` inside)
        elif db.in_transaction():
            log.warning("a database call left a transaction open; closing its connection")
            self._release()
        elif self._jobs.empty() and is_pooled(db):
            self._release()

    def _release(self) -> None:
        db, self._held = self._held, None
        if db is None:
            db = current_database()
        try:
            if db is not None and not db.is_closed():
                db.close()
        except Exception:  # a broken connection may fail to close; it is dropped either way
            log.exception("closing the database connection failed")


database_thread = DatabaseThread()


def run_service(
    node: DOMNode,
    call: Callable[[], T],
    on_done: Callable[[T], Any],
    on_error: Callable[[PostermError], Any] | None = None,
    *,
    group: str = "service",
    connect: bool = True,
    exclusive: bool = True,
    own_thread: bool = False,
    answer_within: float = 0.0,
) -> Worker[None] | None:
    """Runs `call` on the database thread (in order, on its connection); reports back on the
    UI thread.

    `connect=False` is for work that opens the database itself. `own_thread=True` runs `call`
    in a thread of its own with its own connection, for slow work (a printer, long checks)
    that must not hold up the till's next call. Every call's answer is delivered, even when a
    later call in the same group is `exclusive` (as before: thread workers ran to the end);
    an answer for a node that has gone away is dropped.

    `answer_within` (seconds, a few milliseconds at most) lets the UI thread wait that long
    for a quick answer and hand it over at once (then no worker is made and None returned).
    For the scan lookup: going back to the event loop in between let a frame be painted
    before the line could be added, and let another busy thread be scheduled first.
    """
    app = node.app
    del exclusive  # kept for callers; answers are never dropped for a newer call

    def report_error(error: PostermError) -> None:
        if isinstance(error, DatabaseUnreachable):
            from posterm.ui.outage import database_watch

            database_watch(app).lost(str(error))  # the banner, and retrying in the background
        if on_error is not None:
            on_error(error)
        elif not isinstance(error, DatabaseUnreachable):  # the banner says that one
            app.notify(str(error), severity="error", timeout=8)

    def report_failure(error: BaseException) -> None:
        log.error("background work failed", exc_info=error)
        app.notify(
            f"Something went wrong ({type(error).__name__}: {error}). Nothing was lost; try again.",
            severity="error",
            timeout=10,
        )

    def in_own_thread() -> T:
        try:
            if connect:
                with connection():
                    return call()
            return call()
        except Exception as error:
            unreachable = as_unreachable(error)
            if unreachable is error:
                raise
            raise unreachable from error

    # Queued now, not when the worker starts: the order of the calls is the order asked,
    # and a call made as its screen closes (the last save of the bill) still runs.
    if own_thread:
        future: Future[T] = Future()
        threading.Thread(
            target=_run_into, args=(in_own_thread, future), name=f"posterm-{group}"
        ).start()
    else:
        future = database_thread.submit(call, connect=connect)
        if answer_within > 0:
            with contextlib.suppress(TimeoutError):
                error = future.exception(timeout=answer_within)
                if error is None:
                    _deliver_now(on_done, future.result(), report_failure)
                elif isinstance(error, PostermError):
                    _deliver_now(report_error, error, report_failure)
                elif isinstance(error, Exception):
                    report_failure(error)
                else:
                    raise error
                return None

    async def wait_and_report() -> None:
        try:
            result = await asyncio.wrap_future(future)
        except PostermError as error:
            callback, value = report_error, error
        except Exception as error:  # shown as one line; the traceback goes to the log
            callback, value = report_failure, error
        else:
            callback, value = on_done, result
        # The answer is handed over on the app's own message loop, outside this worker: a
        # callback that closes the worker's screen (a login) must not cancel itself.
        delivered = asyncio.Event()

        async def deliver() -> None:
            try:
                outcome = callback(value)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception as error:
                report_failure(error)
            finally:
                delivered.set()

        app.call_later(deliver)
        await delivered.wait()

    return node.run_worker(wait_and_report, group=group, exit_on_error=False)


def _deliver_now(
    callback: Callable[[Any], Any], value: Any, failed: Callable[[BaseException], Any]
) -> None:
    try:
        callback(value)
    except Exception as error:
        failed(error)


def _run_into(call: Callable[[], T], future: Future[T]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(call())
    except BaseException as error:
        future.set_exception(error)
