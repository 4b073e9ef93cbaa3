"""Exact numeric, UTC time and text columns.

Money and quantities are stored as integers of a fixed fraction (1/10000 of the currency unit,
1/1000 of a unit of measure), so SQL SUM() is exact on SQLite and PostgreSQL alike; peewee's
DecimalField is REAL on SQLite and would drift.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import peewee
from peewee import BigIntegerField, DateTimeField, fn

from posterm.domain.errors import ValidationError
from posterm.domain.money import MONEY_PLACES, QUANTITY_PLACES


class ScaledDecimalField(BigIntegerField):
    """A Decimal with a fixed number of places, stored as a scaled integer."""

    places = 4

    def db_value(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        scaled = number.scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{self.name}: {number} has more than {self.places} decimal places")
        return int(scaled)

    def python_value(self, value: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.places)


class MoneyField(ScaledDecimalField):
    places = MONEY_PLACES


class QuantityField(ScaledDecimalField):
    places = QUANTITY_PLACES


class RateField(ScaledDecimalField):
    """A percentage such as a tax rate (18.0000 %), at four places."""

    places = 4


class UtcDateTimeField(DateTimeField):
    """Stores naive UTC in the database; hands back aware UTC datetimes."""

    def db_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value: Any) -> Any:
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _refuse_nul(field: peewee.Field, value: Any) -> None:
    # PostgreSQL cannot store a NUL character in text (psycopg2 raises a bare ValueError) and
    # no one means one; refused on both engines alike, before anything is written.
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(field.name, "contains a NUL character, which cannot be stored")


class CharField(peewee.CharField):
    """peewee's CharField, refusing text with a NUL character with a ValidationError."""

    def db_value(self, value: Any) -> Any:
        _refuse_nul(self, value)
        return super().db_value(value)


class TextField(peewee.TextField):
    """peewee's TextField, refusing text with a NUL character with a ValidationError."""

    def db_value(self, value: Any) -> Any:
        _refuse_nul(self, value)
        return super().db_value(value)


def utc_now() -> datetime:
    return datetime.now(UTC)


def sum_of(field: ScaledDecimalField) -> Any:
    """SUM(field) as an exact Decimal (0 when there are no rows), for use in a select."""
    return scaled(fn.SUM(field), field)


def scaled(expression: Any, like: ScaledDecimalField) -> Any:
    """An SQL expression over scaled columns, read back as a Decimal the way `like` is.

    peewee converts selected fields but not aggregates or arithmetic, which come back as
    raw integers (or unscaled numerics on PostgreSQL).
    """
    return fn.COALESCE(expression, 0).python_value(like.python_value)
