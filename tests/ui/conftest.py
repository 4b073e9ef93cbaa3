"""Builds the real app on a temporary SQLite store, for Pilot and snapshot tests."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

import pytest
from textual.worker import WorkerCancelled

from posterm.app import PostermApp
from posterm.config import Config
from posterm.services.store import init_store
from tests.conftest import command_line_actor


class _FixedLabelApp(PostermApp):
    """Shows the database as sqlite:///store.db, so snapshots do not depend on the temp path."""

    def _store_opened(self, result) -> None:
        opened, facts = result
        super()._store_opened((dataclasses.replace(opened, url="sqlite:///store.db"), facts))


@pytest.fixture
def make_app(sqlite_url: str) -> Callable[..., PostermApp]:
    """make_app(initialised=True, **config) -> a PostermApp on a fresh store (owner/secret/1234)."""

    def build(initialised: bool = True, **config_values: object) -> PostermApp:
        if initialised:
            init_store(command_line_actor("tester"), "Test Store", "owner", "secret", "1234")
        config = Config(database_url=sqlite_url, terminal="till-1", **config_values)
        return _FixedLabelApp(config)

    return build


async def settle(pilot) -> None:
    """Waits for background workers (bcrypt, database) and the redraw that follows."""
    for _ in range(2):
        for worker in list(pilot.app.workers):
            # A login worker is cancelled when its screen closes on success; that is fine.
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()


async def type_text(pilot, text: str) -> None:
    for character in text:
        await pilot.press(character)
