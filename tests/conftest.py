"""Shared fixtures: a fresh store database on SQLite and, when configured, on PostgreSQL.

POSTERM_TEST_PG names a PostgreSQL server (e.g. postgresql://postgres@127.0.0.1:5432/test);
without it the PostgreSQL cases skip, unless POSTERM_REQUIRE_PG=1 (CI), which makes them fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from posterm.data.models import ALL_MODELS, database
from posterm.domain.permissions import Actor, Role, command_line_actor
from posterm.services import auth, system

PG_URL = os.environ.get("POSTERM_TEST_PG", "")
REQUIRE_PG = os.environ.get("POSTERM_REQUIRE_PG") == "1"
_pg_migrated = False


@pytest.fixture(autouse=True)
def _fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    # Cost 4 keeps the suite quick; the cost itself is bcrypt's business, not ours.
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    monkeypatch.setattr(auth, "_DUMMY_HASH", None)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never read or write the real user's config or data directories."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    for var in list(os.environ):
        if var.startswith("POSTERM_") and var not in ("POSTERM_TEST_PG", "POSTERM_REQUIRE_PG"):
            monkeypatch.delenv(var)
    return home


# Each test run gets a schema of its own, so two runs against one server never collide.
_PG_SCHEMA = f"posterm_test_{os.getpid()}_{secrets.token_hex(3)}"


def _schema_url() -> str:
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options=-csearch_path%3D{_PG_SCHEMA}"


def _fresh_postgres() -> str:
    global _pg_migrated
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("POSTERM_REQUIRE_PG=1 but POSTERM_TEST_PG is not set")
        pytest.skip("PostgreSQL not configured (set POSTERM_TEST_PG)")
    url = _schema_url()
    if not _pg_migrated:
        system.open_store(PG_URL, upgrade_schema=False)
        database.execute_sql(f"CREATE SCHEMA {_PG_SCHEMA}")
        system.close()
        system.open_store(url)
        _pg_migrated = True
    else:
        system.open_store(url)
        tables = ", ".join(f'"{model._meta.table_name}"' for model in ALL_MODELS)
        database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return url


@pytest.fixture(scope="session", autouse=True)
def _drop_test_schema() -> Iterator[None]:
    yield
    if _pg_migrated:
        system.open_store(PG_URL, upgrade_schema=False)
        database.execute_sql(f"DROP SCHEMA IF EXISTS {_PG_SCHEMA} CASCADE")
        system.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty store database; every service test runs on both engines."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        system.open_store(url)
    else:
        url = _fresh_postgres()
    yield url
    system.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    system.open_store(url)
    yield url
    system.close()


@pytest.fixture
def cli_actor() -> Actor:
    return command_line_actor("tester", "till-1")


@pytest.fixture
def owner(db_url: str, cli_actor: Actor) -> Actor:
    """A store initialised with owner 'owner' (password 'secret', PIN 1234); acts as that owner."""
    from posterm.services.store import init_store

    init_store(cli_actor, "Test Store", "owner", "secret", "1234")
    info = auth.authenticate("owner", "secret", terminal="till-1")
    return Actor(info.id, info.username, Role.OWNER, "till-1")


def actor_for(
    username: str,
    role: Role,
    password: str = "pw1234",
    pin: str | None = "4321",
    by: Actor | None = None,
) -> Actor:
    """Creates a user of `role` and returns an Actor for them."""
    creator = by or command_line_actor("tester", "till-1")
    info = auth.create_user(creator, username, role, password, pin)
    return Actor(info.id, info.username, role, "till-1")


def doctor_problems() -> list[str]:
    """Every violation `posterm doctor` finds, as "check: problem" lines (empty when healthy)."""
    from posterm.services.doctor import run_checks

    return [f"{r.name}: {p}" for r in run_checks() for p in r.problems]
