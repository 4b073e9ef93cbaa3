"""The stock screen's product list, a page at a time, fast at 300k products.

Keyset pagination on an index of the sort (name, stock or price: migration 0003), so a page
costs the same at 300k products as at 300; the SQL text of each query shape is built once
(building it costs more than running it, see catalog._SQL) and rows are read as tuples.
Typed text goes through the till's own search (`catalog.search_products`), tuned for that
size; the other filters thin its results out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from peewee import JOIN

from posterm.data.database import is_postgres
from posterm.data.models import ACTIVE, Batch, Category, Product, ProductBarcode, database
from posterm.domain.barcodes import equivalent_codes
from posterm.domain.catalog_records import (
    SORT_KEYS,
    PageCursor,
    ProductFilter,
    ProductPage,
    ProductRow,
)
from posterm.domain.errors import ValidationError
from posterm.domain.product_input import STATUSES
from posterm.domain.products import next_prefix, search_text, search_words
from posterm.services import catalog

MAX_PAGE = 200
MAX_EXPIRY_DAYS = 3660
_SEARCH_BATCH = catalog.MAX_PAGE  # search results read at a time when filters thin them out
_SEARCH_SCAN = 2_000  # search results looked at for one page before handing back a cursor


_ROW_COLUMNS = (
    Product.id,
    Product.code,
    Product.name,
    Product.barcode,
    Category.name.alias("category_name"),
    Product.unit,
    Product.sold_by_weight,
    Product.price,
    Product.stock,
    Product.min_stock,
    Product.status,
    Product.search_name,
)
_SORT_COLUMNS = {"name": Product.search_name, "stock": Product.stock, "price": Product.price}
_CONVERTERS = tuple(
    (Category.name if column is _ROW_COLUMNS[4] else column).python_value for column in _ROW_COLUMNS
)
# SQL text of the list's queries, built once per shape and database: building it costs more
# than running it (see catalog._SQL).
_SQL: dict[tuple[Any, ...], str] = {}


def _tuple_row(values: tuple[Any, ...]) -> ProductRow:
    (pid, code, name, barcode, category, unit, weight, price, stock, minimum, status, _) = (
        convert(value) for convert, value in zip(_CONVERTERS, values, strict=True)
    )
    return ProductRow(
        pid, code, name, barcode or "", category or "", unit, weight, price, stock, minimum, status
    )


def _run(shape: tuple[Any, ...], build: Any, params: list[Any]) -> list[tuple[Any, ...]]:
    """Runs the query `build()` makes with `params` (what peewee would pass, in its order:
    checked when the SQL is built)."""
    key = (*shape, is_postgres())
    sql = _SQL.get(key)
    if sql is None:
        sql, built = build().sql()
        if list(built) != list(params):
            raise RuntimeError(f"products: parameters of {shape} are {built}, not {params}")
        _SQL[key] = sql
    return database.execute_sql(sql, params).fetchall()


def _row(product: Product) -> ProductRow:
    return ProductRow(
        id=product.id,
        code=product.code,
        name=product.name,
        barcode=product.barcode or "",
        category=getattr(product, "category_name", None) or "",
        unit=product.unit,
        sold_by_weight=product.sold_by_weight,
        price=product.price,
        stock=product.stock,
        min_stock=product.min_stock,
        status=product.status,
    )


def _status_is(status: str) -> Any:
    """SQL: the product has `status`, written so that SQLite (no statistics) reads the index of
    the sort rather than the status index and then sorts every product (see catalog._active)."""
    column = Product.status if is_postgres() else Product.status.concat("")
    return column == status


def _conditions(wanted: ProductFilter, today: date) -> list[Any]:
    conditions = []
    if wanted.status is not None:
        conditions.append(_status_is(wanted.status))
    if wanted.category_id is not None:
        conditions.append(Product.category == wanted.category_id)
    if wanted.low_stock:
        conditions.append((Product.min_stock > 0) & (Product.stock <= Product.min_stock))
    if wanted.sold_by_weight is not None:
        conditions.append(Product.sold_by_weight == wanted.sold_by_weight)
    if wanted.expiring_days is not None:
        until = today + timedelta(days=wanted.expiring_days)
        expiring = Batch.select(Batch.product).where(
            Batch.expiry_date.is_null(False)
            & (Batch.expiry_date <= until)
            & (Batch.quantity_remaining > 0)
        )
        conditions.append(Product.id.in_(expiring))
    return conditions


def _condition_params(wanted: ProductFilter, today: date) -> list[Any]:
    """The parameters `_conditions(wanted, today)` passes, in its order."""
    params: list[Any] = []
    if wanted.status is not None:
        params += [wanted.status] if is_postgres() else ["", wanted.status]
    if wanted.category_id is not None:
        params.append(wanted.category_id)
    if wanted.low_stock:
        params.append(0)
    if wanted.sold_by_weight is not None:
        params.append(Product.sold_by_weight.db_value(wanted.sold_by_weight))
    if wanted.expiring_days is not None:
        until = today + timedelta(days=wanted.expiring_days)
        params += [Batch.expiry_date.db_value(until), 0]
    return params


def _shape(wanted: ProductFilter) -> tuple[Any, ...]:
    """What decides the SQL text of a list query (not the values in it)."""
    return (
        wanted.status is None,
        wanted.category_id is None,
        wanted.low_stock,
        wanted.sold_by_weight is None,
        wanted.expiring_days is None,
    )


def _listing(conditions: list[Any]) -> Any:
    query = Product.select(*_ROW_COLUMNS).join(
        Category, JOIN.LEFT_OUTER, on=(Product.category == Category.id)
    )
    for condition in conditions:
        query = query.where(condition)
    return query


def _check_filter(wanted: ProductFilter, limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    if wanted.sort not in SORT_KEYS:
        raise ValidationError("sort", f"one of {', '.join(SORT_KEYS)}")
    if wanted.status is not None and wanted.status not in STATUSES:
        raise ValidationError("status", f"one of {', '.join(STATUSES)}, or every status")
    if wanted.expiring_days is not None and not 0 <= wanted.expiring_days <= MAX_EXPIRY_DAYS:
        raise ValidationError("expiring", f"days from 0 to {MAX_EXPIRY_DAYS}")


def list_products(
    wanted: ProductFilter = ProductFilter(),  # noqa: B008 (frozen, so sharing it is safe)
    *,
    after: PageCursor | None = None,
    limit: int = 50,
    today: date | None = None,
) -> ProductPage:
    """One page of the stock screen's list; pass the page's `next` as `after` for the next.

    Without text: the products the filters allow, by the sort, read from the sort's index
    from where the last page stopped. With text: the till's search (code or barcode exactly,
    then names starting with it, then names with a word starting with it) for active
    products; other statuses match the start of the name, the code or a barcode. Filters
    apply to the search results.
    """
    _check_filter(wanted, limit)
    today = today or date.today()
    if search_text(wanted.text):
        if wanted.status == ACTIVE:
            return _search_active(wanted, after, limit, today)
        return _search_any(wanted, after, limit, today)
    return _browse(wanted, after, limit, today)


def _browse(
    wanted: ProductFilter, after: PageCursor | None, limit: int, today: date
) -> ProductPage:
    column = _SORT_COLUMNS[wanted.sort]

    def build() -> Any:
        conditions = _conditions(wanted, today)
        if after is not None:
            if wanted.descending:
                conditions.append(
                    (column <= after.value) & ((column < after.value) | (Product.id < after.id))
                )
            else:
                conditions.append(
                    (column >= after.value) & ((column > after.value) | (Product.id > after.id))
                )
        order = (column.desc(), Product.id.desc()) if wanted.descending else (column, Product.id)
        return _listing(conditions).order_by(*order).limit(limit + 1)

    params = _condition_params(wanted, today)
    if after is not None:
        value = column.db_value(after.value)
        params += [value, value, after.id]
    shape = ("browse", wanted.sort, wanted.descending, after is None, *_shape(wanted))
    found = _run(shape, build, [*params, limit + 1])
    rows = [_tuple_row(values) for values in found[:limit]]
    cursor = None
    if len(found) > limit:
        last = rows[-1]
        value = found[limit - 1][-1] if wanted.sort == "name" else getattr(last, wanted.sort)
        cursor = PageCursor(value=value, id=last.id)
    return ProductPage(tuple(rows), cursor)


def _by_ids(ids: list[int], conditions: list[Any]) -> list[ProductRow]:
    if not ids:
        return []
    found = {p.id: p for p in _listing([Product.id.in_(ids), *conditions]).objects()}
    return [_row(found[i]) for i in ids if i in found]


def _search_active(
    wanted: ProductFilter, after: PageCursor | None, limit: int, today: date
) -> ProductPage:
    """Active products through the till's search; other filters thin out its results, read a
    batch at a time (at most _SEARCH_SCAN results for one page, then a cursor to go on)."""
    conditions = _conditions(replace(wanted, status=None), today)
    if not conditions:
        return _search_page(wanted.text, after.offset if after else 0, limit)
    size = _SEARCH_BATCH
    offset = after.offset if after else 0
    scanned = 0
    rows: list[ProductRow] = []
    while True:
        ids = [p.id for p in catalog.search_products(wanted.text, limit=size, offset=offset)]
        kept = {row.id: row for row in _by_ids(ids, conditions)}
        for index, product_id in enumerate(ids):
            if product_id in kept:
                rows.append(kept[product_id])
                if len(rows) == limit:
                    return ProductPage(tuple(rows), PageCursor(offset=offset + index + 1))
        offset += len(ids)
        scanned += len(ids)
        if len(ids) < size:
            return ProductPage(tuple(rows), None)
        if scanned >= _SEARCH_SCAN:
            return ProductPage(tuple(rows), PageCursor(offset=offset))


def _search_page(text: str, offset: int, limit: int) -> ProductPage:
    """A page of the till's own search, as list rows (with each product's minimum stock)."""
    # A full page means there may be more: one more empty page at worst, never a 51st row
    # (the search's cost grows with the rows it reads).
    page = catalog.search_products(text, limit=limit, offset=offset)
    minimum = _min_stocks([p.id for p in page])
    rows = tuple(
        ProductRow(
            p.id,
            p.code,
            p.name,
            p.barcode,
            p.category,
            p.unit,
            p.sold_by_weight,
            p.price,
            p.stock,
            minimum.get(p.id, Decimal(0)),
            p.status,
        )
        for p in page
    )
    return ProductPage(rows, PageCursor(offset=offset + limit) if len(page) == limit else None)


def _min_stocks(ids: list[int]) -> dict[int, Decimal]:
    if not ids:
        return {}
    marks = ", ".join([database.obj.param] * len(ids))
    sql = f"SELECT id, min_stock FROM product WHERE id IN ({marks})"
    convert = Product.min_stock.python_value
    return {pid: convert(value) for pid, value in database.execute_sql(sql, ids).fetchall()}


def _search_any(
    wanted: ProductFilter, after: PageCursor | None, limit: int, today: date
) -> ProductPage:
    """Products of a status other than active by a word of the name (anywhere in it), the
    code or a barcode, by name; of every status, by the start of the name, code or barcode.

    Inactive and discontinued products are few: their status index finds them and their names
    are read whole. Every status at once is the whole catalogue: only indexed matches.
    """
    text = wanted.text.strip()[: catalog.MAX_SEARCH]
    prefix = search_text(text)
    code = catalog.clean_code(text)
    codes = tuple(dict.fromkeys((*equivalent_codes(code), code.upper())))
    extra = ProductBarcode.select(ProductBarcode.product).where(ProductBarcode.barcode.in_(codes))
    by_name = (Product.search_name >= prefix) & (Product.search_name < next_prefix(prefix))
    words = search_words(text, typed=True)
    if wanted.status is not None and words:
        by_name = Product.search_name.contains(words[0])
        for word in words[1:]:
            by_name &= Product.search_name.contains(word)
    matches = by_name | Product.code.in_(codes) | Product.barcode.in_(codes) | Product.id.in_(extra)
    conditions = [matches, *_conditions(replace(wanted, status=None), today)]
    if wanted.status is not None:
        conditions.append(Product.status == wanted.status)  # its index: a short list
    offset = after.offset if after else 0
    query = _listing(conditions).order_by(Product.search_name, Product.id)
    rows = list(query.offset(offset).limit(limit + 1).objects())
    more = len(rows) > limit
    page = tuple(_row(p) for p in rows[:limit])
    return ProductPage(page, PageCursor(offset=offset + limit) if more else None)
