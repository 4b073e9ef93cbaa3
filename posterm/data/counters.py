"""Named counters, taken under a row lock: gap-free bill numbers and the audit chain's turn."""

from __future__ import annotations

from posterm.data.database import for_update
from posterm.data.fields import utc_now
from posterm.data.models import Counter


def lock_counter(name: str) -> Counter:
    """Locks (creating if needed) the counter row until the surrounding transaction ends.

    The caller must be inside a write transaction; on SQLite that transaction already holds
    the database write lock, on PostgreSQL the row is locked with FOR UPDATE.
    """
    Counter.insert(name=name, value=0).on_conflict_ignore().execute()
    return for_update(Counter.select().where(Counter.name == name)).get()


def take_next(name: str) -> int:
    """The next number of the series `name` (1 for the first), inside the caller's transaction."""
    counter = lock_counter(name)
    counter.value += 1
    Counter.update(value=counter.value, updated_at=utc_now()).where(
        Counter.id == counter.id
    ).execute()
    return counter.value
