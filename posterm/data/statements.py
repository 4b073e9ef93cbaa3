"""Hot-path statements whose SQL text is built once per shape and database.

On a checkout, peewee spent most of its time building the same INSERT and UPDATE text again
(and converting values through its expression tree); these helpers write the text once, keep
it, and convert values with the fields' own db_value/python_value, so the stored values are
exactly what peewee would store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from peewee import Field, Model

from posterm.data.database import is_postgres
from posterm.data.models import database

_SQL: dict[tuple[Any, ...], str] = {}


def _quote(name: str) -> str:
    return f'"{name}"'


def cached_sql(shape: tuple[Any, ...], build: Callable[[], str]) -> str:
    """The SQL text `build()` makes for `shape` on the current database, built once."""
    key = (*shape, is_postgres())
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = build()
    return sql


def query_sql(shape: tuple[Any, ...], build: Callable[[], Any], params: Sequence[Any]) -> str:
    """The SQL text of the peewee query `build()` (built once per shape); `params` must be
    what peewee would pass, in its order: checked whenever the text is built."""

    def text() -> str:
        sql, built = build().sql()
        if list(built) != list(params):
            raise RuntimeError(f"statements: parameters of {shape} are {built}, not {params}")
        return sql

    return cached_sql(("query", *shape), text)


def fetch(sql: str, params: Sequence[Any], fields: Sequence[Field]) -> list[tuple[Any, ...]]:
    """Rows of `sql`, each column converted by its field's python_value."""
    convert = [field.python_value for field in fields]
    return [
        tuple(c(value) for c, value in zip(convert, row, strict=True))
        for row in database.execute_sql(sql, tuple(params)).fetchall()
    ]


class _Converter:
    """A field's db_value, reusing the last result for the very same object: the rows of one
    INSERT share their stamps, sale, user and terminal."""

    __slots__ = ("db_value", "last_in", "last_out")

    def __init__(self, field: Field) -> None:
        self.db_value = field.db_value
        self.last_in: Any = _Converter
        self.last_out: Any = None

    def __call__(self, value: Any) -> Any:
        if value is not self.last_in:
            self.last_in, self.last_out = value, self.db_value(value)
        return self.last_out


def _columns(model: type[Model], given: Sequence[str]) -> list[Field]:
    """The fields an INSERT of `given` writes: those, then any other with a default."""
    meta = model._meta
    fields = [meta.fields[name] for name in given]
    for field in meta.sorted_fields:
        if field.name not in given and field.default is not None and field is not meta.primary_key:
            fields.append(field)
    return fields


def insert_rows(
    model: type[Model], rows: Sequence[Mapping[str, Any]], *, returning: Sequence[Field] = ()
) -> list[tuple[Any, ...]]:
    """One INSERT of `rows` (dicts of field name -> value, all with the same keys); fields
    left out take their defaults. Returns the `returning` columns of each row (in no promised
    order: return a key with them)."""
    if not rows:
        return []
    given = tuple(rows[0])
    fields = _columns(model, given)

    def build() -> str:
        one = "(" + ", ".join([database.param] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {_quote(model._meta.table_name)} "
            f"({', '.join(_quote(f.column_name) for f in fields)}) "
            f"VALUES {', '.join([one] * len(rows))}"
        )
        if returning:
            sql += " RETURNING " + ", ".join(_quote(f.column_name) for f in returning)
        return sql

    sql = cached_sql(("insert", model, given, len(rows), tuple(returning)), build)
    convert = [_Converter(field) for field in fields[: len(given)]]
    defaults = fields[len(given) :]
    fixed = [None if callable(f.default) else f.db_value(f.default) for f in defaults]
    params: list[Any] = []
    for row in rows:
        params += [c(row[name]) for name, c in zip(given, convert, strict=True)]
        params += [
            f.db_value(f.default()) if callable(f.default) else value
            for f, value in zip(defaults, fixed, strict=True)
        ]
    cursor = database.execute_sql(sql, tuple(params))
    if not returning:
        return []
    convert = [field.python_value for field in returning]
    return [tuple(c(v) for c, v in zip(convert, row, strict=True)) for row in cursor.fetchall()]


def update_by_id(model: type[Model], field: Field, values: Mapping[int, Any], **same: Any) -> None:
    """Sets `field` of each row id in `values` to its value (and the `same` fields to one
    value on every row), in one UPDATE."""
    if not values:
        return
    ids = list(values)
    others = [model._meta.fields[name] for name in same]
    pk = _quote(model._meta.primary_key.column_name)

    def build() -> str:
        mark = database.param
        cases = " ".join([f"WHEN {mark} THEN {mark}"] * len(ids))
        sets = [f"{_quote(field.column_name)} = CASE {pk} {cases} END"]
        sets += [f"{_quote(other.column_name)} = {mark}" for other in others]
        return (
            f"UPDATE {_quote(model._meta.table_name)} SET {', '.join(sets)} "
            f"WHERE {pk} IN ({', '.join([mark] * len(ids))})"
        )

    sql = cached_sql(("update", model, field.name, tuple(same), len(ids)), build)
    params: list[Any] = []
    for row_id in ids:
        params += [row_id, field.db_value(values[row_id])]
    params += [other.db_value(same[other.name]) for other in others]
    params += ids
    database.execute_sql(sql, tuple(params))
