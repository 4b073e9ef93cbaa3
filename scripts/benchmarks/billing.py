"""Billing benchmarks: scan lookup, name search, scan to line on screen, and checkout.

Everything runs on a catalog generated for the run (PRODUCTS products, 300,000 unless
POSTERM_BENCH_PRODUCTS says otherwise) in a temporary SQLite store made by posterm itself
(`open_store` + `init_store`); the opening stock movements are not written, none of these
measures reads them. Each figure is timed against a floor measured in the same run on the same
database and connection, and posterm and the floor alternate in `runs` rounds (the repetition
counts below are totals, split over the rounds), so drift in the machine's load hits both:

- scan lookup: `catalog.lookup_barcode` against a raw `SELECT id FROM product WHERE barcode = ?`;
- name search: `catalog.search_products` against a raw range query on the indexed search_name;
  prefixes of the first word of a name and of a word inside it are reported apart as well;
- scan to line: the real app, headless at 80x24, logged in as the owner on the billing screen,
  gets a scanner burst (key events posted all at once, then Enter) and is timed until the bill
  table holds the new line or the new quantity (polled every POLL_SECONDS); the floor is the
  bare Textual app of the start-up benchmark (`bare_app.py`) appending a table row on Enter,
  driven the same way. It runs on the same store and catalog as the rest. Also shown, for
  information: until the frame with the line is painted (`App.call_after_refresh`), which
  Textual's frame pacing dominates in both apps, and until the open bill with the line is
  saved (the answer of its save, which comes after the commit: the most a crash can lose);
- checkout: `checkout.checkout` of a 20-line cash bill (every 4th line 2 units) against raw
  SQL making the same writes (sale, lines, payment, stock movements, stock caches, bill
  counter, FIFO draws from each product's batches: an old 1-unit batch, then a big one) in one
  transaction; on SQLite always, and on PostgreSQL too when POSTERM_TEST_PG names a server (in
  a schema of its own, dropped afterwards).

Absolute targets (search, scan to line) are printed next to the ratios; nothing is asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bare_app import BareApp
from startup import BenchmarkError
from stores import postgres_store
from textual import events
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input
from textual.worker import WorkerCancelled

from posterm.app import PostermApp
from posterm.config import Config
from posterm.data.database import is_postgres, write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import Category, Product, TaxRate, User, database
from posterm.domain.barcodes import make_ean13
from posterm.domain.permissions import Actor, Role, command_line_actor
from posterm.domain.products import next_prefix, search_key
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import catalog, checkout, system
from posterm.services.store import init_store
from posterm.ui.screens.billing import BillingScreen
from posterm.ui.widgets.bill_view import BillTable

# --- sizes and repetitions ---------------------------------------------------------------------

PRODUCTS = 300_000  # POSTERM_BENCH_PRODUCTS overrides it (a quick run: 20000)
PRODUCTS_ENV = "POSTERM_BENCH_PRODUCTS"
MIN_PRODUCTS = 1_000
INSERT_CHUNK = 1_000  # rows per INSERT: 18 columns stay well inside SQLite's 32,766 parameters
LOOKUPS = 2_000
SEARCHES = 2_000
SEARCH_LIMIT = 20
SCANS = 300
BILL_LINES = 20  # scans per bill in the scan-to-line run; the bill is cleared after each
REPEAT_SCAN_SHARE = 0.2  # scans of an item already on the bill (its quantity goes up)
CHECKOUTS = 200
CHECKOUT_LINES = 20
WARMUP = 20  # untimed calls of each kind before the timed ones (scans: per app session)
SEED = 20240815

# --- targets -----------------------------------------------------------------------------------

SEARCH_TARGET_MS = 10.0  # p95 at 300k products
SCAN_TARGET_MS = 16.0  # p95 on SQLite
CHECKOUT_TARGET_RATIO = 3.0

# --- the app runs ------------------------------------------------------------------------------

SCREEN_SIZE = (80, 24)
OWNER, PASSWORD = "owner", "benchpass"
TERMINAL = "bench-till"
POLL_SECONDS = 0.001  # how often a scan's outcome is looked for; both apps alike
SCAN_TIMEOUT = 10.0
CASH_TENDERED = Decimal("100000.00")  # always covers a 20-line bill; the rest is change

# --- names ---------------------------------------------------------------------------------------
# A name is brand + (variant) + item + size, as on a kirana's shelf: a few hundred words that
# combine into millions of names.

BRANDS = (
    "Aashirvaad", "Amul", "Annapurna", "Ariel", "Bikaji", "Bisleri", "Borosil", "Bournvita",
    "Britannia", "Brooke Bond", "Bru", "Cadbury", "Catch", "Cello", "Cinthol", "Clinic Plus",
    "Close Up", "Colgate", "Comfort", "Complan", "Daawat", "Dabur", "Dettol", "Dhara", "Dove",
    "Duracell", "Emami", "Engine", "Epigamia", "Eveready", "Everest", "Exo", "Fortune",
    "Freedom", "Frooti", "Gemini", "Ghadi", "Gillette", "Godrej", "Good Knight", "Haldiram",
    "Harpic", "Hawkins", "Heritage", "Himalaya", "Horlicks", "Huggies", "India Gate", "Kent",
    "Kinley", "Kissan", "Knorr", "Kohinoor", "Kurkure", "Lays", "Lifebuoy", "Lizol", "Lux",
    "Maaza", "Maggi", "MDH", "Medimix", "Milky Mist", "Milton", "Mortein", "Mother Dairy",
    "Nandini", "Nescafe", "Nestle", "Nirma", "Nivea", "Odonil", "Pampers", "Pantene",
    "Paper Boat", "Parachute", "Parle", "Patanjali", "Pears", "Pepsodent", "Philips", "Pigeon",
    "Pillsbury", "Ponds", "Prestige", "Pril", "Rajdhani", "Real", "Red Label", "Rin", "Saffola",
    "Santoor", "Sensodyne", "Shakti Bhog", "Stayfree", "Sundrop", "Sunfeast", "Sunsilk",
    "Surf Excel", "Syska", "Taj Mahal", "Tata", "Tide", "Tropicana", "Ujala", "Vaseline",
    "Vim", "Vivel", "Wheel", "Whisper",
)  # fmt: skip
VARIANTS = (
    "", "", "", "", "Classic", "Premium", "Gold", "Lite", "Extra", "Super", "Fresh", "Organic",
    "Natural", "Spicy", "Masala", "Tangy", "Sweet", "Salted", "Plain", "Lemon", "Mint", "Rose",
    "Sandal", "Herbal", "Neem", "Tulsi", "Aloe Vera", "Kesar", "Elaichi", "Strawberry",
    "Vanilla", "Butterscotch", "Mango", "Pineapple", "Family Pack", "Value Pack", "Jumbo",
    "Mini", "Refill", "Active",
)  # fmt: skip
ITEMS = (
    "Basmati Rice", "Sona Masoori Rice", "Brown Rice", "Poha", "Atta", "Multigrain Atta",
    "Maida", "Besan", "Sooji", "Toor Dal", "Moong Dal", "Chana Dal", "Urad Dal", "Masoor Dal",
    "Rajma", "Kabuli Chana", "Sugar", "Jaggery", "Salt", "Rock Salt", "Turmeric Powder",
    "Chilli Powder", "Coriander Powder", "Garam Masala", "Chaat Masala", "Kitchen King",
    "Sambar Masala", "Cumin Seeds", "Mustard Seeds", "Black Pepper", "Cardamom", "Cloves",
    "Mustard Oil", "Sunflower Oil", "Groundnut Oil", "Rice Bran Oil", "Ghee", "Butter",
    "Cheese Slices", "Paneer", "Curd", "Toned Milk", "Full Cream Milk", "Buttermilk", "Lassi",
    "Ice Cream", "Bread", "Brown Bread", "Pav", "Rusk", "Cookies", "Cream Biscuits",
    "Marie Biscuits", "Digestive Biscuits", "Cake", "Chocolate", "Wafers", "Potato Chips",
    "Bhujia", "Namkeen Mixture", "Peanuts", "Cashews", "Almonds", "Raisins", "Walnuts",
    "Dates", "Instant Noodles", "Pasta", "Vermicelli", "Oats", "Cornflakes", "Muesli",
    "Tomato Ketchup", "Chilli Sauce", "Soy Sauce", "Mayonnaise", "Mango Pickle",
    "Lime Pickle", "Mixed Fruit Jam", "Honey", "Peanut Butter", "Tea", "Green Tea", "Coffee",
    "Health Drink", "Mango Drink", "Orange Juice", "Mixed Fruit Juice", "Soda", "Cola",
    "Mineral Water", "Coconut Water", "Toothpaste", "Toothbrush", "Mouthwash", "Bath Soap",
    "Handwash", "Body Lotion", "Face Wash", "Shampoo", "Conditioner", "Hair Oil",
    "Coconut Oil", "Talcum Powder", "Deodorant", "Shaving Cream", "Razor", "Sanitary Pads",
    "Diapers", "Baby Wipes", "Detergent Powder", "Detergent Liquid", "Detergent Bar",
    "Dishwash Bar", "Dishwash Liquid", "Toilet Cleaner", "Floor Cleaner", "Glass Cleaner",
    "Fabric Conditioner", "Mosquito Repellent", "Mosquito Coil", "Air Freshener",
    "Naphthalene Balls", "Agarbatti", "Camphor", "Matchbox", "Candles", "Batteries",
    "LED Bulb", "Tube Light", "Extension Board", "Water Bottle", "Lunch Box",
    "Pressure Cooker", "Tawa", "Kadai", "Steel Glass", "Broom", "Mop", "Scrub Pad",
    "Garbage Bags", "Aluminium Foil", "Cling Wrap", "Paper Napkins", "Tissue Roll",
    "Notebook", "Ball Pen", "Pencil", "Eraser", "Glue Stick",
)  # fmt: skip
SIZES = (
    "50g", "100g", "200g", "250g", "500g", "1kg", "2kg", "5kg", "10kg", "100ml", "200ml",
    "250ml", "500ml", "1L", "2L", "5L", "1pc", "2pcs", "4pcs", "6pcs", "10pcs", "12pcs",
    "Pack of 3", "Pack of 6",
)  # fmt: skip
HSN_CODES = ("1006", "0713", "0910", "1101", "1905", "2106", "2202", "3305", "3401", "3402", "")

Figures = dict[str, Any]
Row = tuple[str, str, str, str, str]


def product_count() -> int:
    text = os.environ.get(PRODUCTS_ENV, "").replace("_", "").strip()
    if not text:
        return PRODUCTS
    try:
        count = int(text)
    except ValueError:
        raise BenchmarkError(f"{PRODUCTS_ENV}={text!r} is not a whole number") from None
    if count < MIN_PRODUCTS:
        raise BenchmarkError(f"{PRODUCTS_ENV} must be at least {MIN_PRODUCTS}")
    return count


# --- timing helpers ----------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return seconds * 1000


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-th percentile (p95: the value 95% of the samples do not exceed)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _summary(values: Sequence[float], places: int = 3) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 50), places),
        "p95_ms": round(percentile(values, 95), places),
        "median_ms": round(statistics.median(values), places),
        "max_ms": round(max(values), places),
    }


def _rounds(items: Sequence[Any], runs: int) -> list[Sequence[Any]]:
    """`items` cut into `runs` consecutive slices (posterm and its floor alternate per slice)."""
    size = math.ceil(len(items) / max(runs, 1))
    return [items[start : start + size] for start in range(0, len(items), size)]


def _time_each(call: Callable[[Any], Any], items: Sequence[Any]) -> list[float]:
    samples = []
    for item in items:
        started = time.perf_counter()
        call(item)
        samples.append(_ms(time.perf_counter() - started))
    return samples


def _alternate(
    items: Sequence[Any],
    runs: int,
    posterm: Callable[[Any], Any],
    floor: Callable[[Any], Any],
) -> tuple[list[float], list[float]]:
    """Times each item through posterm and through the floor, a round of each in turn."""
    ours: list[float] = []
    floors: list[float] = []
    for part in _rounds(items, runs):
        ours += _time_each(posterm, part)
        floors += _time_each(floor, part)
    return ours, floors


def _ratio(ours: float, floor: float) -> float:
    return round(ours / floor, 2) if floor > 0 else math.inf


# --- the catalog -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    count: int
    seconds: float
    ids: list[int]
    codes: list[str]  # codes[i] and barcodes[i] belong to ids[i]
    barcodes: list[str]


def _product_fields() -> list[Any]:
    return [
        Product.created_at,
        Product.updated_at,
        Product.status,
        Product.code,
        Product.name,
        Product.search_name,
        Product.barcode,
        Product.category,
        Product.tax_rate,
        Product.hsn_code,
        Product.unit,
        Product.sold_by_weight,
        Product.price,
        Product.cost,
        Product.stock,
        Product.min_stock,
        Product.reorder_qty,
        Product.track_expiry,
    ]


def product_name(rng: random.Random) -> str:
    parts = (rng.choice(BRANDS), rng.choice(VARIANTS), rng.choice(ITEMS), rng.choice(SIZES))
    return " ".join(part for part in parts if part)


def generate_catalog(count: int, rng: random.Random) -> float:
    """Inserts `count` products in chunks, all in one transaction; returns the seconds taken."""
    rate_ids = [rate.id for rate in TaxRate.select(TaxRate.id).order_by(TaxRate.rate)]
    category = Category.get(Category.name == "General").id
    fields = _product_fields()
    now = utc_now()
    cent = Decimal("0.01")
    started = time.perf_counter()
    with write_transaction():
        for start in range(0, count, INSERT_CHUNK):
            rows = []
            for number in range(start + 1, min(start + INSERT_CHUNK, count) + 1):
                name = product_name(rng)
                code = f"SKU{number:07d}"
                price = Decimal(rng.randrange(500, 200_000, 50)).scaleb(-2)
                rows.append(
                    (
                        now,
                        now,
                        "active",
                        code,
                        name,
                        search_key(name, code),
                        make_ean13(f"890{number:09d}"),
                        category,
                        rng.choice(rate_ids),
                        rng.choice(HSN_CODES),
                        "pcs",
                        False,
                        price,
                        (price * Decimal("0.8")).quantize(cent),
                        Decimal(rng.randrange(500, 5_000)),
                        Decimal(10),
                        Decimal(50),
                        False,
                    )
                )
            Product.insert_many(rows, fields=fields).execute()
    return time.perf_counter() - started


def build_store(url: str, count: int, progress: Callable[[str], None]) -> Catalog:
    """A fresh store at `url` with its owner and a generated catalog of `count` products."""
    system.open_store(url)
    init_store(command_line_actor("bench", TERMINAL), "Bench Store", OWNER, PASSWORD)
    progress(f"billing: generating {count:,} products")
    seconds = generate_catalog(count, random.Random(SEED))
    query = Product.select(Product.id, Product.code, Product.barcode).order_by(Product.id)
    ids, codes, barcodes = zip(*query.tuples(), strict=True)
    return Catalog(count, seconds, list(ids), list(codes), list(barcodes))


def _owner() -> Actor:
    user = User.get(User.username == OWNER)
    return Actor(user.id, user.username, Role.OWNER, TERMINAL)


# --- scan lookup -------------------------------------------------------------------------------


def bench_lookup(shop: Catalog, runs: int, rng: random.Random) -> Figures:
    codes = rng.choices(shop.barcodes, k=LOOKUPS + WARMUP)
    db = database.obj
    sql = f"SELECT id FROM product WHERE barcode = {db.param}"

    def raw(code: str) -> None:
        if db.execute_sql(sql, (code,)).fetchone() is None:
            raise BenchmarkError(f"barcode {code} not found by the floor query")

    def ours(code: str) -> None:
        catalog.lookup_barcode(code)

    for code in codes[:WARMUP]:
        ours(code)
        raw(code)
    posterm, floor = _alternate(codes[WARMUP:], runs, ours, raw)
    mine, least = _summary(posterm), _summary(floor)
    return {
        "count": len(posterm),
        "posterm": mine,
        "floor": least,
        "ratio": _ratio(mine["p95_ms"], least["p95_ms"]),
        "p50_ratio": _ratio(mine["p50_ms"], least["p50_ms"]),
    }


# --- name search -------------------------------------------------------------------------------

NAME_START, WORD_INSIDE = "name_start", "word_inside"
KIND_LABELS = {NAME_START: "first word of the name", WORD_INSIDE: "word inside the name"}


def _words(phrases: Sequence[str], *, first_only: bool) -> list[str]:
    words: set[str] = set()
    for phrase in phrases:
        parts = phrase.split()[:1] if first_only else phrase.split()
        words.update(w.lower() for w in parts if len(w) >= 2 and w.isalpha())
    return sorted(words)


def search_prefixes(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(kind, prefix): 2-5 letters of a name's first word, or of a word inside names, half each."""
    starts = _words(BRANDS, first_only=True)
    later_brand_words = [" ".join(brand.split()[1:]) for brand in BRANDS]
    inside = _words(ITEMS + VARIANTS + tuple(later_brand_words), first_only=False)
    chosen = []
    for index in range(count):
        kind = NAME_START if index % 2 == 0 else WORD_INSIDE
        word = rng.choice(starts if kind == NAME_START else inside)
        chosen.append((kind, word[: rng.randint(2, min(5, len(word)))]))
    rng.shuffle(chosen)
    return chosen


def bench_search(runs: int, rng: random.Random) -> Figures:
    queries = search_prefixes(rng, SEARCHES + WARMUP)
    db = database.obj
    sql = (
        f"SELECT id, name FROM product WHERE search_name >= {db.param} "
        f"AND search_name < {db.param} ORDER BY search_name LIMIT {db.param}"
    )
    range_rows: dict[str, int] = {}

    def raw(query: tuple[str, str]) -> None:
        prefix = query[1]
        rows = db.execute_sql(sql, (prefix, next_prefix(prefix), SEARCH_LIMIT + 1)).fetchall()
        range_rows[prefix] = len(rows)

    def ours(query: tuple[str, str]) -> None:
        catalog.search_products(query[1], limit=SEARCH_LIMIT)

    for query in queries[:WARMUP]:
        ours(query)
        raw(query)
    timed = queries[WARMUP:]
    posterm, floor = _alternate(timed, runs, ours, raw)
    mine, least = _summary(posterm), _summary(floor)
    figures: Figures = {
        "count": len(posterm),
        "limit": SEARCH_LIMIT,
        "posterm": mine,
        "floor": least,
        "ratio": _ratio(mine["p95_ms"], least["p95_ms"]),
        "target_ms": SEARCH_TARGET_MS,
        "met": mine["p95_ms"] <= SEARCH_TARGET_MS,
        "kinds": {},
    }
    for kind in (NAME_START, WORD_INSIDE):
        picked = [i for i, (k, _) in enumerate(timed) if k == kind]
        ours_kind = _summary([posterm[i] for i in picked])
        floor_kind = _summary([floor[i] for i in picked])
        # Fewer than a page by the start of the name: search_products goes on to any word.
        short = sum(range_rows[timed[i][1]] < SEARCH_LIMIT for i in picked)
        figures["kinds"][kind] = {
            "count": len(picked),
            "posterm": ours_kind,
            "floor": floor_kind,
            "ratio": _ratio(ours_kind["p95_ms"], floor_kind["p95_ms"]),
            "met": ours_kind["p95_ms"] <= SEARCH_TARGET_MS,
            "word_search_share": round(short / len(picked), 3) if picked else 0.0,
        }
    figures["slow_kinds"] = [k for k, v in figures["kinds"].items() if not v["met"]]
    return figures


# --- scan to line on screen ------------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    barcode: str
    code: str
    row: int  # the bill line it shows on
    rows: int  # lines on the bill afterwards
    quantity: str  # the quantity that line shows afterwards


def plan_scans(shop: Catalog, count: int, rng: random.Random) -> list[list[Scan]]:
    """Bills of BILL_LINES scans: new items, and some items scanned again (merged)."""
    bills: list[list[Scan]] = []
    remaining = count
    while remaining > 0:
        size = min(BILL_LINES, remaining)
        remaining -= size
        lines: list[tuple[str, str]] = []  # (barcode, code) in bill order
        quantities: dict[str, int] = {}
        bill = []
        for _ in range(size):
            if lines and rng.random() < REPEAT_SCAN_SHARE:
                barcode, code = rng.choice(lines)
            else:
                index = rng.randrange(shop.count)
                while shop.barcodes[index] in quantities:
                    index = rng.randrange(shop.count)
                barcode, code = shop.barcodes[index], shop.codes[index]
                lines.append((barcode, code))
            quantities[barcode] = quantities.get(barcode, 0) + 1
            row = next(i for i, (b, _) in enumerate(lines) if b == barcode)
            bill.append(Scan(barcode, code, row, len(lines), str(quantities[barcode])))
        bills.append(bill)
    return bills


def _post_burst(app: Any, code: str) -> None:
    """Keys as a wedge scanner sends them: all at once, ending in Enter."""
    for character in code:
        app.post_message(events.Key(character, character))
    app.post_message(events.Key("enter", "\r"))


async def _settle(pilot: Any) -> None:
    """Waits for background workers (database, bcrypt) and the redraw that follows."""
    for _ in range(2):
        for worker in list(pilot.app.workers):
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()


async def _wait_until(check: Callable[[], bool], what: Callable[[], str]) -> None:
    deadline = time.perf_counter() + SCAN_TIMEOUT
    while not check():
        if time.perf_counter() > deadline:
            raise BenchmarkError(f"no line after {SCAN_TIMEOUT:g} s: {what()}")
        await asyncio.sleep(POLL_SECONDS)


async def _seconds_until(check: Callable[[], bool], what: str) -> float:
    """Waits for `check` as _wait_until does; returns the perf_counter() time it held."""
    await _wait_until(check, lambda: what)
    return time.perf_counter()


async def _painted(app: Any) -> None:
    """Returns once the screen has been repainted (at once if nothing is left to paint)."""
    done = asyncio.Event()
    app.call_after_refresh(done.set)
    await done.wait()


@dataclass
class ScanTimes:
    line: list[float]
    painted: list[float]
    saved: list[float] = field(default_factory=list)  # posterm only: the open bill on disk


async def _time_scan(
    pilot: Any,
    code: str,
    shown: Callable[[], bool],
    what,
    saved: Callable[[], Callable[[], bool]] | None = None,
) -> tuple[float, float, float]:
    """Times (line in the table, frame painted, open bill saved) from the burst, in ms.

    `saved`, called once the line shows, returns the check that the save of the bill as it
    is then has committed (posterm's answer comes after the commit, so this is an upper
    bound of the window a power cut could lose).
    """
    started = time.perf_counter()
    _post_burst(pilot.app, code)
    await _wait_until(shown, what)
    line = time.perf_counter()
    saving = None
    if saved is not None:
        # Watched from now on, alongside the wait for the painted frame.
        saving = asyncio.create_task(_seconds_until(saved(), "the open bill was never saved"))
    await _painted(pilot.app)
    painted = time.perf_counter()
    saved_at = math.nan
    if saving is not None:
        saved_at = _ms(await saving - started)
    await _settle(pilot)  # the open bill's autosave finishes between scans, as at a counter
    return _ms(line - started), _ms(painted - started), saved_at


async def _posterm_session(url: str, bills: list[list[Scan]], times: ScanTimes) -> None:
    app = PostermApp(Config(database_url=url, terminal=TERMINAL))
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        await _settle(pilot)
        for text in (OWNER, PASSWORD):
            for character in text:
                await pilot.press(character)
            await pilot.press("enter")
        await _settle(pilot)
        screen = app.screen
        if not isinstance(screen, BillingScreen):
            raise BenchmarkError(f"logging in led to {type(screen).__name__}, not billing")
        table = screen.query_one(BillTable)

        def status() -> str:
            return str(screen.query_one("#billing-status").content)

        for number, bill in enumerate(bills):
            for scan in bill:

                def shown(scan: Scan = scan) -> bool:
                    items = screen.bill.items
                    return (
                        len(items) == scan.rows
                        and table.row_count == scan.rows
                        and items[scan.row].code == scan.code
                        and table.get_cell_at(Coordinate(scan.row, 2)).plain == scan.quantity
                    )

                def saved() -> Callable[[], bool]:
                    version = screen.changes
                    return lambda: screen.saved_changes >= version

                line, painted, saved_at = await _time_scan(
                    pilot, scan.barcode, shown, status, saved
                )
                if number:  # the first bill warms up the session
                    times.line.append(line)
                    times.painted.append(painted)
                    times.saved.append(saved_at)
            await pilot.press("f9")
            await pilot.press("y")
            await _settle(pilot)
            if screen.bill.items:
                raise BenchmarkError(f"the bill was not cleared: {status()}")


class FloorTill(BareApp):
    """The start-up benchmark's bare app, appending a row to its table on Enter."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.value = ""
        self.query_one(DataTable).add_row(event.value, "1", "0.00", "0.00")


async def _floor_session(bills: list[list[Scan]], times: ScanTimes) -> None:
    app = FloorTill()
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        await _settle(pilot)
        app.query_one(Input).cursor_blink = False  # as posterm's fields: no idle redraws
        table = app.query_one(DataTable)
        for number, bill in enumerate(bills):
            for index, scan in enumerate(bill):
                rows = index + 1
                line, painted, _ = await _time_scan(
                    pilot,
                    scan.barcode,
                    lambda rows=rows: table.row_count == rows,
                    lambda: f"floor table has {table.row_count} rows",
                )
                if number:
                    times.line.append(line)
                    times.painted.append(painted)
            table.clear()
            await _settle(pilot)


def bench_scan_to_line(url: str, shop: Catalog, runs: int, rng: random.Random) -> Figures:
    bills = plan_scans(shop, SCANS, rng)
    warmup = plan_scans(shop, min(WARMUP, BILL_LINES), rng)
    ours = ScanTimes([], [])
    floors = ScanTimes([], [])
    for part in _rounds(bills, runs):
        system.close()
        asyncio.run(_posterm_session(url, warmup + list(part), ours))
        asyncio.run(_floor_session(warmup + list(part), floors))
    system.open_store(url)
    line, floor_line = _summary(ours.line, 2), _summary(floors.line, 2)
    painted, floor_painted = _summary(ours.painted, 2), _summary(floors.painted, 2)
    return {
        "count": len(ours.line),
        "repeat_scans": sum(scan.quantity != "1" for bill in bills for scan in bill),
        "posterm": line,
        "floor": floor_line,
        "ratio": _ratio(line["p95_ms"], floor_line["p95_ms"]),
        "p50_ratio": _ratio(line["p50_ms"], floor_line["p50_ms"]),
        "target_ms": SCAN_TARGET_MS,
        "met": line["p95_ms"] <= SCAN_TARGET_MS,
        "painted": painted,
        "floor_painted": floor_painted,
        "painted_ratio": _ratio(painted["p95_ms"], floor_painted["p95_ms"]),
        "saved": _summary(ours.saved, 2),
    }


# --- checkout ----------------------------------------------------------------------------------

FLOOR_SERIES = "FLOOR"
_SCALE = 10_000  # money in 1/10000 (MoneyField); quantities in 1/1000 (QuantityField)
_QTY = 1_000
OLD_BATCH_UNITS = 1  # each product on a bill has an old batch of 1 unit, then a big new one
NEW_BATCH_UNITS = 100_000
DOUBLE_EVERY = 4  # every 4th line sells 2 units: its first sale draws from both batches


@dataclass(frozen=True)
class FloorProduct:
    id: int
    name: str
    code: str
    barcode: str
    hsn_code: str
    price: int  # scaled, as stored
    cost: int
    rate: int
    stock: int


def _floor_products(db: Any, ids: Sequence[int]) -> list[FloorProduct]:
    marks = ", ".join([db.param] * len(ids))
    rows = db.execute_sql(
        "SELECT p.id, p.name, p.code, p.barcode, p.hsn_code, p.price, p.cost, t.rate, p.stock "
        f"FROM product p JOIN tax_rate t ON t.id = p.tax_rate_id WHERE p.id IN ({marks})",
        tuple(ids),
    ).fetchall()
    by_id = {row[0]: FloorProduct(*row) for row in rows}
    return [by_id[i] for i in ids]


def _insert(db: Any, table: str, rows: Sequence[Mapping[str, Any]], returning: str = "") -> Any:
    """One INSERT of `rows` (dicts with the same keys, the table's column names)."""
    columns = list(rows[0])
    one = "(" + ", ".join([db.param] * len(columns)) + ")"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(rows))}"
    if returning:
        sql += f" RETURNING {returning}"
    return db.execute_sql(sql, tuple(row[column] for row in rows for column in columns))


def _set_by_id(db: Any, table: str, column: str, values: Mapping[int, int], now: Any) -> None:
    """One UPDATE setting `column` of each row id to its value (CASE), and updated_at."""
    cases = " ".join([f"WHEN {db.param} THEN {db.param}"] * len(values))
    marks = ", ".join([db.param] * len(values))
    params = [item for pair in values.items() for item in pair] + [now, *values]
    db.execute_sql(
        f"UPDATE {table} SET {column} = CASE id {cases} END, updated_at = {db.param} "
        f"WHERE id IN ({marks})",
        tuple(params),
    )


def quantity_of(line_no: int) -> int:
    """Units sold on line `line_no` (1-based) of a benchmark bill."""
    return 2 if line_no % DOUBLE_EVERY == 0 else 1


def _floor_draws(db: Any, products: Sequence[FloorProduct]) -> tuple[list[list], dict[int, int]]:
    """Each line's (batch id, quantity, unit cost) FIFO draws, and what is left in each batch."""
    ids = sorted(p.id for p in products)
    marks = ", ".join([db.param] * len(ids))
    lock = " FOR UPDATE" if is_postgres(db) else ""
    rows = db.execute_sql(
        "SELECT id, product_id, unit_cost, quantity_remaining FROM batch "
        f"WHERE product_id IN ({marks}) AND quantity_remaining > 0 "
        f"ORDER BY product_id, created_at, id{lock}",
        tuple(ids),
    ).fetchall()
    batches: dict[int, list[list[int]]] = {}
    for batch_id, product_id, unit_cost, left in rows:
        batches.setdefault(product_id, []).append([batch_id, unit_cost, left])
    draws, left = [], {}
    for number, product in enumerate(products, start=1):
        want, line = quantity_of(number) * _QTY, []
        for batch in batches.get(product.id, []):
            take = min(want, batch[2])
            if take > 0:
                batch[2] -= take
                want -= take
                left[batch[0]] = batch[2]
                line.append((batch[0], take, batch[1]))
        if want > 0:
            line.append((None, want, product.cost))
        draws.append(line)
    return draws, left


def floor_checkout(db: Any, user_id: int, products: Sequence[FloorProduct]) -> None:
    """The writes of a cash sale of `products` (quantity_of each line), as raw SQL in one
    transaction, FIFO batch draws included.

    Prices are tax-inclusive, as in posterm's default settings; money is in scaled integers.
    """
    now = utc_now().replace(tzinfo=None)
    stamp = {"created_at": now, "updated_at": now}
    tendered = int(CASH_TENDERED * _SCALE)
    # SQLite: BEGIN IMMEDIATE, as posterm's write transaction; PostgreSQL: a plain BEGIN.
    with db.atomic() if is_postgres(db) else db.atomic("IMMEDIATE"):
        draws, left = _floor_draws(db, products)
        lines, movements, stock = [], [], {}
        for number, (product, line_draws) in enumerate(zip(products, draws, strict=True), 1):
            units = quantity_of(number)
            gross = product.price * units
            taxable = gross * 100 * _SCALE // (100 * _SCALE + product.rate)
            cost_total = sum(q * c // _QTY for _, q, c in line_draws)
            unit_cost = cost_total // units
            stock[product.id] = stock.get(product.id, product.stock) - units * _QTY
            lines.append(
                stamp
                | {
                    "sale_id": None,
                    "line_no": number,
                    "product_id": product.id,
                    "name": product.name,
                    "code": product.code,
                    "barcode": product.barcode,
                    "hsn_code": product.hsn_code,
                    "unit": "pcs",
                    "quantity": units * _QTY,
                    "unit_price": product.price,
                    "price_overridden": False,
                    "gross": gross,
                    "line_discount": 0,
                    "bill_discount": 0,
                    "tax_rate": product.rate,
                    "taxable_value": taxable,
                    "tax_amount": gross - taxable,
                    "line_total": gross,
                    "unit_cost": unit_cost,
                    "cost_total": cost_total,
                    "restocked": True,
                }
            )
            movements.append(
                stamp
                | {
                    "product_id": product.id,
                    "kind": "sale",
                    "quantity": -units * _QTY,
                    "stock_after": stock[product.id],
                    "unit_cost": unit_cost,
                    "reason": "",
                    "note": "",
                    "sale_id": None,
                    "user_id": user_id,
                    "terminal": TERMINAL,
                }
            )
        total = sum(line["line_total"] for line in lines)
        sequence = db.execute_sql(
            f"UPDATE counter SET value = value + 1, updated_at = {db.param} "
            f"WHERE name = {db.param} RETURNING value",
            (now, f"bill:{FLOOR_SERIES}"),
        ).fetchone()[0]
        sale = stamp | {
            "uuid": uuid.uuid4().hex,
            "kind": "sale",
            "bill_number": f"{FLOOR_SERIES}-{sequence:06d}",
            "series": FLOOR_SERIES,
            "sequence": sequence,
            "terminal": TERMINAL,
            "user_id": user_id,
            "prices_include_tax": True,
            "item_count": sum(line["quantity"] for line in lines),
            "subtotal": total,
            "discount_total": 0,
            "tax_total": sum(line["tax_amount"] for line in lines),
            "round_off": 0,
            "total": total,
            "paid_total": tendered,
            "change_given": tendered - total,
            "credit_amount": 0,
            "loyalty_earned": 0,
            "loyalty_redeemed": 0,
            "printed": False,
            "reason": "",
            "note": "",
        }
        sale_id = _insert(db, "sale", [sale], returning="id").fetchone()[0]
        for row in lines + movements:
            row["sale_id"] = sale_id
        line_ids = dict(_insert(db, "sale_line", lines, returning="line_no, id").fetchall())
        _insert(
            db,
            "sale_line_batch",
            [
                stamp
                | {
                    "sale_line_id": line_ids[number],
                    "batch_id": batch_id,
                    "quantity": quantity,
                    "unit_cost": unit_cost,
                    "cost_total": quantity * unit_cost // _QTY,
                }
                for number, line_draws in enumerate(draws, start=1)
                for batch_id, quantity, unit_cost in line_draws
            ],
        )
        if left:
            _set_by_id(db, "batch", "quantity_remaining", left, now)
        payment = stamp | {
            "sale_id": sale_id,
            "user_id": user_id,
            "terminal": TERMINAL,
            "method": "cash",
            "direction": "in",
            "amount": total,
            "tendered": tendered,
            "reference": "",
        }
        _insert(db, "payment", [payment])
        _insert(db, "stock_movement", movements)
        _set_by_id(db, "product", "stock", stock, now)


def _add_batches(db: Any, product_ids: Sequence[int]) -> None:
    """Each product an old batch of OLD_BATCH_UNITS and a newer one of NEW_BATCH_UNITS, at
    90 % and 100 % of its cost (untimed: the goods were received before the day's sales)."""
    old = utc_now().replace(tzinfo=None) - timedelta(days=30)
    new = old + timedelta(days=1)
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), INSERT_CHUNK):
        chunk = ids[start : start + INSERT_CHUNK]
        marks = ", ".join([db.param] * len(chunk))
        costs = db.execute_sql(f"SELECT id, cost FROM product WHERE id IN ({marks})", chunk)
        rows = []
        for product_id, cost in costs.fetchall():
            for when, units, unit_cost in (
                (old, OLD_BATCH_UNITS, cost * 9 // 10),
                (new, NEW_BATCH_UNITS, cost),
            ):
                rows.append(
                    {
                        "created_at": when,
                        "updated_at": when,
                        "product_id": product_id,
                        "batch_number": "",
                        "unit_cost": unit_cost,
                        "quantity_received": units * _QTY,
                        "quantity_remaining": units * _QTY,
                    }
                )
        with db.atomic():
            _insert(db, "batch", rows)


def bench_checkout(shop: Catalog, runs: int, rng: random.Random) -> Figures:
    db = database.obj
    owner = _owner()
    db.execute_sql(
        f"INSERT INTO counter (created_at, updated_at, name, value) VALUES "
        f"({db.param}, {db.param}, {db.param}, 0) ON CONFLICT (name) DO NOTHING",
        (utc_now().replace(tzinfo=None), utc_now().replace(tzinfo=None), f"bill:{FLOOR_SERIES}"),
    )
    bills = [rng.sample(shop.ids, CHECKOUT_LINES) for _ in range(2 * (CHECKOUTS + WARMUP))]
    _add_batches(db, [product_id for bill in bills for product_id in bill])
    ours_bills, floor_bills = bills[0::2], bills[1::2]

    def ours(ids: list[int]) -> None:
        request = CheckoutRequest(
            cart_id=uuid.uuid4(),
            lines=[
                SaleLineRequest(product_id, Decimal(quantity_of(number)))
                for number, product_id in enumerate(ids, start=1)
            ],
            tenders=[Tender("cash", CASH_TENDERED)],
        )
        checkout.checkout(owner, request)

    # The floor's product data is read untimed: it stands for what the till already holds.
    floor_times: list[float] = []

    def floor_once(ids: list[int]) -> None:
        products = _floor_products(db, ids)
        started = time.perf_counter()
        floor_checkout(db, owner.user_id, products)
        floor_times.append(_ms(time.perf_counter() - started))

    for ids in ours_bills[:WARMUP]:
        ours(ids)
    for ids in floor_bills[:WARMUP]:
        floor_once(ids)
    floor_times.clear()
    posterm: list[float] = []
    pairs = list(zip(ours_bills[WARMUP:], floor_bills[WARMUP:], strict=True))
    for part in _rounds(pairs, runs):
        posterm += _time_each(ours, [pair[0] for pair in part])
        for pair in part:
            floor_once(pair[1])
    mine, least = _summary(posterm, 2), _summary(floor_times, 2)
    ratio = _ratio(mine["median_ms"], least["median_ms"])
    return {
        "count": len(posterm),
        "lines": CHECKOUT_LINES,
        "products": shop.count,
        "posterm": mine,
        "floor": least,
        "ratio": ratio,
        "target": CHECKOUT_TARGET_RATIO,
        "met": ratio <= CHECKOUT_TARGET_RATIO,
    }


# --- the benchmark -----------------------------------------------------------------------------


@contextlib.contextmanager
def _isolated_environment(home: Path) -> Iterator[None]:
    """The app reads no user config or themes while it runs here, and writes nowhere else."""
    saved = dict(os.environ)
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[variable] = str(home / variable.lower())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_billing(runs: int, progress: Callable[[str], None] = lambda _: None) -> Figures:
    count = product_count()
    pg_url = os.environ.get("POSTERM_TEST_PG", "")
    rng = random.Random(SEED)
    figures: Figures = {"runs": runs, "products": count}
    with (
        tempfile.TemporaryDirectory(prefix="posterm-bench-") as tmp,
        _isolated_environment(Path(tmp)),
    ):
        url = f"sqlite:///{Path(tmp) / 'billing.db'}"
        try:
            shop = build_store(url, count, progress)
            figures["catalog"] = {
                "products": count,
                "seconds": round(shop.seconds, 2),
                "rows_per_second": round(count / shop.seconds),
            }
            progress(f"billing: {LOOKUPS:,} barcode lookups")
            figures["lookup"] = bench_lookup(shop, runs, rng)
            progress(f"billing: {SEARCHES:,} name searches")
            figures["search"] = bench_search(runs, rng)
            progress(f"billing: {CHECKOUTS} checkouts of {CHECKOUT_LINES} lines on SQLite")
            figures["checkout_sqlite"] = bench_checkout(shop, runs, rng)
            progress(f"billing: {SCANS} scans in the app and in the bare app")
            figures["scan_to_line"] = bench_scan_to_line(url, shop, runs, rng)
        finally:
            system.close()
        if pg_url:
            with postgres_store(pg_url) as schema_url:
                try:
                    progress("billing: PostgreSQL store")
                    pg_shop = build_store(schema_url, count, progress)
                    progress(f"billing: {CHECKOUTS} checkouts on PostgreSQL")
                    figures["checkout_postgresql"] = bench_checkout(pg_shop, runs, rng)
                    figures["checkout_postgresql"]["generate_seconds"] = round(pg_shop.seconds, 2)
                finally:
                    system.close()
    return figures


# --- the table ---------------------------------------------------------------------------------


def _fmt(ms: float) -> str:
    return f"{ms:.3f} ms" if ms < 1 else f"{ms:.2f} ms" if ms < 100 else f"{ms:.0f} ms"


def _target(text: str, met: bool) -> str:
    return text + ("" if met else "  MISSED")


def billing_rows(figures: Mapping[str, Any]) -> list[Row]:
    """Table rows (measure, posterm, floor, ratio, target) for the figures of `run_billing`."""
    rows: list[Row] = []
    shop = figures["catalog"]
    rows.append(
        (
            f"catalog: {shop['products']:,} products generated",
            f"{shop['seconds']:.1f} s",
            "",
            "",
            f"{shop['rows_per_second']:,} rows/s",
        )
    )
    lookup = figures["lookup"]
    for key, label in (("p50_ms", "p50"), ("p95_ms", "p95")):
        rows.append(
            (
                f"scan lookup, {label} (of {lookup['count']:,})",
                _fmt(lookup["posterm"][key]),
                _fmt(lookup["floor"][key]),
                f"{_ratio(lookup['posterm'][key], lookup['floor'][key]):.2f}",
                "",
            )
        )
    search = figures["search"]
    target = f"<= {search['target_ms']:g} ms"
    rows.append(
        (
            f"name search, p95 (of {search['count']:,})",
            _fmt(search["posterm"]["p95_ms"]),
            _fmt(search["floor"]["p95_ms"]),
            f"{search['ratio']:.2f}",
            _target(target, search["met"]),
        )
    )
    for kind, label in KIND_LABELS.items():
        part = search["kinds"][kind]
        share = f", {part['word_search_share']:.0%} go on to any word"
        rows.append(
            (
                f"  {label}, p95{share}",
                _fmt(part["posterm"]["p95_ms"]),
                _fmt(part["floor"]["p95_ms"]),
                f"{part['ratio']:.2f}",
                "" if part["met"] else "slow",
            )
        )
    if "scan_to_line" in figures:
        scan = figures["scan_to_line"]
        for key, label in (("p50_ms", "p50"), ("p95_ms", "p95")):
            rows.append(
                (
                    f"scan to line in table, {label} (of {scan['count']})",
                    _fmt(scan["posterm"][key]),
                    _fmt(scan["floor"][key]),
                    f"{_ratio(scan['posterm'][key], scan['floor'][key]):.2f}",
                    _target(f"<= {scan['target_ms']:g} ms", scan["met"]) if key == "p95_ms" else "",
                )
            )
        rows.append(
            (
                "scan to screen repainted, p95",
                _fmt(scan["painted"]["p95_ms"]),
                _fmt(scan["floor_painted"]["p95_ms"]),
                f"{scan['painted_ratio']:.2f}",
                "",
            )
        )
        if "saved" in scan:
            rows.append(
                (
                    "scan to open bill saved, p95",
                    _fmt(scan["saved"]["p95_ms"]),
                    "",
                    "",
                    "crash window",
                )
            )
    for key, engine in (("checkout_sqlite", "SQLite"), ("checkout_postgresql", "PostgreSQL")):
        if key not in figures:
            continue
        sale = figures[key]
        rows.append(
            (
                f"checkout, {sale['lines']} lines, median, {engine}",
                _fmt(sale["posterm"]["median_ms"]),
                _fmt(sale["floor"]["median_ms"]),
                f"{sale['ratio']:.2f}",
                _target(f"<= {sale['target']:.2f}", sale["met"]),
            )
        )
    return rows
