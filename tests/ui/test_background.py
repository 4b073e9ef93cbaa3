"""run_service: database calls in order on one long-lived thread and connection; answers and
errors on the UI thread; slow work on a thread of its own."""

from __future__ import annotations

import threading

from textual.app import App

from posterm.data.models import database
from posterm.domain.errors import NotFound
from posterm.services.system import is_pooled
from posterm.ui.background import database_thread, run_service
from tests.ui.conftest import settle


class Host(App[None]):
    pass


def _in_use(db) -> int:
    return len(db._in_use) if is_pooled(db) else 0


async def test_calls_run_in_order_on_one_thread_and_connection(db_url):
    app = Host()
    answers: list[tuple[int, int, int, int]] = []
    async with app.run_test() as pilot:
        in_use_before = _in_use(database.obj)

        def call(number: int) -> tuple[int, int, int, int]:
            (one,) = database.execute_sql("SELECT 1").fetchone()
            return number, threading.get_ident(), id(database.connection()), one

        def done(answer) -> None:
            assert threading.get_ident() == threading.main_thread().ident
            answers.append(answer)

        for number in range(6):
            run_service(app, lambda number=number: call(number), done)
        await settle(pilot)
        assert [answer[0] for answer in answers] == list(range(6))
        assert {answer[1] for answer in answers} == {database_thread.ident}
        assert database_thread.ident != threading.main_thread().ident
        if is_pooled(database.obj):
            # PostgreSQL: the connection went back to the pool once nothing was waiting.
            assert _in_use(database.obj) == in_use_before
        else:
            # SQLite: one connection, kept between calls.
            assert len({answer[2] for answer in answers}) == 1


async def test_errors_come_back_as_one_line_and_the_next_call_still_works(sqlite_url):
    app = Host()
    refused: list[str] = []
    answers: list[int] = []
    async with app.run_test() as pilot:

        def not_there() -> None:
            raise NotFound("No product has barcode 123.")

        def broken() -> None:
            database.close()  # as a dropped link would leave it
            raise RuntimeError("disk on fire")

        def bad_callback(_: object) -> None:
            raise ValueError("a bug in the screen")

        run_service(app, not_there, answers.append, lambda error: refused.append(str(error)))
        run_service(app, broken, answers.append)
        run_service(app, lambda: 1, bad_callback)
        run_service(app, lambda: database.execute_sql("SELECT 2").fetchone()[0], answers.append)
        await settle(pilot)
        assert refused == ["No product has barcode 123."]
        assert answers == [2]
        messages = [notification.message for notification in app._notifications]
        assert any("RuntimeError: disk on fire" in message for message in messages)
        assert any("ValueError: a bug in the screen" in message for message in messages)
        assert all("\n" not in message for message in messages)
        assert app.is_running


async def test_slow_work_on_its_own_thread_does_not_hold_up_the_database_thread(sqlite_url):
    app = Host()
    release = threading.Event()
    order: list[str] = []
    async with app.run_test() as pilot:
        run_service(
            app,
            lambda: release.wait(10),
            lambda _: order.append("printer"),
            own_thread=True,
        )
        run_service(app, lambda: None, lambda _: order.append("scan"))
        for _ in range(200):
            if order:
                break
            await pilot.pause(0.01)
        assert order == ["scan"]  # the scan did not wait for the printer
        release.set()
        await settle(pilot)
        assert order == ["scan", "printer"]


async def test_a_quick_answer_is_handed_over_at_once_a_slow_one_later(sqlite_url):
    app = Host()
    answers: list[str] = []
    release = threading.Event()
    async with app.run_test() as pilot:
        worker = run_service(app, lambda: "quick", answers.append, answer_within=1.0)
        assert worker is None and answers == ["quick"]  # before run_service returned
        worker = run_service(
            app, lambda: release.wait(10) and "slow", answers.append, answer_within=0.01
        )
        assert worker is not None and answers == ["quick"]
        release.set()
        await settle(pilot)
        assert answers == ["quick", "slow"]
        refused: list[str] = []
        run_service(
            app,
            lambda: (_ for _ in ()).throw(NotFound("No such barcode.")),
            answers.append,
            lambda error: refused.append(str(error)),
            answer_within=1.0,
        )
        assert refused == ["No such barcode."]
