"""Opening the store's database: connect, check the schema, upgrade it when we are newer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from peewee import Database

from posterm.data import database as binding
from posterm.data.models import database
from posterm.data.schema import SchemaStatus, refuse_newer, schema_status, upgrade
from posterm.domain.errors import DatabaseUnreachable


@dataclass(frozen=True)
class OpenedDatabase:
    url: str  # with the password hidden
    kind: str  # "SQLite" or "PostgreSQL"
    upgraded: tuple[str, ...]
    schema: SchemaStatus


def open_store(url: str, *, upgrade_schema: bool = True) -> OpenedDatabase:
    """Connects; refuses a database from a newer posterm; applies pending migrations if asked."""
    db = binding.open_database(url)
    status = schema_status(db)
    refuse_newer(status)
    applied: list[str] = []
    if upgrade_schema and status.pending:
        applied = upgrade(db)
        status = schema_status(db)
    return OpenedDatabase(
        url=binding.redacted(url),
        kind="PostgreSQL" if binding.is_postgres(db) else "SQLite",
        upgraded=tuple(applied),
        schema=status,
    )


def current_database() -> Database:
    return database.obj


@contextmanager
def connection() -> Iterator[None]:
    """Holds a connection for a worker thread and hands it back (to the pool) afterwards."""
    with database.connection_context():
        yield


def close() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


def is_pooled(db: Database) -> bool:
    """True when `db` lends pooled connections (PostgreSQL), best handed back between calls."""
    return binding.is_postgres(db)


# --- the database going away mid-session (issue 8) -----------------------------------------


def as_unreachable(error: BaseException) -> BaseException:
    """`error`, or a DatabaseUnreachable saying why when it means the server is gone."""
    if not binding.is_connection_failure(error):
        return error
    unreachable = DatabaseUnreachable(
        f"Database unreachable ({binding.describe_connection_failure(error)})."
    )
    unreachable.__cause__ = error  # the driver's words stay in the log's traceback
    return unreachable


def database_answers() -> bool:
    """True when the store's database answers a query (on this thread's own connection)."""
    return binding.server_answers(database.obj)


def forget_idle_connections() -> None:
    binding.forget_idle_connections(database.obj)
