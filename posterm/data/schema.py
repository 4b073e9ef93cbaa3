"""Schema version and upgrades, run by peewee's `playhouse.migrations` runner.

The version is the list of applied migration files. A database that has applied a migration
this program does not ship was upgraded by a newer posterm, and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from peewee import Database, ProgrammingError
from playhouse.migrations import Runner

from posterm.data.database import is_postgres
from posterm.domain.errors import SchemaMismatch

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant will do: it only has to be the same for every till upgrading this database.
_UPGRADE_LOCK_KEY = 0x706F737465726D


@dataclass(frozen=True)
class SchemaStatus:
    applied: tuple[str, ...]
    pending: tuple[str, ...]
    unknown: tuple[str, ...]  # applied here, but shipped only by a newer posterm

    @property
    def version(self) -> str:
        return self.applied[-1] if self.applied else "empty"

    @property
    def is_current(self) -> bool:
        return not self.pending and not self.unknown


def _runner(db: Database) -> Runner:
    return Runner(db, directory=str(MIGRATIONS_DIR))


def schema_status(db: Database) -> SchemaStatus:
    rows = _runner(db).status()
    return SchemaStatus(
        applied=tuple(m.name for m in rows if m.applied and m.path),
        pending=tuple(m.name for m in rows if not m.applied),
        unknown=tuple(m.name for m in rows if m.applied and not m.path),
    )


def refuse_newer(status: SchemaStatus) -> None:
    if status.unknown:
        raise SchemaMismatch(
            f"this database was upgraded by a newer posterm (migration {status.unknown[0]} "
            "is unknown here); install that version to use it"
        )


def upgrade(db: Database) -> list[str]:
    """Applies pending migrations in order; returns their names. Safe with several tills."""
    postgres = is_postgres(db)
    if postgres:
        db.execute_sql("SELECT pg_advisory_lock(%s)", (_UPGRADE_LOCK_KEY,))
    try:
        status = schema_status(db)
        refuse_newer(status)
        if not status.pending:
            return []
        try:
            return _runner(db).up()
        except ProgrammingError as exc:
            if "permission denied" not in str(exc) and "must be owner" not in str(exc):
                raise
            # A till's least-privilege login (`posterm db grant`) may not change tables.
            raise SchemaMismatch(
                f"this database needs upgrading ({status.pending[0]} is pending) and this "
                "login may not change its tables: run `posterm db upgrade` as the owner of "
                "posterm's tables, then `posterm db grant`"
            ) from None
    finally:
        if postgres:
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (_UPGRADE_LOCK_KEY,))
