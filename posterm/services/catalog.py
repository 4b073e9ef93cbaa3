"""Finding products at the till: by a scanned barcode (weight and price labels included) or by
what the cashier types.

Both are on the path from a key press to a line on the bill, so each is a few indexed queries
whose cost does not grow with the catalogue:

- a scan is one query (a UNION ALL of three unique-index lookups, joined to the product's tax
  rate and category); the store settings are read only for an in-store label (20-29 prefix)
  or a product without a tax rate of its own;
- a search reads a range of the `product.search_name` index (names starting with the text)
  and, when that does not fill the page, a range of the `product_word` key (names with a later
  word starting with it), both already in name order and stopped by LIMIT.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from peewee import JOIN, SQL, Select, Value, fn

from posterm.data.database import is_postgres
from posterm.data.models import (
    ACTIVE,
    Category,
    Product,
    ProductBarcode,
    ProductWord,
    TaxRate,
    database,
)
from posterm.domain.barcodes import (
    BarcodeKind,
    EmbeddedCode,
    EmbeddedKind,
    EmbeddedLayout,
    classify,
    decode_embedded,
    equivalent_codes,
)
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.products import (
    WORD_SEPARATORS,
    ProductInfo,
    ScanResult,
    next_prefix,
    search_text,
    search_words,
)
from posterm.services.settings import load_settings

MAX_CODE = 32  # the width of product.barcode and product.code
MAX_SEARCH = 60
MAX_PAGE = 200
# Later-word search: up to this many matching words are sorted by name in memory (~1 ms);
# beyond that, results come in the order of the word index (matching word, then name).
SORT_LIMIT = 2_000
_IN_STORE = tuple(str(prefix) for prefix in range(20, 30))


# --- reading products -------------------------------------------------------------------------

# What is read of a product, in this order; each value goes through its field's converter.
_COLUMNS = (
    Product.id,
    Product.code,
    Product.name,
    Product.search_name,
    Product.barcode,
    Product.unit,
    Product.sold_by_weight,
    Product.price,
    Product.tax_rate,
    TaxRate.rate,
    Product.hsn_code,
    Product.stock,
    Product.status,
    Product.deleted_at,
    Category.name,
)
_CONVERTERS = tuple(column.python_value for column in _COLUMNS)


class _Row(NamedTuple):
    id: int
    code: str
    name: str
    search_name: str
    barcode: str | None
    unit: str
    sold_by_weight: bool
    price: Decimal
    tax_rate_id: int | None
    tax_percent: Decimal | None
    hsn_code: str
    stock: Decimal
    status: str
    deleted_at: Any
    category: str | None


def _select() -> Any:
    """Products with their tax rate and category name, as plain tuples of `_COLUMNS`."""
    return (
        Product.select(*_COLUMNS)
        .join(TaxRate, JOIN.LEFT_OUTER, on=(Product.tax_rate == TaxRate.id))
        .switch(Product)
        .join(Category, JOIN.LEFT_OUTER, on=(Product.category == Category.id))
    )


# SQL text of the queries on the scan and search paths, built once per shape and database:
# building it is most of what peewee spends on a query of this size (~0.5 ms of 0.7).
_SQL: dict[tuple[Any, ...], str] = {}


def _rows(shape: tuple[Any, ...], build: Any, params: list[Any]) -> list[_Row]:
    """Runs the query `build()` makes (its shape named by `shape`) with `params`, which must
    be what peewee would pass, in its order: checked whenever the SQL is built."""
    key = (*shape, is_postgres())
    sql = _SQL.get(key)
    if sql is None:
        sql, built = build().sql()
        if list(built) != list(params):
            raise RuntimeError(f"catalog: parameters of {shape} are {built}, not {params}")
        _SQL[key] = sql
    cursor = database.execute_sql(sql, params)
    return [
        _Row(*(convert(value) for convert, value in zip(_CONVERTERS, row, strict=True)))
        for row in cursor.fetchall()
    ]


class _DefaultRate:
    """The store's default tax rate, read from the settings only if a product needs it."""

    def __init__(self, rate: Decimal | None = None) -> None:
        self._rate = rate

    def __call__(self) -> Decimal:
        if self._rate is None:
            self._rate = load_settings().default_tax_rate
        return self._rate


def _info(product: _Row, default_rate: _DefaultRate) -> ProductInfo:
    return ProductInfo(
        id=product.id,
        code=product.code,
        name=product.name,
        barcode=product.barcode or "",
        unit=product.unit,
        sold_by_weight=product.sold_by_weight,
        price=product.price,
        tax_rate=(
            product.tax_percent
            if product.tax_rate_id is not None and product.tax_percent is not None
            else default_rate()
        ),
        hsn_code=product.hsn_code,
        stock=product.stock,
        status=product.status,
        category=product.category or "",
    )


def get_product(product_id: int) -> ProductInfo:
    """Any product by id, whatever its status (a line on a bill may outlive its product)."""
    found = _rows(("by id",), lambda: _select().where(Product.id == product_id), [product_id])
    if not found:
        raise NotFound(f"No product with id {product_id}.")
    return _info(found[0], _DefaultRate())


def _by_ids(ids: list[int]) -> list[_Row]:
    """The products `ids`, in that order (one query)."""
    if not ids:
        return []
    found = _rows(("by ids", len(ids)), lambda: _select().where(Product.id.in_(ids)), ids)
    by_id = {row.id: row for row in found}
    return [by_id[i] for i in ids if i in by_id]


def _matching(codes: tuple[str, ...], *, active_only: bool) -> list[_Row]:
    """Products whose barcode, extra barcode or code is one of `codes`, best match first.

    One query: a UNION ALL of the three unique-index lookups (an OR across the tables would
    scan the product table on PostgreSQL), joined to the products' rate and category.
    """

    def build() -> Any:
        by_barcode = Product.select(Product.id.alias("pid"), SQL("1").alias("pick")).where(
            Product.barcode.in_(codes)
        )
        by_extra = ProductBarcode.select(
            ProductBarcode.product.alias("pid"), SQL("2").alias("pick")
        ).where(ProductBarcode.barcode.in_(codes))
        by_code = Product.select(Product.id.alias("pid"), SQL("3").alias("pick")).where(
            Product.code.in_(codes)
        )
        found = (by_barcode + by_extra + by_code).alias("found")  # `+` is UNION ALL
        query = (
            _select()
            .join_from(Product, found, on=(found.c.pid == Product.id))
            .order_by(found.c.pick, Product.id)
        )
        return query.where(Product.status == ACTIVE) if active_only else query

    params = [*codes, *codes, *codes, *([ACTIVE] if active_only else [])]
    return _rows(("matching", len(codes), active_only), build, params)


def _sellable(product: _Row, scanned: str, default_rate: _DefaultRate) -> ProductInfo:
    if product.deleted_at is not None or product.status != ACTIVE:
        state = "deleted" if product.deleted_at is not None else product.status
        raise Conflict(f"{product.name} ({scanned}) is {state}: it cannot be sold.")
    return _info(product, default_rate)


# --- scanning --------------------------------------------------------------------------------


def clean_code(code: str) -> str:
    """A scanned or typed code with every space removed (scanners and people add them)."""
    return "".join(code.split())


def lookup_barcode(code: str) -> ScanResult:
    """The product a scanned (or typed) code stands for.

    Looks at, in order: a weight or price label (an EAN-13 with a prefix of the store's
    `barcode_layout`: its item part is a product's code or barcode); the product barcode and
    the extra barcodes, under every spelling of a UPC-A (12 or 13 digits); the product code.
    Raises ValidationError for a misread code (wrong check digit), NotFound for an unknown one
    and Conflict for a product that may not be sold (inactive, discontinued, deleted).
    """
    code = clean_code(code)
    if not code:
        raise ValidationError("barcode", "scan or type a code")
    if len(code) > MAX_CODE:
        raise NotFound(f"No product with barcode {code[:MAX_CODE]}….")
    kind = classify(code)
    if kind is BarcodeKind.INVALID_CHECK:
        raise ValidationError("barcode", "check digit is wrong: rescan or type it")
    default_rate = _DefaultRate()
    if kind is BarcodeKind.EAN13 and code.startswith(_IN_STORE):
        settings = load_settings()
        default_rate = _DefaultRate(settings.default_tax_rate)
        layout = EmbeddedLayout.parse(settings.barcode_layout)
        label = decode_embedded(code, layout)
        if label is not None:
            return _labelled(code, label, layout, default_rate)
    found = _matching(equivalent_codes(code), active_only=False)
    if not found:
        raise NotFound(f"No product with barcode {code}.")
    return ScanResult(_sellable(found[0], code, default_rate), None, None, code)


def _labelled(
    code: str, label: EmbeddedCode, layout: EmbeddedLayout, default_rate: _DefaultRate
) -> ScanResult:
    """The product of a weight or price label, with the weight or the price on it.

    One item may be labelled by weight or by price (a scale prints either): its item digits
    are looked for under every label prefix of the layout, the scanned prefix first.
    """
    digits = label.item_code[2:]
    prefixes = (label.item_code[:2], *layout.weight_prefixes, *layout.price_prefixes)
    codes = tuple(dict.fromkeys(prefix + digits for prefix in prefixes))
    found = _matching(codes, active_only=False)
    if not found:
        raise NotFound(f"No product with code {label.item_code} (the item of label {code}).")
    found.sort(
        key=lambda p: min(
            (codes.index(c) for c in (p.code, p.barcode) if c in codes), default=len(codes)
        )
    )
    info = _sellable(found[0], code, default_rate)
    if label.value <= 0:
        what = "weight" if label.kind is EmbeddedKind.WEIGHT else "price"
        raise ValidationError("barcode", f"the label's {what} is zero: weigh the item again")
    if label.kind is EmbeddedKind.WEIGHT:
        return ScanResult(info, label.value, None, code)
    # A price label is the price of the labelled pack: one of it, at that price.
    return ScanResult(info, Decimal(1), label.value, code)


# --- searching -------------------------------------------------------------------------------


def _normalized(column: Any) -> Any:
    """SQL: a search_name with the word separators turned into spaces, as the triggers do."""
    expression = column
    for separator in WORD_SEPARATORS:
        expression = fn.REPLACE(expression, separator, " ")
    return expression


def _active() -> Any:
    """SQL: the product is active, written so the search_name index is the one used.

    SQLite has no statistics and would take the status index (then sort every match), so
    there the column is wrapped (`status || ''`) out of any index's reach; PostgreSQL knows
    from its statistics that nearly every product is active, and a wrapped column would
    make it guess the opposite.
    """
    status = Product.status if is_postgres() else Product.status.concat("")
    return status == ACTIVE


def _active_params() -> list[str]:
    """The parameters of `_active()`, in order."""
    return [ACTIVE] if is_postgres() else ["", ACTIVE]


def search_products(text: str, *, limit: int = 20, offset: int = 0) -> list[ProductInfo]:
    """Active products for typed text, a page at a time.

    In this order: products whose code or barcode (or extra barcode) is exactly the text; then
    products whose name starts with the text; then products with a later word starting with
    it (with more than one word typed: a word starting with each). Each group by name
    (case-insensitive, then code). Empty text gives no products.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")
    typed = text.strip()[:MAX_SEARCH]
    prefix = search_text(typed)
    if not prefix:
        return []
    wanted = offset + limit

    exact: list[_Row] = []
    if clean_code(typed) == typed and len(typed) <= MAX_CODE:
        spellings = tuple(dict.fromkeys((*equivalent_codes(typed), typed.upper())))
        unique = {p.id: p for p in _matching(spellings, active_only=True)}
        exact = sorted(unique.values(), key=lambda p: (p.search_name, p.id))
    exact_ids = [p.id for p in exact]

    upper = next_prefix(prefix)
    # The names from `prefix` on, in index order, stopping at the page; the end of the names
    # starting with it is found here. With `search_name < upper` in the query, PostgreSQL
    # misjudges how many names a prefix has (brands cluster) and may sort the whole range.
    count = wanted + len(exact_ids)  # some of them may be among the exact ones
    named = _rows(
        ("named",),
        lambda: (
            _select()
            .where((Product.search_name >= prefix) & _active())
            # Not also by id, for the same reason: search_name ends with the unique code.
            .order_by(Product.search_name)
            .limit(count)
        ),
        [prefix, *_active_params(), count],
    )
    found = list(exact)
    for product in named:
        if product.search_name >= upper:
            break
        if product.id not in exact_ids:
            found.append(product)
    if len(found) < wanted:
        # Every name starting with the text is in `found`: the later-word group follows.
        found += _by_later_word(typed, prefix, upper, exact_ids, wanted - len(found))
    default_rate = _DefaultRate()
    return [_info(p, default_rate) for p in found[offset:wanted]]


def _by_later_word(
    typed: str, prefix: str, upper: str, exclude: list[int], count: int
) -> list[_Row]:
    """The first `count` active products that do not start with the text but have a word
    starting with each typed word.

    From a range of the `product_word` key. Matches are counted up to SORT_LIMIT + 1; up to
    SORT_LIMIT of them are sorted by name. More (a short, common prefix) come in the order of
    the key: by the matching word, then by name, and the database stops at the page. So a
    page costs about the same at any catalogue size, and a narrower search (one word
    matching) is in name order either way.
    """
    words = search_words(typed, typed=True)
    if not words:
        return []
    # The longest typed word is likely the rarest: its range of the key is read, and the
    # other words are checked on the rows of that range.
    key = max(words, key=len)
    condition = (
        (ProductWord.word >= key)
        & (ProductWord.word < next_prefix(key))
        # Names that start with the text are the group before this one.
        & ~((ProductWord.sort_name >= prefix) & (ProductWord.sort_name < upper))
    )
    others = list(words)
    others.remove(key)
    if others:
        spaced = Value(" ", converter=False).concat(_normalized(ProductWord.sort_name))
        for word in others:
            condition &= spaced.contains(" " + word)
    matches = ProductWord.select(ProductWord.sort_name, ProductWord.product_id).where(condition)
    # How many words match, counting no further than SORT_LIMIT + 1 (in the index, not here).
    probe = matches.select(SQL("1")).limit(SORT_LIMIT + 1)
    few = Select([probe.alias("m")], [fn.COUNT(SQL("*"))]).scalar(database) <= SORT_LIMIT
    wanted = count + len(exclude)
    if few:  # every match, by name
        query = matches.distinct().order_by(ProductWord.sort_name, ProductWord.product_id)
    else:  # the first in the index's order: the matching word, then the name
        query = matches.order_by(ProductWord.word, ProductWord.sort_name, ProductWord.product_id)
    limit = wanted
    while True:
        rows = list(query.limit(limit).tuples())
        # Ordered by word, a product with two matching words has two rows: the first counts.
        ids = [pid for pid in dict.fromkeys(pid for _, pid in rows) if pid not in exclude]
        if len(ids) >= count or len(rows) < limit:
            break
        limit *= 2
    ids = ids[:count]
    if not ids:
        return []
    return _by_ids(ids)
