"""The reports benchmark's store: the shop's two years (shop_history), built once and cached.

SQLite: a file in posterm's cache directory (platformdirs), named by the generator version.
PostgreSQL: a schema of its own on the server, named by the version, kept between runs (a
schema of an older version is dropped). Either is built under a temporary name and renamed
when complete, and carries a setting row naming the generator, so a half-built store is never
taken for a cached one. `POSTERM_BENCH_REBUILD=1` builds again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import platformdirs
import psycopg2
from shop_history import (
    COLUMNS,
    GENERATOR_VERSION,
    SALES,
    ZONE,
    PostgresSink,
    ShopHistory,
    SqliteSink,
    names,
)

from posterm.data.models import TaxRate, User, database
from posterm.domain.permissions import command_line_actor
from posterm.services import system
from posterm.services.store import init_store

MARKER = "bench.shop_history"
OWNER, PASSWORD = "owner", "benchpass"
SCHEMA_PREFIX = "posterm_bench_reports_v"
Progress = Callable[[str], None]
# The big tables' secondary indexes are dropped for the load and built again after it: building
# an index from sorted data is much faster than keeping it up to date row by row.
_BULK_TABLES = names(
    "sale sale_line sale_line_batch stock_movement payment credit_entry batch purchase_line "
    "supplier_entry cash_movement"
)
# Tables with an id sequence on PostgreSQL that the history writes to.
_ID_TABLES = names(
    "app_user category product supplier customer shift sale sale_line payment credit_entry "
    "purchase purchase_line batch sale_line_batch stock_movement supplier_entry cash_movement "
    "counter setting"
)


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("posterm")) / "bench"


def _marker_value() -> str:
    return f"v{GENERATOR_VERSION}-{SALES}"


def _init_with_posterm(url: str) -> tuple[dict[int, int], dict[str, int], str]:
    """Runs posterm's migrations and init on `url`; the tax rates, next ids and owner hash."""
    system.open_store(url)
    try:
        init_store(command_line_actor("bench", "bench-till"), "Bench Shop", OWNER, PASSWORD)
        rates = {TaxRate.rate.db_value(r.rate): r.id for r in TaxRate.select()}
        owner = User.get(User.username == OWNER)
        first_ids = {
            table: database.execute_sql(
                f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"'
            ).fetchone()[0]
            for table in COLUMNS
        }
        return rates, first_ids, owner.password_hash
    finally:
        system.close()


def _history(sink, rates, first_ids, password_hash, progress: Progress) -> ShopHistory:
    today = datetime.now(ZONE).date()
    return ShopHistory(sink, rates, first_ids, today, password_hash, progress)


def _marker_row() -> tuple[str, str, str, str]:
    now = datetime.now(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
    return (now, now, MARKER, _marker_value())


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_marker(path: Path) -> str | None:
    if not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(path)) as connection:
        try:
            row = connection.execute(
                "SELECT value FROM setting WHERE key = ?", (MARKER,)
            ).fetchone()
        except sqlite3.Error:
            return None
    return row[0] if row else None


def sqlite_shop(progress: Progress) -> tuple[str, float | None]:
    """The cached SQLite store's URL, built first if it is missing or of another version;
    and the seconds the build took (None when the cached store was used)."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"reports-shop-v{GENERATOR_VERSION}-{SALES}.db"
    if os.environ.get("POSTERM_BENCH_REBUILD") != "1" and _sqlite_marker(path) == _marker_value():
        progress(f"reports: SQLite: cached store {path}")
        return f"sqlite:///{path}", None
    for old in folder.glob("reports-shop-v*"):
        old.unlink()
    building = folder / f"reports-shop-v{GENERATOR_VERSION}-{SALES}.building"
    started = time.perf_counter()
    rates, first_ids, password_hash = _init_with_posterm(f"sqlite:///{building}")
    connection = sqlite3.connect(building, isolation_level=None)
    try:
        # A bulk load into a file of our own: no journal, no fsync, no checks on each row.
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("PRAGMA cache_size = -400000")
        connection.execute("BEGIN")
        history = _history(SqliteSink(connection), rates, first_ids, password_hash, progress)
        history.write_master_data()
        marks = ", ".join("?" * len(_BULK_TABLES))
        indexes = connection.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            _BULK_TABLES,
        ).fetchall()
        for name, _sql in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        counts = history.generate()
        progress(f"reports: SQLite: building {len(indexes)} indexes")
        for _name, sql in indexes:
            connection.execute(sql)
        connection.execute(
            "INSERT INTO setting (created_at, updated_at, key, value) VALUES (?, ?, ?, ?)",
            _marker_row(),
        )
        connection.execute("COMMIT")
        progress("reports: SQLite: ANALYZE")
        connection.execute("ANALYZE")
        connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()
    building.rename(path)
    seconds = time.perf_counter() - started
    progress(
        f"reports: SQLite: built in {seconds:.0f} s "
        f"({counts['sale']:,} documents, {counts['sale_line']:,} lines): {path}"
    )
    return f"sqlite:///{path}", seconds


# --- PostgreSQL --------------------------------------------------------------------------------


def _with_schema(base_url: str, schema: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


def _pg_marker(cursor, schema: str) -> str | None:
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    if cursor.fetchone() is None:
        return None
    cursor.execute("SELECT to_regclass(%s)", (f"{schema}.setting",))
    if cursor.fetchone()[0] is None:
        return None
    cursor.execute(f"SELECT value FROM {schema}.setting WHERE key = %s", (MARKER,))
    row = cursor.fetchone()
    return row[0] if row else None


def postgres_shop(base_url: str, progress: Progress) -> tuple[str, float | None]:
    """The cached PostgreSQL schema's URL, built first if it is missing or of another
    version; and the seconds the build took (None when the cached schema was used)."""
    schema = f"{SCHEMA_PREFIX}{GENERATOR_VERSION}_{SALES}"
    building = f"{schema}_building"
    admin = psycopg2.connect(base_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            rebuild = os.environ.get("POSTERM_BENCH_REBUILD") == "1"
            if not rebuild and _pg_marker(cursor, schema) == _marker_value():
                progress(f"reports: PostgreSQL: cached schema {schema}")
                return _with_schema(base_url, schema), None
            cursor.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                (SCHEMA_PREFIX.replace("_", r"\_") + "%",),
            )
            for (old,) in cursor.fetchall():
                cursor.execute(f'DROP SCHEMA "{old}" CASCADE')
            cursor.execute(f'CREATE SCHEMA "{building}"')
    finally:
        admin.close()
    started = time.perf_counter()
    url = _with_schema(base_url, building)
    rates, first_ids, password_hash = _init_with_posterm(url)
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            history = _history(PostgresSink(cursor), rates, first_ids, password_hash, progress)
            # Master data with the triggers on (product_word is kept by them), then the history
            # with foreign-key triggers off: the rows are consistent by construction.
            history.write_master_data()
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s "
                "AND tablename = ANY(%s) AND indexname NOT LIKE '%%_pkey'",
                (building, list(_BULK_TABLES)),
            )
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            counts = history.generate()
            progress(f"reports: PostgreSQL: building {len(indexes)} indexes")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, sql in indexes:
                cursor.execute(sql)
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute(
                "INSERT INTO setting (created_at, updated_at, key, value) VALUES (%s, %s, %s, %s)",
                _marker_row(),
            )
            for table in _ID_TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
                )
        connection.commit()
        connection.autocommit = True
        with connection.cursor() as cursor:
            progress("reports: PostgreSQL: VACUUM ANALYZE")
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (building,))
            for (table,) in cursor.fetchall():  # this schema's tables only: others share the server
                cursor.execute(f'VACUUM ANALYZE "{building}"."{table}"')
            cursor.execute(f'ALTER SCHEMA "{building}" RENAME TO "{schema}"')
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    progress(
        f"reports: PostgreSQL: built in {seconds:.0f} s "
        f"({counts['sale']:,} documents, {counts['sale_line']:,} lines): schema {schema}"
    )
    return _with_schema(base_url, schema), seconds
