"""Opens the database named by a URL and binds every table to it.

SQLite (the embedded default) runs in WAL mode with FULL sync so a committed sale survives a
power cut; PostgreSQL connections are pooled. Connection problems become one readable line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from peewee import Database, OperationalError, PostgresqlDatabase, SqliteDatabase
from peewee import InterfaceError as PeeweeInterfaceError
from playhouse.pool import PooledPostgresqlDatabase

from posterm.data.models import database
from posterm.domain.errors import DatabaseUnavailable

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": 2,  # FULL: the WAL is fsynced at each commit
    "cache_size": -16000,  # 16 MB
}
BUSY_TIMEOUT_SECONDS = 10


def open_database(url: str) -> Database:
    """Connects to `url`, binds the tables to it and returns it; raises DatabaseUnavailable."""
    db = make_database(url)
    try:
        db.connect(reuse_if_open=True)
        db.close()
    except (OperationalError, PeeweeInterfaceError) as exc:
        raise DatabaseUnavailable(describe_failure(url, exc)) from None
    database.initialize(db)
    return db


def make_database(url: str) -> Database:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = Path(unquote(url[len("sqlite:///") :])).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create {path.parent}: {exc.strerror}") from None
        return SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, timeout=BUSY_TIMEOUT_SECONDS)
    if parsed.scheme in ("postgres", "postgresql"):
        # Query parameters are libpq's own (sslmode=require, options=-csearch_path=shop2 ...).
        libpq_params = dict(parse_qsl(parsed.query))
        return PooledPostgresqlDatabase(
            parsed.path.lstrip("/") or "posterm",
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            connect_timeout=5,
            max_connections=16,
            stale_timeout=300,
            timeout=10,
            **libpq_params,
        )
    raise DatabaseUnavailable(f"unsupported database URL scheme '{parsed.scheme}'")


def describe_failure(url: str, exc: Exception) -> str:
    """One line saying what went wrong, without the password."""
    parsed = urlparse(url)
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if parsed.scheme == "sqlite":
        return f"cannot open SQLite database {url[len('sqlite:///') :]}: {reason}"
    where = f"{parsed.hostname or '127.0.0.1'}:{parsed.port or 5432}/{parsed.path.lstrip('/')}"
    if "password authentication failed" in reason:
        reason = f"password authentication failed for user '{parsed.username}'"
    elif "Connection refused" in reason:
        reason = "connection refused (is the server running and listening on that port?)"
    elif "does not exist" in reason:
        reason = reason.split("FATAL:")[-1].strip()
    return f"cannot connect to PostgreSQL at {where}: {reason}"


def is_postgres(db: Database | None = None) -> bool:
    target = db if db is not None else database.obj
    return isinstance(target, PostgresqlDatabase)


def redacted(url: str) -> str:
    """The URL with its password replaced, fit for screens and logs."""
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return url


@contextmanager
def write_transaction() -> Iterator[None]:
    """A transaction that takes the write lock up front.

    On SQLite this is BEGIN IMMEDIATE, so two tills never both read and then fail to write;
    on PostgreSQL callers lock the rows they change with SELECT ... FOR UPDATE.
    """
    target = database.obj
    if isinstance(target, SqliteDatabase) and not target.in_transaction():
        with target.atomic("IMMEDIATE"):
            yield
    else:
        with database.atomic():
            yield


def for_update(query):
    """Adds FOR UPDATE on PostgreSQL; SQLite's write transaction already excludes other writers."""
    return query.for_update() if is_postgres() else query


# --- the server going away mid-session (issue 8) -------------------------------------------
# SQLSTATE classes that mean "the link or the server is gone", not "this statement was
# refused": 08 connection exception, 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot
# connect now (starting up or shutting down). A psycopg2 OperationalError without a SQLSTATE
# is the client library's own: connection refused, server closed the connection, timeout.
_LINK_GONE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def is_connection_failure(exc: BaseException) -> bool:
    """True when `exc` says the PostgreSQL server cannot be reached (worth retrying later),
    False for an error of the statement itself (a constraint, a lock timeout, SQLite)."""
    if not isinstance(exc, OperationalError | PeeweeInterfaceError):
        return False
    # peewee wraps the driver's exception and passes it as the first argument.
    original = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else None
    original = original or exc.__cause__ or exc.__context__
    if original is None or not type(original).__module__.startswith("psycopg2"):
        return False
    if isinstance(exc, PeeweeInterfaceError):
        return True  # "connection already closed"
    code = getattr(original, "pgcode", None)
    return code is None or code.startswith(_LINK_GONE_SQLSTATES)


def describe_connection_failure(exc: BaseException) -> str:
    """The driver's reason in one line (no URL, so no password)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "Connection refused" in text:
        return "connection refused"
    if "terminating connection due to administrator command" in text:
        return "the server was shut down"
    if "server closed the connection" in text or "connection already closed" in text:
        return "the server closed the connection"
    return text[:80]


def forget_idle_connections(db: Database | None = None) -> None:
    """Drops the pool's idle connections: after the server went away they are all dead, and
    the pool would otherwise test each one with a round trip before handing out a new one."""
    target = db if db is not None else database.obj
    if isinstance(target, PooledPostgresqlDatabase):
        target.close_idle()


def server_answers(db: Database | None = None) -> bool:
    """Opens a connection, runs SELECT 1 and hands it back: True when the database answers.

    Runs on the caller's thread with a connection of its own; a broken one is closed, never
    returned to the pool (peewee's pool checks a PostgreSQL connection's state on check-in).
    """
    target = db if db is not None else database.obj
    if target is None:
        return False
    try:
        with target.connection_context():
            target.execute_sql("SELECT 1")
    except (OperationalError, PeeweeInterfaceError):
        return False
    return True
