"""Throw-away databases for the benchmarks: a temp SQLite file, or a PostgreSQL schema."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from posterm.data.models import database
from posterm.services import system


@contextlib.contextmanager
def sqlite_store(prefix: str = "posterm-bench-") -> Iterator[str]:
    """A SQLite URL in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextlib.contextmanager
def postgres_store(base_url: str, name: str = "bench") -> Iterator[str]:
    """A schema of its own on the server at `base_url`, dropped afterwards; yields its URL."""
    schema = f"posterm_{name}_{os.getpid()}_{secrets.token_hex(3)}"
    system.open_store(base_url, upgrade_schema=False)
    database.execute_sql(f"CREATE SCHEMA {schema}")
    system.close()
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        system.close()
        system.open_store(base_url, upgrade_schema=False)
        database.execute_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        system.close()
