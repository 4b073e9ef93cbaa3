"""Catalogue benchmark: scan lookup and name search at 300,000 products, against raw SQL.

A catalogue of PRODUCTS products (300,000; POSTERM_BENCH_PRODUCTS overrides it, e.g. 20000 for
a quick run) with valid EAN-13s is bulk-inserted into a temporary SQLite store made by posterm
itself (migrations, triggers and all), and into PostgreSQL too when POSTERM_TEST_PG names a
server (in a schema of its own, dropped afterwards). Then, alternating each call with its floor
on the same connection:

- scan lookup: `catalog.lookup_barcode` of 2,000 random existing barcodes, against a raw
  `SELECT * FROM product WHERE barcode = ?`;
- name search: `catalog.search_products` (a page of 20) for 2,000 random 2-4 letter prefixes of
  the words in the names (of the first word, or of a word inside the name, half each),
  against a raw `SELECT * FROM product WHERE search_name >= ? AND search_name < ?
  ORDER BY search_name LIMIT 20` (the least a search by the start of the name can do).

The targets are absolute (name search p95 <= 10 ms at 300k products; the scan lookup is part
of the 16 ms scan-to-line budget, here given LOOKUP_TARGET_MS of it), so milliseconds are
reported next to the ratios. SQLite is measured as a till opens it (no ANALYZE); PostgreSQL
after VACUUM ANALYZE, as autovacuum leaves a table after a bulk load.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from startup import BenchmarkError
from stores import postgres_store, sqlite_store

from posterm.data.models import Category, Product, TaxRate, database
from posterm.domain.barcodes import make_ean13
from posterm.domain.permissions import command_line_actor
from posterm.domain.products import next_prefix, search_key
from posterm.services import catalog, system
from posterm.services.store import init_store

PRODUCTS = 300_000
PRODUCTS_ENV = "POSTERM_BENCH_PRODUCTS"
MIN_PRODUCTS = 1_000
INSERT_CHUNK = 1_000  # rows per INSERT: 16 columns stay inside SQLite's 32,766 parameters
LOOKUPS = 2_000
SEARCHES = 2_000
WARMUP = 200  # untimed calls of each kind first (caches, prepared plans)
PAGE = 20
SEED = 20261123

SEARCH_TARGET_MS = 10.0  # name search p95 at 300k products
SCAN_BUDGET_MS = 16.0  # scan to line on screen, p95
LOOKUP_TARGET_MS = 4.0  # the lookup's share of that budget: the rest is the UI's

Figures = dict[str, Any]
Row = tuple[str, str, str, str, str]

# --- names: brand + (variant) + item + size, as on a kirana's shelf ------------------------------

BRANDS = (
    "Aashirvaad", "Amul", "Annapurna", "Ariel", "Bikaji", "Bisleri", "Britannia", "Brooke Bond",
    "Bru", "Cadbury", "Catch", "Cello", "Cinthol", "Clinic Plus", "Colgate", "Daawat", "Dabur",
    "Dettol", "Dove", "Emami", "Everest", "Fortune", "Freedom", "Frooti", "Ghadi", "Godrej",
    "Good Knight", "Haldiram", "Harpic", "Himalaya", "Horlicks", "India Gate", "Kissan",
    "Knorr", "Kurkure", "Lays", "Lifebuoy", "Lizol", "Lux", "Maaza", "Maggi", "MDH", "Medimix",
    "Mother Dairy", "Nandini", "Nescafe", "Nestle", "Nirma", "Nivea", "Parachute", "Parle",
    "Patanjali", "Pears", "Pepsodent", "Pillsbury", "Ponds", "Prestige", "Rajdhani", "Red Label",
    "Rin", "Saffola", "Santoor", "Sensodyne", "Sundrop", "Sunfeast", "Sunsilk", "Surf Excel",
    "Taj Mahal", "Tata", "Tide", "Tropicana", "Ujala", "Vaseline", "Vim", "Wheel", "Whisper",
)  # fmt: skip
VARIANTS = (
    "", "", "", "", "Classic", "Premium", "Gold", "Lite", "Extra", "Super", "Fresh", "Organic",
    "Natural", "Masala", "Tangy", "Sweet", "Salted", "Plain", "Lemon", "Mint", "Rose", "Sandal",
    "Herbal", "Neem", "Tulsi", "Aloe Vera", "Kesar", "Elaichi", "Mango", "Family Pack", "Mini",
    "Refill", "Active",
)  # fmt: skip
ITEMS = (
    "Basmati Rice", "Sona Masoori Rice", "Poha", "Atta", "Multigrain Atta", "Maida", "Besan",
    "Sooji", "Toor Dal", "Moong Dal", "Chana Dal", "Urad Dal", "Rajma", "Sugar", "Jaggery",
    "Salt", "Rock Salt", "Turmeric Powder", "Chilli Powder", "Garam Masala", "Chaat Masala",
    "Cumin Seeds", "Mustard Seeds", "Mustard Oil", "Sunflower Oil", "Groundnut Oil", "Ghee",
    "Butter", "Cheese Slices", "Paneer", "Curd", "Toned Milk", "Buttermilk", "Bread", "Rusk",
    "Cookies", "Cream Biscuits", "Marie Biscuits", "Cake", "Chocolate", "Wafers",
    "Potato Chips", "Bhujia", "Namkeen Mixture", "Peanuts", "Cashews", "Almonds", "Raisins",
    "Instant Noodles", "Pasta", "Vermicelli", "Oats", "Cornflakes", "Tomato Ketchup",
    "Chilli Sauce", "Mango Pickle", "Mixed Fruit Jam", "Honey", "Tea", "Green Tea", "Coffee",
    "Health Drink", "Mango Drink", "Orange Juice", "Soda", "Mineral Water", "Toothpaste",
    "Toothbrush", "Bath Soap", "Handwash", "Body Lotion", "Face Wash", "Shampoo", "Hair Oil",
    "Coconut Oil", "Talcum Powder", "Deodorant", "Shaving Cream", "Sanitary Pads", "Diapers",
    "Detergent Powder", "Detergent Liquid", "Detergent Bar", "Dishwash Bar", "Dishwash Liquid",
    "Toilet Cleaner", "Floor Cleaner", "Mosquito Repellent", "Mosquito Coil", "Agarbatti",
    "Camphor", "Matchbox", "Candles", "Batteries", "LED Bulb", "Water Bottle", "Broom",
    "Garbage Bags", "Tissue Roll", "Notebook", "Ball Pen",
)  # fmt: skip
SIZES = (
    "50g", "100g", "200g", "250g", "500g", "1kg", "2kg", "5kg", "100ml", "200ml", "500ml", "1L",
    "2L", "5L", "1pc", "6pcs", "Pack of 3", "Pack of 6",
)  # fmt: skip


def product_count() -> int:
    text = os.environ.get(PRODUCTS_ENV, "").replace("_", "").strip()
    if not text:
        return PRODUCTS
    if not text.isdigit() or int(text) < MIN_PRODUCTS:
        raise BenchmarkError(f"{PRODUCTS_ENV} must be a whole number of at least {MIN_PRODUCTS}")
    return int(text)


def product_name(rng: random.Random) -> str:
    parts = (rng.choice(BRANDS), rng.choice(VARIANTS), rng.choice(ITEMS), rng.choice(SIZES))
    return " ".join(part for part in parts if part)


# --- the store ----------------------------------------------------------------------------------


def generate(count: int, rng: random.Random) -> tuple[float, list[str]]:
    """Bulk-inserts `count` active products in one transaction; returns (seconds, barcodes)."""
    rates = [row.id for row in TaxRate.select(TaxRate.id)]
    category = Category.get(Category.name == "General").id
    fields = [
        Product.status,
        Product.code,
        Product.name,
        Product.search_name,
        Product.barcode,
        Product.category,
        Product.tax_rate,
        Product.hsn_code,
        Product.unit,
        Product.price,
        Product.cost,
        Product.stock,
    ]
    barcodes = []
    started = time.perf_counter()
    with database.atomic():
        for start in range(0, count, INSERT_CHUNK):
            rows = []
            for number in range(start + 1, min(start + INSERT_CHUNK, count) + 1):
                name, code = product_name(rng), f"SKU{number:07d}"
                barcode = make_ean13(f"890{number:09d}")
                price = Decimal(rng.randrange(500, 200_000, 50)).scaleb(-2)
                barcodes.append(barcode)
                rows.append(
                    (
                        "active",
                        code,
                        name,
                        search_key(name, code),
                        barcode,
                        category,
                        rng.choice(rates),
                        "1006",
                        "pcs",
                        price,
                        (price * Decimal("0.8")).quantize(Decimal("0.01")),
                        Decimal(rng.randrange(1, 500)),
                    )
                )
            Product.insert_many(rows, fields=fields).execute()
    return time.perf_counter() - started, barcodes


def prefixes(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(kind, prefix): 2-4 letters of a name's first word, or of a word inside names."""

    def words(phrases: Sequence[str]) -> list[str]:
        found = {w.lower() for phrase in phrases for w in phrase.split() if w.isalpha()}
        return sorted(w for w in found if len(w) >= 2)

    first = words([brand.split()[0] for brand in BRANDS])
    inside = words([" ".join(b.split()[1:]) for b in BRANDS] + list(VARIANTS) + list(ITEMS))
    chosen = []
    for index in range(count):
        kind = "first" if index % 2 == 0 else "inside"
        word = rng.choice(first if kind == "first" else inside)
        chosen.append((kind, word[: rng.randint(2, min(4, len(word)))]))
    rng.shuffle(chosen)
    return chosen


# --- timing -------------------------------------------------------------------------------------


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


def _alternate(
    items: Sequence[Any], ours: Callable[[Any], Any], floor: Callable[[Any], Any]
) -> tuple[list[float], list[float]]:
    """Times ours and the floor on each item back to back, the first of the two alternating."""
    mine, least = [], []
    for index, item in enumerate(items):
        if index % 2:
            least.append(_time(lambda item=item: floor(item)))
            mine.append(_time(lambda item=item: ours(item)))
        else:
            mine.append(_time(lambda item=item: ours(item)))
            least.append(_time(lambda item=item: floor(item)))
    return mine, least


def _ratio(ours: float, floor: float) -> float:
    return round(ours / floor, 2) if floor > 0 else float("inf")


def bench_lookup(barcodes: Sequence[str], rng: random.Random) -> Figures:
    codes = rng.choices(barcodes, k=WARMUP + LOOKUPS)
    db = database.obj
    sql = f"SELECT * FROM product WHERE barcode = {db.param}"

    def floor(code: str) -> None:
        if db.execute_sql(sql, (code,)).fetchone() is None:
            raise BenchmarkError(f"the floor query did not find barcode {code}")

    def ours(code: str) -> None:
        if catalog.lookup_barcode(code).code != code:
            raise BenchmarkError(f"lookup_barcode({code}) found another code")

    _alternate(codes[:WARMUP], ours, floor)
    mine, least = _alternate(codes[WARMUP:], ours, floor)
    figures = {"posterm": _summary(mine), "floor": _summary(least)}
    figures["ratio"] = _ratio(figures["posterm"]["p95_ms"], figures["floor"]["p95_ms"])
    figures["met"] = figures["posterm"]["p95_ms"] <= LOOKUP_TARGET_MS
    return figures


def bench_search(rng: random.Random) -> Figures:
    queries = prefixes(rng, WARMUP + SEARCHES)
    db = database.obj
    sql = (
        f"SELECT * FROM product WHERE search_name >= {db.param} AND search_name < {db.param} "
        f"ORDER BY search_name LIMIT {PAGE}"
    )

    def floor(query: tuple[str, str]) -> None:
        db.execute_sql(sql, (query[1], next_prefix(query[1]))).fetchall()

    def ours(query: tuple[str, str]) -> None:
        catalog.search_products(query[1], limit=PAGE)

    _alternate(queries[:WARMUP], ours, floor)
    timed = queries[WARMUP:]
    mine, least = _alternate(timed, ours, floor)
    figures: Figures = {"posterm": _summary(mine), "floor": _summary(least)}
    figures["ratio"] = _ratio(figures["posterm"]["p95_ms"], figures["floor"]["p95_ms"])
    figures["met"] = figures["posterm"]["p95_ms"] <= SEARCH_TARGET_MS
    for kind in ("first", "inside"):
        picked = [i for i, (k, _) in enumerate(timed) if k == kind]
        ours_kind = _summary([mine[i] for i in picked])
        floor_kind = _summary([least[i] for i in picked])
        figures[kind] = {
            "posterm": ours_kind,
            "floor": floor_kind,
            "ratio": _ratio(ours_kind["p95_ms"], floor_kind["p95_ms"]),
            "met": ours_kind["p95_ms"] <= SEARCH_TARGET_MS,
        }
    slowest = sorted(range(len(timed)), key=lambda i: mine[i], reverse=True)[:5]
    figures["slowest"] = [[timed[i][1], round(mine[i], 2)] for i in slowest]
    return figures


# --- the databases ------------------------------------------------------------------------------


def bench_database(url: str, count: int, progress: Callable[[str], None]) -> Figures:
    opened = system.open_store(url)
    kind = opened.kind
    try:
        init_store(command_line_actor("bench", "bench-till"), "Bench Store", "owner", "benchpass")
        progress(f"catalog: {kind}: inserting {count:,} products")
        seconds, barcodes = generate(count, random.Random(SEED))
        if kind == "PostgreSQL":
            progress("catalog: PostgreSQL: VACUUM ANALYZE")
            for table in ("product", "product_word", "product_extra_barcode"):
                database.execute_sql(f"VACUUM ANALYZE {table}")
        rng = random.Random(SEED + 1)
        progress(f"catalog: {kind}: {LOOKUPS:,} scan lookups")
        lookup = bench_lookup(barcodes, rng)
        progress(f"catalog: {kind}: {SEARCHES:,} name searches")
        search = bench_search(rng)
        sizes = table_sizes(kind == "PostgreSQL")
    finally:
        system.close()
    return {
        "insert_seconds": round(seconds, 1),
        "lookup": lookup,
        "search": search,
        "size_mb": sizes,
    }


def table_sizes(postgres: bool) -> dict[str, float]:
    """MiB on disk of the product table and of the word index, indexes included."""
    sizes = {}
    for table in ("product", "product_word"):
        if postgres:
            sql = f"SELECT pg_total_relation_size('{table}')"
        else:  # the table and every index on it (dbstat is in Python's SQLite builds)
            sql = (
                "SELECT SUM(pgsize) FROM dbstat WHERE name = ? OR name IN "
                "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?)"
            )
        try:
            params = () if postgres else (table, table)
            size = database.execute_sql(sql, params).fetchone()[0]
        except Exception:  # an SQLite built without dbstat: not worth failing the run
            continue
        sizes[table] = round(size / 2**20, 1)
    return sizes


def run_catalog(runs: int, progress: Callable[[str], None] = lambda _: None) -> Figures:
    """`runs` is not used: the 2,000 lookups and searches are the repetitions."""
    count = product_count()
    figures: Figures = {"products": count, "databases": {}}
    with sqlite_store("posterm-bench-catalog-") as url:
        figures["databases"]["SQLite"] = bench_database(url, count, progress)
    pg_url = os.environ.get("POSTERM_TEST_PG", "")
    if pg_url:
        with postgres_store(pg_url, "bench_catalog") as url:
            figures["databases"]["PostgreSQL"] = bench_database(url, count, progress)
    return figures


# --- the table ----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def _target(text: str, met: bool) -> str:
    return text + ("" if met else "  MISSED")


def catalog_rows(figures: Mapping[str, Any]) -> list[Row]:
    """Rows (measure, posterm, floor, ratio, target) for the figures of `run_catalog`."""
    thousands = f"{figures['products'] // 1000}k"
    rows: list[Row] = []
    for kind, data in figures["databases"].items():
        lookup, search = data["lookup"], data["search"]
        rows.append(
            (
                f"{kind}: scan lookup p95 ({thousands})",
                _ms(lookup["posterm"]["p95_ms"]),
                _ms(lookup["floor"]["p95_ms"]),
                f"{lookup['ratio']:.2f}",
                _target(
                    f"<= {LOOKUP_TARGET_MS:g} ms (of {SCAN_BUDGET_MS:g} ms scan to line)",
                    lookup["met"],
                ),
            )
        )
        rows.append(
            (
                f"{kind}: name search p95 ({thousands})",
                _ms(search["posterm"]["p95_ms"]),
                _ms(search["floor"]["p95_ms"]),
                f"{search['ratio']:.2f}",
                _target(f"<= {SEARCH_TARGET_MS:g} ms at 300k", search["met"]),
            )
        )
        for part, label in (("first", "first word"), ("inside", "word inside")):
            rows.append(
                (
                    f"{kind}:   prefix of a {label}",
                    _ms(search[part]["posterm"]["p95_ms"]),
                    _ms(search[part]["floor"]["p95_ms"]),
                    f"{search[part]['ratio']:.2f}",
                    "",
                )
            )
        rows.append(
            (
                f"{kind}: name search p50",
                _ms(search["posterm"]["p50_ms"]),
                _ms(search["floor"]["p50_ms"]),
                f"{_ratio(search['posterm']['p50_ms'], search['floor']['p50_ms']):.2f}",
                "",
            )
        )
        rows.append((f"{kind}: bulk insert", f"{data['insert_seconds']:.1f} s", "", "", ""))
        sizes = data["size_mb"]
        if "product" in sizes and "product_word" in sizes:
            rows.append(
                (
                    f"{kind}: word index size",
                    f"{sizes['product_word']:.0f} MiB",
                    f"{sizes['product']:.0f} MiB",
                    f"{_ratio(sizes['product_word'], sizes['product']):.2f}",
                    "floor: the product table",
                )
            )
    return rows
