"""`posterm backup` and `posterm restore`: a copy of the whole store, and back into an empty one.

Two formats, each carrying a manifest (per-table row count and checksum) that a restore must
match before it commits:
- SQLite copy (`.db`): SQLite's online backup API, safe while tills are selling; the manifest is
  a table `posterm_backup_manifest` inside the copy, so the copy also opens as a store by itself.
- pg_dump (`.pgdump`, PostgreSQL when pg_dump is on the PATH): a tar of pg_dump's custom-format
  data dump and the manifest, both taken from one exported snapshot; restores into PostgreSQL
  (the same schema name) through pg_restore and psql. `tar -xf` gives the plain pg_dump archive.
- Portable (`.jsonl.gz`): gzip'd JSON lines of every table in ALL_MODELS order, values as
  stored (money and quantities as their scaled integers, so nothing is rounded), read in one
  snapshot. It restores into either kind of database, whatever kind it came from.

A restore reads the two other formats row by row into an empty, migrated database in one
transaction: a bad or truncated file, or a checksum that differs, rolls it all back.
`product_word` is not copied (triggers on `product` rebuild it) but its count and checksum are
still verified.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from peewee import (
    DataError,
    DateField,
    DateTimeField,
    Field,
    IntegrityError,
    Model,
    UUIDField,
    chunked,
)

from posterm import __version__, paths
from posterm.data.database import is_postgres
from posterm.data.fields import ScaledDecimalField
from posterm.data.models import ALL_MODELS, ProductWord, database
from posterm.data.schema import schema_status
from posterm.domain.errors import Conflict, ValidationError
from posterm.domain.permissions import Actor, Permission

FORMAT_VERSION = 1
SQLITE_FORMAT = "sqlite"
PORTABLE_FORMAT = "portable"
PGDUMP_FORMAT = "pg_dump"
EXTENSIONS = {SQLITE_FORMAT: "db", PORTABLE_FORMAT: "jsonl.gz", PGDUMP_FORMAT: "pgdump"}
_PGDUMP_MEMBERS = ("manifest.json", "data.dump")
MANIFEST_TABLE = "posterm_backup_manifest"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GZIP_MAGIC = b"\x1f\x8b"
_DERIVED = (ProductWord,)  # kept by triggers: verified, never inserted
_MAX_PARAMETERS = 900  # well under SQLite's and psycopg2's limits per statement

# progress(table, rows, done_tables, total_tables), called after each table
Progress = Callable[[str, int, int, int], None]


@dataclass(frozen=True)
class TableSum:
    table: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class BackupResult:
    path: Path
    format: str
    schema: str
    tables: tuple[TableSum, ...]

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def default_backup_path(fmt: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return paths.data_dir() / "backups" / f"posterm-{stamp}.{EXTENSIONS[fmt]}"


def choose_format(portable: bool) -> str:
    if portable:
        return PORTABLE_FORMAT
    if is_postgres():
        return PGDUMP_FORMAT if shutil.which("pg_dump") else PORTABLE_FORMAT
    return SQLITE_FORMAT


# --- values as stored, in a form JSON keeps exactly


def _columns(model: type[Model]) -> list[Field]:
    return list(model._meta.sorted_fields)


def _to_stored(field: Field, value: Any) -> Any:
    """The ORM's Python value as JSON: money as its integer, times as naive-UTC ISO text."""
    if value is None:
        return None
    if isinstance(field, ScaledDecimalField):
        return field.db_value(value)
    if isinstance(field, DateTimeField):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(field, DateField):
        return value.isoformat()
    if isinstance(field, UUIDField):
        return str(value)
    return value


def _from_stored(field: Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, DateTimeField):
        return datetime.fromisoformat(value)
    if isinstance(field, DateField):
        return date.fromisoformat(value)
    if isinstance(field, UUIDField):
        return UUID(value)
    return value


def _row_digest(row: list[Any]) -> int:
    encoded = json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode()
    return int.from_bytes(hashlib.sha256(encoded).digest()[:16], "big")


class _Summer:
    """Row count and an order-free checksum (the sum of row hashes), so collation cannot matter."""

    def __init__(self, table: str) -> None:
        self.table, self.rows, self.total = table, 0, 0

    def add(self, row: list[Any]) -> None:
        self.rows += 1
        self.total = (self.total + _row_digest(row)) % (1 << 128)

    def result(self) -> TableSum:
        return TableSum(self.table, self.rows, f"{self.total:032x}")


def _orm_rows(model: type[Model]) -> Iterator[list[Any]]:
    """Every row of `model` in the bound database, as stored values."""
    columns = _columns(model)
    query = model.select(*columns).order_by(*[c for c in columns if c.primary_key] or columns)
    for row in query.tuples().iterator():
        yield [_to_stored(column, value) for column, value in zip(columns, row, strict=True)]


def _table_sums() -> list[TableSum]:
    sums = []
    for model in ALL_MODELS:
        summer = _Summer(model._meta.table_name)
        for row in _orm_rows(model):
            summer.add(row)
        sums.append(summer.result())
    return sums


def _manifest(sums: Iterable[TableSum]) -> dict[str, dict[str, Any]]:
    return {s.table: {"rows": s.rows, "checksum": s.checksum} for s in sums}


def _schema_version() -> list[str]:
    return list(schema_status(database.obj).applied)


# --- backup


def backup(
    path: Path | None = None,
    *,
    actor: Actor,
    portable: bool = False,
    progress: Progress | None = None,
    url: str = "",
) -> BackupResult:
    """Writes a backup of the bound database to `path` (default: the data dir's backups/)."""
    actor.require(Permission.BACKUP_RESTORE)  # a backup holds every customer and password hash
    fmt = choose_format(portable)
    if fmt == PGDUMP_FORMAT and not url:
        fmt = PORTABLE_FORMAT  # pg_dump needs the URL to connect by itself
    target = Path(path) if path else default_backup_path(fmt)
    if target.exists():
        raise Conflict(f"{target} already exists; name a new file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError("file", f"cannot create {target.parent}: {exc.strerror}") from None
    report = progress or (lambda *_args: None)
    partial = target.with_name(target.name + ".part")
    try:
        if fmt == SQLITE_FORMAT:
            sums, schema = _sqlite_copy(partial, report)
        elif fmt == PGDUMP_FORMAT:
            sums, schema = _pg_dump(url, partial, report)
        else:
            sums, schema = _portable_export(partial, report)
        partial.replace(target)
    except OSError as exc:
        raise ValidationError("file", f"cannot write {target}: {exc.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, fmt, schema[-1] if schema else "empty", tuple(sums))


def _sqlite_copy(partial: Path, report: Progress) -> tuple[list[TableSum], list[str]]:
    schema = _schema_version()
    source = database.obj.database  # the file name of the bound SqliteDatabase
    live, copy = sqlite3.connect(source), sqlite3.connect(partial)
    try:
        live.backup(copy)  # page by page; tills keep writing meanwhile
    finally:
        live.close()
        copy.close()
    copy = sqlite3.connect(partial)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        sums = []
        for index, model in enumerate(ALL_MODELS, 1):
            summer = _Summer(model._meta.table_name)
            for row in _sqlite_rows(copy, model):
                summer.add(row)
            sums.append(summer.result())
            report(summer.table, summer.rows, index, len(ALL_MODELS))
        copy.execute(f"CREATE TABLE {MANIFEST_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        header = _header(SQLITE_FORMAT, schema)
        copy.executemany(
            f"INSERT INTO {MANIFEST_TABLE} VALUES (?, ?)",
            [("header", json.dumps(header)), ("manifest", json.dumps(_manifest(sums)))],
        )
        copy.commit()
    finally:
        copy.close()
    return sums, schema


def _sqlite_rows(connection: sqlite3.Connection, model: type[Model]) -> Iterator[list[Any]]:
    """Rows of a SQLite file read without the ORM, converted the way the ORM would read them."""
    columns = _columns(model)
    names = ", ".join(f'"{c.column_name}"' for c in columns)
    keys = ", ".join(f'"{c.column_name}"' for c in columns if c.primary_key) or names
    cursor = connection.execute(f'SELECT {names} FROM "{model._meta.table_name}" ORDER BY {keys}')
    for row in cursor:
        yield [
            _to_stored(column, column.python_value(value))
            for column, value in zip(columns, row, strict=True)
        ]


def _header(fmt: str, schema: list[str]) -> dict[str, Any]:
    return {
        "posterm_backup": FORMAT_VERSION,
        "format": fmt,
        "posterm": __version__,
        "source": "PostgreSQL" if is_postgres() else "SQLite",
        "schema": schema,
        "created_at": datetime.now(UTC).isoformat(),
    }


def _portable_export(partial: Path, report: Progress) -> tuple[list[TableSum], list[str]]:
    sums: list[TableSum] = []
    with database.atomic():
        if is_postgres():  # one snapshot for every table, while tills go on selling
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        schema = _schema_version()
        with gzip.open(partial, "wt", encoding="utf-8") as out:
            out.write(json.dumps(_header(PORTABLE_FORMAT, schema)) + "\n")
            for index, model in enumerate(ALL_MODELS, 1):
                columns = _columns(model)
                summer = _Summer(model._meta.table_name)
                derived = model in _DERIVED
                out.write(
                    json.dumps(
                        {
                            "table": summer.table,
                            "columns": [c.column_name for c in columns],
                            "derived": derived,
                        }
                    )
                    + "\n"
                )
                for row in _orm_rows(model):
                    summer.add(row)
                    if not derived:
                        out.write(json.dumps(row, separators=(",", ":"), ensure_ascii=False))
                        out.write("\n")
                sums.append(summer.result())
                report(summer.table, summer.rows, index, len(ALL_MODELS))
            out.write(json.dumps({"manifest": _manifest(sums)}) + "\n")
    return sums, schema


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A connection URI for pg_dump/pg_restore without the password, which goes in PGPASSWORD."""
    parsed = urlparse(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    user = f"{parsed.username}@" if parsed.username else ""
    netloc = f"{user}{parsed.hostname or '127.0.0.1'}:{parsed.port or 5432}"
    return parsed._replace(scheme="postgresql", netloc=netloc).geturl(), env


def _run_pg_tool(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or ["no message"]
        raise ValidationError(
            "pg_dump", f"{command[0]} failed: {lines[-1].strip()} (or use --portable)"
        )


def _our_tables() -> list[str]:
    return [m._meta.table_name for m in ALL_MODELS if m not in _DERIVED]


def _pg_dump(url: str, partial: Path, report: Progress) -> tuple[list[TableSum], list[str]]:
    uri, env = _libpq(url)
    with database.atomic():
        # The manifest and pg_dump read one snapshot, exported by this transaction.
        database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = database.execute_sql("SELECT pg_export_snapshot()").fetchone()[0]
        schema_name = database.execute_sql("SELECT current_schema()").fetchone()[0]
        schema = _schema_version()
        sums = []
        for index, model in enumerate(ALL_MODELS, 1):
            summer = _Summer(model._meta.table_name)
            for row in _orm_rows(model):
                summer.add(row)
            sums.append(summer.result())
            report(summer.table, summer.rows, index, len(ALL_MODELS))
        with tempfile.TemporaryDirectory() as work:
            dump = Path(work) / "data.dump"
            command = ["pg_dump", "--format=custom", "--data-only", f"--snapshot={snapshot}"]
            command += [f"--table={schema_name}.{table}" for table in _our_tables()]
            _run_pg_tool([*command, f"--file={dump}", f"--dbname={uri}"], env)
            header = _header(PGDUMP_FORMAT, schema) | {"pg_schema": schema_name}
            manifest = json.dumps({"header": header, "manifest": _manifest(sums)}).encode()
            with tarfile.open(partial, "w") as archive:
                info = tarfile.TarInfo(_PGDUMP_MEMBERS[0])
                info.size = len(manifest)
                archive.addfile(info, io.BytesIO(manifest))
                archive.add(dump, arcname=_PGDUMP_MEMBERS[1])
    return sums, schema


# --- restore


class _BadBackup(Exception):
    """The file is not a complete posterm backup; the message says what is wrong."""


def restore(
    path: Path, *, actor: Actor, progress: Progress | None = None, url: str = ""
) -> BackupResult:
    """Loads a backup into the bound database, which must be empty and at the backup's schema.

    Verifies every table's row count and checksum against the backup's manifest before it
    commits; anything wrong leaves the database as it was and raises with one line.
    """
    actor.require(Permission.BACKUP_RESTORE)
    path = Path(path)
    report = progress or (lambda *_args: None)
    fmt = backup_format(path)
    if fmt == PGDUMP_FORMAT and is_postgres() and not url:
        raise ValidationError("file", "restoring a pg_dump backup needs the database URL")
    if fmt == PGDUMP_FORMAT:
        return _restore_pg_dump(path, url, report)
    try:
        with database.atomic():
            _refuse_non_empty()
            if fmt == SQLITE_FORMAT:
                header, manifest = _load_sqlite(path, report)
            else:
                header, manifest = _load_portable(path, report)
            sums = _verify(manifest)
    except (IntegrityError, DataError) as exc:
        reason = " ".join(str(exc).split())[:160]
        raise ValidationError("file", f"{path}: its rows do not fit ({reason})") from None
    except _BadBackup as problem:
        raise ValidationError("file", f"{path} is not a usable posterm backup: {problem}") from None
    schema = header["schema"]
    return BackupResult(path, fmt, schema[-1] if schema else "empty", tuple(sums))


def backup_format(path: Path) -> str:
    """SQLITE_FORMAT or PORTABLE_FORMAT, by the file's first bytes; refuses anything else."""
    try:
        with path.open("rb") as stream:
            start = stream.read(16)
    except OSError as exc:
        raise ValidationError("file", f"cannot read {path}: {exc.strerror}") from None
    if start.startswith(_GZIP_MAGIC):
        return PORTABLE_FORMAT
    if start == _SQLITE_MAGIC:
        return SQLITE_FORMAT
    if tarfile.is_tarfile(path):
        return PGDUMP_FORMAT
    raise ValidationError("file", f"{path} is not a posterm backup (.db, .jsonl.gz or .pgdump)")


def _refuse_non_empty() -> None:
    for model in ALL_MODELS:
        if model.select().limit(1).exists():
            raise Conflict(
                f"this database already holds data (table {model._meta.table_name}); "
                "restore only into a new, empty database"
            )


def _check_header(header: Any, fmt: str) -> None:
    if not isinstance(header, dict) or header.get("posterm_backup") != FORMAT_VERSION:
        raise _BadBackup("no posterm backup header")
    if header.get("format") != fmt:
        raise _BadBackup(f"header says {header.get('format')}, file is {fmt}")
    ours = _schema_version()
    if header.get("schema") != ours:
        theirs = (header.get("schema") or ["empty"])[-1]
        raise Conflict(
            f"the backup is at schema {theirs}, this database at "
            f"{ours[-1] if ours else 'empty'}; restore with the posterm that made it"
        )


def _insert(model: type[Model], rows: Iterable[list[Any]]) -> int:
    columns = _columns(model)
    count = 0
    size = max(1, _MAX_PARAMETERS // len(columns))
    for batch in chunked(rows, size):
        values = [
            [_from_stored(column, value) for column, value in zip(columns, row, strict=True)]
            for row in batch
        ]
        model.insert_many(values, fields=columns).as_rowcount().execute()
        count += len(values)
    return count


def _prepare_target() -> None:
    if not is_postgres():
        # rows go in table by table; a self-reference or a later table may point ahead
        database.execute_sql("PRAGMA defer_foreign_keys = ON")


def _reset_sequences() -> None:
    """PostgreSQL hands out ids from sequences that inserts with explicit ids do not move."""
    if not is_postgres():
        return
    for model in ALL_MODELS:
        if model in _DERIVED:
            continue
        table = model._meta.table_name
        database.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{table}"'
        )


def _load_sqlite(path: Path, report: Progress) -> tuple[dict, dict]:
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _BadBackup(str(exc)) from None
    try:
        stored = dict(source.execute(f"SELECT key, value FROM {MANIFEST_TABLE}").fetchall())
        header, manifest = json.loads(stored["header"]), json.loads(stored["manifest"])
        _check_header(header, SQLITE_FORMAT)
        _prepare_target()
        for index, model in enumerate(ALL_MODELS, 1):
            if model in _DERIVED:
                rows = model.select().count()
            else:
                rows = _insert(model, _sqlite_rows(source, model))
            report(model._meta.table_name, rows, index, len(ALL_MODELS))
        _reset_sequences()
    except (sqlite3.Error, KeyError, ValueError, TypeError) as exc:
        raise _BadBackup(f"{type(exc).__name__}: {exc}") from None
    finally:
        source.close()
    return header, manifest


def _load_portable(path: Path, report: Progress) -> tuple[dict, dict]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            lines = (json.loads(line) for line in stream)
            header = next(lines, None)
            _check_header(header, PORTABLE_FORMAT)
            _prepare_target()
            manifest = _load_tables(lines, report)
            _reset_sequences()
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise _BadBackup(f"damaged or cut short ({type(exc).__name__}: {exc})") from None
    return header, manifest


def _load_tables(lines: Iterator[Any], report: Progress) -> dict:
    by_table = {model._meta.table_name: model for model in ALL_MODELS}
    pending: list[Any] = []
    for index, model in enumerate(ALL_MODELS, 1):
        table = model._meta.table_name
        start = pending.pop() if pending else next(lines, None)
        if not isinstance(start, dict) or start.get("table") != table:
            raise _BadBackup(f"expected table {table}, found {str(start)[:60]}")
        columns = [c.column_name for c in _columns(by_table[table])]
        if start.get("columns") != columns:
            raise _BadBackup(f"table {table} has other columns than this posterm's")

        def rows() -> Iterator[list[Any]]:
            for line in lines:
                if isinstance(line, dict):  # the next table's start, or the manifest
                    pending.append(line)
                    return
                yield line

        if model in _DERIVED:
            for _ in rows():
                pass
            count = model.select().count()  # rebuilt by the triggers on product
        else:
            count = _insert(model, rows())
        report(table, count, index, len(ALL_MODELS))
    end = pending.pop() if pending else next(lines, None)
    if not isinstance(end, dict) or not isinstance(end.get("manifest"), dict):
        raise _BadBackup("cut short: no manifest at the end")
    return end["manifest"]


def _restore_pg_dump(path: Path, url: str, report: Progress) -> BackupResult:
    if not is_postgres():
        raise ValidationError("file", f"{path} is a pg_dump backup: restore it into PostgreSQL")
    if not (shutil.which("pg_restore") and shutil.which("psql")):
        raise ValidationError("file", "restoring a pg_dump backup needs pg_restore and psql")
    with tempfile.TemporaryDirectory() as work:
        try:
            with tarfile.open(path) as archive:
                names = archive.getnames()
                if tuple(names) != _PGDUMP_MEMBERS:
                    raise _BadBackup(f"holds {', '.join(names) or 'nothing'}")
                archive.extractall(work, filter="data")
            stored = json.loads((Path(work) / _PGDUMP_MEMBERS[0]).read_text(encoding="utf-8"))
            header, manifest = stored["header"], stored["manifest"]
            _check_header(header, PGDUMP_FORMAT)
        except (_BadBackup, OSError, tarfile.TarError, ValueError, KeyError, TypeError) as exc:
            raise ValidationError("file", f"{path} is not a usable posterm backup: {exc}") from None
        here = database.execute_sql("SELECT current_schema()").fetchone()[0]
        if header.get("pg_schema") != here:
            raise Conflict(
                f"this pg_dump backup is of schema {header.get('pg_schema')}, the database's is "
                f"{here}; restore it there, or make a --portable backup"
            )
        _refuse_non_empty()
        uri, env = _libpq(url)
        report("pg_restore", 0, 0, len(ALL_MODELS))
        script = Path(work) / "data.sql"
        _run_pg_tool(
            ["pg_restore", "--data-only", f"--file={script}", str(Path(work) / _PGDUMP_MEMBERS[1])],
            env,
        )
        _search_path_for_triggers(script, here)
        _run_pg_tool(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                f"--file={script}",
                f"--dbname={uri}",
            ],
            env,
        )
    try:
        with database.atomic():
            _reset_sequences()
            sums = _verify(manifest)
    except _BadBackup as problem:
        _empty_again()
        raise ValidationError("file", f"{path}: restored rows differ, undone: {problem}") from None
    for index, found in enumerate(sums, 1):
        report(found.table, found.rows, index, len(sums))
    schema = header["schema"]
    return BackupResult(path, PGDUMP_FORMAT, schema[-1] if schema else "empty", tuple(sums))


def _search_path_for_triggers(script: Path, schema_name: str) -> None:
    """pg_restore's script empties search_path, where the product_word trigger finds nothing."""
    emptied = "SELECT pg_catalog.set_config('search_path', '', false);\n"
    ours = f"SELECT pg_catalog.set_config('search_path', '\"{schema_name}\"', false);\n"
    fixed = script.with_suffix(".fixed")
    with script.open(encoding="utf-8") as source, fixed.open("w", encoding="utf-8") as out:
        for line in source:
            out.write(ours if line == emptied else line)
    fixed.replace(script)


def _empty_again() -> None:
    """pg_restore committed on its own connection; the database was empty before, so empty it."""
    tables = ", ".join(f'"{model._meta.table_name}"' for model in ALL_MODELS)
    database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _verify(manifest: dict) -> list[TableSum]:
    sums = _table_sums()
    for found in sums:
        expected = manifest.get(found.table)
        if not isinstance(expected, dict):
            raise _BadBackup(f"the manifest has no entry for {found.table}")
        if expected.get("rows") != found.rows or expected.get("checksum") != found.checksum:
            raise _BadBackup(
                f"table {found.table}: {found.rows} rows restored, checksum {found.checksum[:12]}; "
                f"the backup recorded {expected.get('rows')} rows, "
                f"checksum {str(expected.get('checksum'))[:12]}"
            )
    return sums
