"""Importing a products CSV of PRODUCTS rows (300,000; POSTERM_BENCH_PRODUCTS overrides it).

posterm: `csv_files.import_products` on a new store, the whole job: decoding and checking every
row, looking up codes and barcodes, creating the categories, writing products and their opening
stock movements in one transaction.
floor: the same products and movements written by raw SQL on the same database, with the rows
already built as tuples (no file, no checks): one executemany of the products in one
transaction, then one INSERT ... SELECT of their movements.

Both write into the same schema, triggers (the product_word search index) included, so the
ratio is what the checks, the batching and peewee cost on top of the database's own work.
Each side runs min(runs, 3) times on a fresh store; medians are reported.

Measured on the shared 2-core machine (busy with other work), 300k products, medians of 3:
SQLite 54.1 s against 23.7 s of raw SQL (2.28x); PostgreSQL 137.7 s against 77.1 s (1.79x).
Most of the floor is the database's own work (the product_word triggers, the indexes).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from stores import postgres_store, sqlite_store

from posterm.data.database import is_postgres
from posterm.data.fields import utc_now
from posterm.data.models import Category, Product, StockMovement, TaxRate, User, database
from posterm.domain.permissions import Actor, Role, command_line_actor
from posterm.domain.products import search_key
from posterm.services import csv_files, system
from posterm.services.store import init_store

PRODUCTS_ENV = "POSTERM_BENCH_PRODUCTS"
DEFAULT_PRODUCTS = 300_000
TARGET_RATIO = 10.0  # an import may cost at most ten raw bulk inserts
_CATEGORIES = [f"Category {n:02d}" for n in range(20)]
_UNITS = ("pcs", "kg")
_RATES = ("0", "5", "12", "18")

Figures = dict[str, Any]


def product_count() -> int:
    text = os.environ.get(PRODUCTS_ENV, "").replace("_", "").strip()
    return int(text) if text else DEFAULT_PRODUCTS


def _rows(count: int) -> list[tuple]:
    """(code, name, barcode, category, unit, price, cost, rate, hsn, stock, min, by_weight)."""
    rows = []
    for n in range(count):
        unit = _UNITS[n % 7 == 0]
        rows.append(
            (
                f"B{n:07d}",
                f"Brand{n % 997} Item {n} {('Small', 'Large', 'Family')[n % 3]} Pack",
                f"2{n:011d}",
                _CATEGORIES[n % len(_CATEGORIES)],
                unit,
                Decimal(10 + n % 990) + Decimal("0.50"),
                Decimal(8 + n % 900),
                Decimal(_RATES[n % 4]),
                f"{1000 + n % 9000}",
                Decimal(n % 50),
                Decimal(5),
                unit == "kg",
            )
        )
    return rows


def _csv(rows: list[tuple]) -> bytes:
    lines = [
        "code,name,barcode,category,unit,price,cost,tax_rate,hsn,stock,min_stock,sold_by_weight"
    ]
    for code, name, barcode, category, unit, price, cost, rate, hsn, stock, low, weight in rows:
        lines.append(
            f"{code},{name},{barcode},{category},{unit},{price},{cost},{rate},{hsn},{stock},"
            f"{low},{'yes' if weight else 'no'}"
        )
    return ("\n".join(lines) + "\n").encode()


def _new_store(url: str) -> Actor:
    system.open_store(url)
    init_store(command_line_actor("bench", "bench"), "Bench", "owner", "benchpass1", None)
    owner = User.get(User.username == "owner")
    return Actor(owner.id, "owner", Role.OWNER, "bench")


def _time_import(url: str, data: bytes) -> float:
    actor = _new_store(url)
    try:
        started = time.perf_counter()
        report = csv_files.import_products(actor, data)
        elapsed = time.perf_counter() - started
        if not report.ok:
            raise RuntimeError(f"import refused the benchmark file: {report.errors[:3]}")
        return elapsed
    finally:
        system.close()


def _time_raw(url: str, rows: list[tuple]) -> float:
    actor = _new_store(url)
    try:
        categories = {name: Category.create(name=name).id for name in _CATEGORIES}
        rates = {row.rate: row.id for row in TaxRate.select()}
        now = Product.created_at.db_value(utc_now())
        marker = "%s" if is_postgres() else "?"
        columns = (
            "created_at, updated_at, status, code, name, search_name, barcode, category_id, "
            "tax_rate_id, hsn_code, unit, sold_by_weight, price, cost, stock, min_stock, "
            "reorder_qty, track_expiry"
        )
        one = f"({', '.join([marker] * 18)})"
        tuples = [
            (
                now,
                now,
                "active",
                code,
                name,
                search_key(name, code),
                barcode,
                categories[category],
                rates[rate],
                hsn,
                unit,
                weight,
                int(price * 10000),
                int(cost * 10000),
                int(stock * 1000),
                int(low * 1000),
                0,
                False,
            )
            for (
                code,
                name,
                barcode,
                category,
                unit,
                price,
                cost,
                rate,
                hsn,
                stock,
                low,
                weight,
            ) in (rows)
        ]
        started = time.perf_counter()
        with database.atomic():
            # Multi-row VALUES of 500 rows: the fastest plain SQL on both databases (psycopg2's
            # executemany is a round trip per row).
            for start in range(0, len(tuples), 500):
                batch = tuples[start : start + 500]
                database.execute_sql(
                    f"INSERT INTO product ({columns}) VALUES " + ", ".join([one] * len(batch)),
                    [value for row in batch for value in row],
                )
            database.execute_sql(
                "INSERT INTO stock_movement (created_at, updated_at, product_id, kind, quantity, "
                "stock_after, unit_cost, reason, note, user_id, terminal) "
                f"SELECT {marker}, {marker}, id, 'opening', stock, stock, cost, '', '', {marker}, "
                f"'bench' FROM product WHERE stock <> 0",
                (now, now, actor.user_id),
            )
        elapsed = time.perf_counter() - started
        if Product.select().count() != len(rows) or not StockMovement.select().exists():
            raise RuntimeError("the raw insert did not write every row")
        return elapsed
    finally:
        system.close()


def bench_database(
    fresh: Callable[[], Any], rows: list[tuple], data: bytes, runs: int, progress
) -> Figures:
    imports, raws = [], []
    for n in range(min(runs, 3)):
        with fresh() as url:
            raws.append(_time_raw(url, rows))
        with fresh() as url:
            imports.append(_time_import(url, data))
        progress(f"run {n + 1}: import {imports[-1]:.1f} s, raw SQL {raws[-1]:.1f} s")
    posterm, floor = statistics.median(imports), statistics.median(raws)
    return {
        "posterm_s": posterm,
        "floor_s": floor,
        "ratio": posterm / floor,
        "rows_per_s": len(rows) / posterm,
        "runs": {"import_s": imports, "raw_s": raws},
        "met": posterm / floor <= TARGET_RATIO,
    }


def run_csv_import(runs: int, progress: Callable[[str], None] = lambda _: None) -> Figures:
    count = product_count()
    rows = _rows(count)
    data = _csv(rows)
    figures: Figures = {"products": count, "megabytes": len(data) / 1e6, "databases": {}}
    progress(f"SQLite: {count} products, {len(data) / 1e6:.1f} MB of CSV")
    figures["databases"]["SQLite"] = bench_database(
        lambda: sqlite_store("posterm-bench-import-"), rows, data, runs, progress
    )
    pg_url = os.environ.get("POSTERM_TEST_PG", "")
    if pg_url:
        progress("PostgreSQL")
        figures["databases"]["PostgreSQL"] = bench_database(
            lambda: postgres_store(pg_url, "bench_import"), rows, data, runs, progress
        )
    return figures


def csv_import_rows(figures: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    thousands = f"{figures['products'] // 1000}k"
    rows = []
    for kind, data in figures["databases"].items():
        rows.append(
            (
                f"{kind}: import {thousands} products",
                f"{data['posterm_s']:.1f} s",
                f"{data['floor_s']:.1f} s",
                f"{data['ratio']:.2f}",
                f"<= {TARGET_RATIO:g}x raw SQL" + ("" if data["met"] else "  MISSED"),
            )
        )
        rows.append((f"{kind}:   rows per second", f"{data['rows_per_s']:,.0f}", "", "", ""))
    return rows
