"""The data layer on both databases: migrations match the models, money sums exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from peewee import chunked
from playhouse.schema_diff import diff_models

from posterm.data.fields import sum_of
from posterm.data.models import ALL_MODELS, Category, Product, database
from posterm.data.schema import MIGRATIONS_DIR, schema_status
from posterm.domain.errors import SchemaMismatch
from posterm.services import system


def test_migrations_build_exactly_the_models(db_url):
    assert not diff_models(database.obj, ALL_MODELS), "a model changed without a migration"
    status = schema_status(database.obj)
    assert status.is_current and status.applied == (
        "0001_initial",
        "0002_product_words",
        "0003_product_list_order",
    )


def test_money_sums_are_exact(db_url):
    category = Category.create(name="c")
    rows = [
        dict(code=f"p{i}", name="p", search_name="p", price=Decimal("0.10"), category=category)
        for i in range(10_000)
    ] + [
        dict(code=f"big{i}", name="p", search_name="p", price=Decimal("12345678901.2345"))
        for i in range(3)
    ]
    with database.atomic():
        for batch in chunked(rows, 500):
            Product.insert_many(batch).execute()
    total = Product.select(sum_of(Product.price)).scalar()
    assert total == Decimal("37037037703.7035")
    assert isinstance(total, Decimal)


def test_more_than_four_decimals_is_refused_not_rounded(db_url):
    with pytest.raises(ValueError, match="more than 4 decimal places"):
        Product.create(code="x", name="x", search_name="x", price=Decimal("1.00001"))


def test_a_database_from_a_newer_posterm_is_refused(sqlite_url):
    database.execute_sql(
        "INSERT INTO schema_migration (name, applied) VALUES ('9999_future', '2030-01-01')"
    )
    with pytest.raises(SchemaMismatch, match="newer posterm"):
        system.open_store(sqlite_url)


def test_sqlite_is_durable(sqlite_url):
    pragma = {
        name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys")
    }
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


def test_migration_files_are_numbered():
    names = sorted(path.name for path in MIGRATIONS_DIR.glob("[0-9]*.py"))
    assert names[0] == "0001_initial.py"
