"""Builds the real app on a temporary SQLite store, for Pilot and snapshot tests."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from decimal import Decimal

import pytest
from textual import events
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
    """Waits for keys the scanner filter holds back, background workers (bcrypt, database)
    and the redraw that follows."""
    wedge = pilot.app.__dict__.get("_wedge")
    for _ in range(100):  # keys typed quickly are held for the scanner's gap (30 ms)
        if wedge is None or not wedge.holding:
            break
        await pilot.pause(0.01)
    for _ in range(2):
        for worker in list(pilot.app.workers):
            # A login worker is cancelled when its screen closes on success; that is fine.
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()


async def type_text(pilot, text: str) -> None:
    for character in text:
        await pilot.press(character)


async def log_in(pilot, user: str = "owner", password: str = "secret", *, wait=settle) -> None:
    """Types a username and password at the login screen, as a cashier does."""
    await wait(pilot)
    await type_text(pilot, user)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await wait(pilot)


def post_burst(app, code: str) -> None:
    """Keys as a wedge scanner sends them: all at once, ending in Enter."""
    for character in code:
        app.post_message(events.Key(character, character))
    app.post_message(events.Key("enter", "\r"))


async def scanner_burst(pilot, code: str, *, wait=settle) -> None:
    post_burst(pilot.app, code)
    await pilot.pause()
    await wait(pilot)


def bill_lines(app) -> list[tuple[str, Decimal]]:
    """(code, quantity) of each line of the bill on the billing screen."""
    return [(item.code, item.quantity) for item in app.screen.bill.items]


def hidden_footer_keys(screen) -> list[str]:
    """The footer keys of `screen` that are cut off or hidden (behind the palette key or
    past the right edge): each as "key description", e.g. "f10 Post"."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    footer = screen.query_one(Footer)
    keys = list(footer.query(FooterKey))
    palette = [key for key in keys if key.has_class("-command-palette")]
    width = screen.size.width
    hidden = []
    for key in keys:
        if key in palette:
            continue
        region = key.region
        needed = len(key.key_display) + 1 + len(key.description)
        behind = any(p.region.y == region.y and region.right > p.region.x for p in palette)
        if region.width < needed or region.right > width or behind:
            hidden.append(f"{key.key_display} {key.description}")
    # A key behind the palette must not peek out past it, in the last column.
    hidden.extend(
        f"palette at {p.region.right}, not {width}" for p in palette if p.region.right != width
    )
    return hidden
