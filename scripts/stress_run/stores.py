"""Throw-away store databases: a temp SQLite file, or a PostgreSQL schema of our own.

Worker processes are forked from the one that set the store up, so that one hands every
connection back first (`release`): a child must never share a socket with its parent.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from posterm.data.database import is_postgres
from posterm.data.models import database
from posterm.services import system


@contextlib.contextmanager
def sqlite_store() -> Iterator[str]:
    """A SQLite URL in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="posterm-stress-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'stress.db'}"


@contextlib.contextmanager
def postgres_store(base_url: str, name: str) -> Iterator[str]:
    """A schema of its own on the server at `base_url`, dropped afterwards; yields its URL."""
    schema = f"posterm_stress_{name}_{os.getpid()}_{secrets.token_hex(3)}"
    system.open_store(base_url, upgrade_schema=False)
    database.execute_sql(f"CREATE SCHEMA {schema}")
    release()
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        release()
        system.open_store(base_url, upgrade_schema=False)
        database.execute_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        release()


def release() -> None:
    """Closes every connection this process holds (a pool's idle ones too)."""
    db = database.obj
    if db is None:
        return
    if is_postgres(db):
        db.close_all()
    elif not db.is_closed():
        db.close()
