"""Named counters, taken under a row lock: gap-free bill numbers and the audit chain's turn."""

from __future__ import annotations

from datetime import date

from posterm.data.database import for_update
from posterm.data.fields import utc_now
from posterm.data.models import Counter, Shift, database
from posterm.data.statements import cached_sql, fetch, query_sql
from posterm.domain.bill_numbers import bill_number, series_for


def lock_counter(name: str) -> Counter:
    """Locks (creating if needed) the counter row until the surrounding transaction ends.

    The caller must be inside a write transaction; on SQLite that transaction already holds
    the database write lock, on PostgreSQL the row is locked with FOR UPDATE.
    """
    Counter.insert(name=name, value=0).on_conflict_ignore().execute()
    return for_update(Counter.select().where(Counter.name == name)).get()


def take_next(name: str) -> int:
    """The next number of the series `name` (1 for the first), inside the caller's transaction.

    One UPDATE ... RETURNING, which also holds the row lock (on PostgreSQL) until the end of
    the caller's transaction; the row is created on the series' first number.
    """
    now = Counter.updated_at.db_value(utc_now())
    sql = cached_sql(
        ("take next",),
        lambda: (
            f'UPDATE "counter" SET "value" = "value" + 1, "updated_at" = {database.param} '
            f'WHERE "name" = {database.param} RETURNING "value"'
        ),
    )
    row = database.execute_sql(sql, (now, name)).fetchone()
    if row is None:
        lock_counter(name)
        row = database.execute_sql(sql, (now, name)).fetchone()
    return row[0]


def take_document_number(number_format: str, day: date) -> tuple[str, int, str]:
    """(series, sequence, number) of the next sale, return or void document of `day`.

    Gap-free: the number is rolled back with the caller's transaction if it fails.
    """
    series = series_for(number_format, day)
    sequence = take_next(f"bill:{series}")
    return series, sequence, bill_number(series, sequence)


def open_shift(terminal: str) -> Shift | None:
    """The till's open shift, which a new document belongs to (None when no shift is open)."""
    params = [terminal, "open", 1]
    sql = query_sql(
        ("open shift",),
        lambda: (
            Shift.select(Shift.id)
            .where((Shift.terminal == terminal) & (Shift.status == "open"))
            .order_by(Shift.id.desc())
            .limit(1)
        ),
        params,
    )
    rows = fetch(sql, params, [Shift.id])
    return Shift(id=rows[0][0]) if rows else None
