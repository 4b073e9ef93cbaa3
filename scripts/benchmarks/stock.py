"""Stock screen benchmark: list pages and search at 300,000 products, and the screen's memory.

The catalogue is the catalog benchmark's (`catalog.generate`: PRODUCTS products, 300,000 unless
POSTERM_BENCH_PRODUCTS says otherwise) in a temporary SQLite store made by posterm itself, and
in PostgreSQL too when POSTERM_TEST_PG names a server. Then, alternating each call with its
floor on the same connection:

- list page: `product_list.list_products` (a page of 50, active products) sorted by name, by stock
  and by price, each from the first page and from a page in the middle (the keyset of a random
  product), against a raw `SELECT * FROM product WHERE <sort column> > ? ORDER BY <sort
  column> LIMIT 50` (the least any keyset page can do);
- search: `product_list.list_products` with typed text, a page of 25 as the screen reads (2-4
  letters of a word of the names, as the catalog benchmark draws them), against the raw
  prefix range of search_name;
- for information, filters that thin the list out (sold by weight: no product is, so the
  whole table is read in name order), with no target.

Memory: a fresh process opens the real app headless at 80x24, logs in, opens the stock screen
and pages down through 10 pages (500 rows); its resident set (VmRSS) is read then, with a store
of MIN_PRODUCTS (1,000) and of the full count. The target is "flat": the ratio of the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from catalog import MIN_PRODUCTS, SEED, generate, prefixes, product_count
from startup import BenchmarkError
from stores import postgres_store, sqlite_store

from posterm.data.models import Product, database
from posterm.domain.catalog_records import PageCursor, ProductFilter
from posterm.domain.permissions import command_line_actor
from posterm.domain.products import next_prefix
from posterm.services import catalog, product_list, system
from posterm.services.store import init_store

PAGE = 50
SEARCH_PAGE = 25  # the stock screen reads a screenful per keystroke (ui/screens/stock.py)
PAGES = 600  # timed list pages per sort (half first pages, half from the middle)
SEARCHES = 1_000
FILTERED = 60
WARMUP = 100
TARGET_MS = 10.0  # list page and search p95 at 300k products
RSS_FLAT = 1.25  # "flat": the 300k process may take at most this much more memory than 1k
RSS_PAGES = 10
OWNER, PASSWORD = "owner", "benchpass"
_CHILD_FLAG = "--rss-child"

Figures = dict[str, Any]
Row = tuple[str, str, str, str, str]
SORTS = (("name", False), ("stock", False), ("stock", True), ("price", False), ("price", True))
_COLUMN = {"name": "search_name", "stock": "stock", "price": "price"}


def _time(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 3),
        "p95_ms": round(percentile(values, 0.95), 3),
        "max_ms": round(max(values), 3),
    }


def _alternate(items: Sequence[Any], ours, floor) -> tuple[list[float], list[float]]:
    mine, least = [], []
    for index, item in enumerate(items):
        pair = [(mine, ours), (least, floor)]
        for times, call in pair if index % 2 == 0 else reversed(pair):
            times.append(_time(lambda call=call, item=item: call(item)))
    return mine, least


def _ratio(ours: float, floor: float) -> float:
    return round(ours / floor, 2) if floor > 0 else float("inf")


def _figures(mine: list[float], least: list[float]) -> Figures:
    figures: Figures = {"posterm": _summary(mine), "floor": _summary(least)}
    figures["ratio"] = _ratio(figures["posterm"]["p95_ms"], figures["floor"]["p95_ms"])
    figures["met"] = figures["posterm"]["p95_ms"] <= TARGET_MS
    return figures


# --- list pages and search ------------------------------------------------------------------------


def _cursors(sort: str, descending: bool, rng: random.Random, count: int) -> list[Any]:
    """Where pages start: None (the first page) or the keyset of a random product, half each."""
    top = Product.select(Product.id).order_by(Product.id.desc()).scalar()
    starts: list[Any] = []
    for index in range(count):
        if index % 2 == 0:
            starts.append(None)
            continue
        product = Product.get_by_id(rng.randint(1, top))
        value = getattr(product, _COLUMN[sort])
        starts.append(PageCursor(value=value, id=product.id))
    return starts


def bench_pages(rng: random.Random) -> Figures:
    db = database.obj
    figures: Figures = {}
    for sort, descending in SORTS:
        column = _COLUMN[sort]
        op, order = ("<", "DESC") if descending else (">", "")
        first_sql = f"SELECT * FROM product ORDER BY {column} {order} LIMIT {PAGE}"
        next_sql = (
            f"SELECT * FROM product WHERE {column} {op} {db.param} ORDER BY {column} {order} "
            f"LIMIT {PAGE}"
        )
        wanted = ProductFilter(sort=sort, descending=descending)  # type: ignore[arg-type]
        scaled = {"stock": Product.stock, "price": Product.price}.get(sort)

        def floor(cursor: Any, first_sql=first_sql, next_sql=next_sql, scaled=scaled) -> None:
            if cursor is None:
                db.execute_sql(first_sql).fetchall()
            else:
                value = scaled.db_value(cursor.value) if scaled is not None else cursor.value
                db.execute_sql(next_sql, (value,)).fetchall()

        def ours(cursor: Any, wanted=wanted) -> None:
            # (A page after the last product is empty, as the floor's is.)
            product_list.list_products(wanted, after=cursor, limit=PAGE)

        starts = _cursors(sort, descending, rng, WARMUP + PAGES)
        _alternate(starts[:WARMUP], ours, floor)
        name = f"{sort}{' desc' if descending else ''}"
        figures[name] = _figures(*_alternate(starts[WARMUP:], ours, floor))
    return figures


def bench_search(rng: random.Random) -> Figures:
    db = database.obj
    sql = (
        f"SELECT * FROM product WHERE search_name >= {db.param} AND search_name < {db.param} "
        f"ORDER BY search_name LIMIT {SEARCH_PAGE}"
    )
    queries = [text for _, text in prefixes(rng, WARMUP + SEARCHES)]

    def floor(text: str) -> None:
        db.execute_sql(sql, (text, next_prefix(text))).fetchall()

    def ours(text: str) -> None:
        product_list.list_products(ProductFilter(text=text), limit=SEARCH_PAGE)

    def till(text: str) -> None:
        catalog.search_products(text, limit=SEARCH_PAGE)

    _alternate(queries[:WARMUP], ours, floor)
    mine, least = _alternate(queries[WARMUP:], ours, floor)
    figures = _figures(mine, least)
    # The same searches through the till's own search alone: what the list adds to it.
    figures["till"] = _summary(_alternate(queries[WARMUP:], till, floor)[0])
    slowest = sorted(range(len(mine)), key=lambda i: mine[i], reverse=True)[:5]
    figures["slowest"] = [[queries[WARMUP + i], round(mine[i], 2)] for i in slowest]
    return figures


def bench_filtered(rng: random.Random) -> Figures:
    """Informational: filters no index serves (the worst: nothing matches, all is read)."""
    figures: Figures = {}
    for name, wanted in (
        ("by weight, none match", ProductFilter(sold_by_weight=True)),
        ("search + by weight", ProductFilter(sold_by_weight=True, text="ma")),
    ):
        times = [
            _time(lambda w=wanted: product_list.list_products(w, limit=PAGE))
            for _ in range(FILTERED)
        ]
        figures[name] = _summary(times)
    return figures


def bench_database(url: str, count: int, progress: Callable[[str], None]) -> Figures:
    opened = system.open_store(url)
    kind = opened.kind
    try:
        init_store(command_line_actor("bench", "bench-till"), "Bench Store", OWNER, PASSWORD)
        progress(f"stock: {kind}: inserting {count:,} products")
        seconds, _ = generate(count, random.Random(SEED))
        if kind == "PostgreSQL":
            for table in ("product", "product_word", "product_extra_barcode"):
                database.execute_sql(f"VACUUM ANALYZE {table}")
        rng = random.Random(SEED + 2)
        progress(f"stock: {kind}: {PAGES:,} list pages per sort")
        pages = bench_pages(rng)
        progress(f"stock: {kind}: {SEARCHES:,} searches")
        search = bench_search(rng)
        filtered = bench_filtered(rng)
    finally:
        system.close()
    return {
        "insert_seconds": round(seconds, 1),
        "pages": pages,
        "search": search,
        "filtered": filtered,
    }


# --- memory of the stock screen ----------------------------------------------------------------


def _vm_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchmarkError("no VmRSS in /proc/self/status (Linux only)")


async def _open_stock_screen(url: str) -> dict[str, int]:
    from textual.worker import WorkerCancelled

    from posterm.app import PostermApp
    from posterm.config import Config
    from posterm.ui.screens.stock import StockScreen

    async def settle(pilot: Any) -> None:
        for _ in range(2):
            for worker in list(pilot.app.workers):
                with contextlib.suppress(WorkerCancelled):
                    await worker.wait()
            await pilot.pause()

    app = PostermApp(Config(database_url=url, terminal="bench-till"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for text in (OWNER, PASSWORD):
            for character in text:
                await pilot.press(character)
            await pilot.press("enter")
        await settle(pilot)
        await pilot.press("alt+k")
        await settle(pilot)
        screen = app.screen
        if not isinstance(screen, StockScreen):
            raise BenchmarkError(f"alt+k led to {type(screen).__name__}, not the stock screen")
        for _ in range(RSS_PAGES * 5):
            await pilot.press("pagedown")
            await settle(pilot)
        return {"rss_kib": _vm_rss_kib(), "rows": len(screen.rows)}


def _rss_child(url: str) -> None:
    system.open_store(url)  # the migrations ran when the store was built; this checks them
    system.close()
    print(json.dumps(asyncio.run(_open_stock_screen(url))))


def _build_sqlite(url: str, count: int) -> None:
    system.open_store(url)
    try:
        init_store(command_line_actor("bench", "bench-till"), "Bench Store", OWNER, PASSWORD)
        generate(count, random.Random(SEED))
    finally:
        system.close()


def bench_rss(count: int, progress: Callable[[str], None]) -> Figures:
    figures: Figures = {}
    for size in (MIN_PRODUCTS, count):
        with sqlite_store("posterm-bench-stock-rss-") as url:
            progress(f"stock: RSS with {size:,} products")
            _build_sqlite(url, size)
            env = {**os.environ, "TEXTUAL_COLOR_SYSTEM": "standard"}
            runs = []
            for _ in range(3):
                done = subprocess.run(
                    [sys.executable, __file__, _CHILD_FLAG, url],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                    timeout=300,
                )
                if done.returncode != 0:
                    raise BenchmarkError(f"the RSS process failed: {done.stderr[-500:]}")
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            figures[str(size)] = {
                "rss_mib": round(statistics.median(r["rss_kib"] for r in runs) / 1024, 1),
                "rows": runs[0]["rows"],
            }
    small, large = figures[str(MIN_PRODUCTS)]["rss_mib"], figures[str(count)]["rss_mib"]
    figures["ratio"] = _ratio(large, small)
    figures["met"] = figures["ratio"] <= RSS_FLAT
    return figures


def run_stock(runs: int, progress: Callable[[str], None] = lambda _: None) -> Figures:
    """`runs` is not used: the pages and searches are the repetitions."""
    count = product_count()
    figures: Figures = {"products": count, "databases": {}}
    with sqlite_store("posterm-bench-stock-") as url:
        figures["databases"]["SQLite"] = bench_database(url, count, progress)
    pg_url = os.environ.get("POSTERM_TEST_PG", "")
    if pg_url:
        with postgres_store(pg_url, "bench_stock") as url:
            figures["databases"]["PostgreSQL"] = bench_database(url, count, progress)
    figures["rss"] = bench_rss(count, progress)
    return figures


# --- the table ----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def stock_rows(figures: Mapping[str, Any]) -> list[Row]:
    thousands = f"{figures['products'] // 1000}k"
    target = f"<= {TARGET_MS:g} ms at 300k"
    rows: list[Row] = []
    for kind, data in figures["databases"].items():
        for name, page in data["pages"].items():
            rows.append(
                (
                    f"{kind}: list page by {name} p95 ({thousands})",
                    _ms(page["posterm"]["p95_ms"]),
                    _ms(page["floor"]["p95_ms"]),
                    f"{page['ratio']:.2f}",
                    target + ("" if page["met"] else "  MISSED"),
                )
            )
        search = data["search"]
        rows.append(
            (
                f"{kind}: search p95 ({thousands})",
                _ms(search["posterm"]["p95_ms"]),
                _ms(search["floor"]["p95_ms"]),
                f"{search['ratio']:.2f}",
                target + ("" if search["met"] else "  MISSED"),
            )
        )
        till = search["till"]
        rows.append(
            (f"{kind}:   the till's search alone p95", _ms(till["p95_ms"]), "", "", "information")
        )
        for name, timing in data["filtered"].items():
            rows.append((f"{kind}:   {name} p95", _ms(timing["p95_ms"]), "", "", "information"))
    rss = figures["rss"]
    small, large = str(MIN_PRODUCTS), str(figures["products"])
    rows.append(
        (
            f"stock screen RSS, {int(large) // 1000}k vs {int(small) // 1000}k products",
            f"{rss[large]['rss_mib']:.1f} MiB",
            f"{rss[small]['rss_mib']:.1f} MiB",
            f"{rss['ratio']:.2f}",
            f"flat (<= {RSS_FLAT:g})" + ("" if rss["met"] else "  MISSED"),
        )
    )
    return rows


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == _CHILD_FLAG:
    _rss_child(sys.argv[2])
