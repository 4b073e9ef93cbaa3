"""Keeping the catalogue: products, their categories and tax rates (the stock screen's use cases).

- Products are created, edited, deactivated and reactivated; never deleted, so sales, stock
  movements and purchases keep pointing at them ("inactive" and "discontinued" products
  cannot be sold; they stay in the list under their status).
- Every change is one transaction, checked against the actor's role and audited. Bad input
  names each bad field (ProductInvalid) and writes nothing.
- Opening stock is a stock movement of kind "opening": stock stays the sum of movements.
- The product list is read a page at a time: keyset pagination on an index of the sort
  (name, stock or price), so a page costs the same at 300k products as at 300; typed text goes
  through the till's own search (`catalog.search_products`), tuned for that size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from peewee import JOIN, fn

from posterm.data.database import for_update, is_postgres, write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import (
    ACTIVE,
    Batch,
    Category,
    Product,
    ProductBarcode,
    StockMovement,
    TaxRate,
    User,
    database,
)
from posterm.domain.barcodes import equivalent_codes
from posterm.domain.catalog_records import (
    SORT_KEYS,
    CategoryInfo,
    PageCursor,
    ProductDetail,
    ProductFilter,
    ProductPage,
    ProductRow,
    TaxRateInfo,
)
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.money import parse_money
from posterm.domain.permissions import Actor, Permission
from posterm.domain.product_input import (
    STATUSES,
    ProductInput,
    ProductInvalid,
    validate_product,
)
from posterm.domain.products import next_prefix, search_key, search_text, search_words
from posterm.services import audit, catalog

MAX_PAGE = 200
MAX_EXPIRY_DAYS = 3660
_SEARCH_BATCH = catalog.MAX_PAGE  # search results read at a time when filters thin them out
_SEARCH_SCAN = 2_000  # search results looked at for one page before handing back a cursor
INACTIVE = "inactive"


# --- reading -------------------------------------------------------------------------------------


def _barcodes_of(product: Product) -> tuple[str, ...]:
    extra = (
        ProductBarcode.select(ProductBarcode.barcode)
        .where(ProductBarcode.product == product.id)
        .order_by(ProductBarcode.id)
    )
    primary = (product.barcode,) if product.barcode else ()
    return primary + tuple(row.barcode for row in extra)


def _detail(product: Product) -> ProductDetail:
    category = Category.get_or_none(Category.id == product.category_id)
    rate = TaxRate.get_or_none(TaxRate.id == product.tax_rate_id)
    return ProductDetail(
        id=product.id,
        name=product.name,
        code=product.code,
        barcodes=_barcodes_of(product),
        category_id=product.category_id,
        category=category.name if category else "",
        unit=product.unit,
        sold_by_weight=product.sold_by_weight,
        price=product.price,
        cost=product.cost,
        tax_rate_id=product.tax_rate_id,
        tax_rate=rate.name if rate else "",
        hsn_code=product.hsn_code,
        stock=product.stock,
        min_stock=product.min_stock,
        reorder_qty=product.reorder_qty,
        status=product.status,
        track_expiry=product.track_expiry,
    )


def get_product_detail(product_id: int) -> ProductDetail:
    """A product with every field of the form, whatever its status."""
    product = Product.get_or_none(Product.id == product_id)
    if product is None:
        raise NotFound(f"No product with id {product_id}.")
    return _detail(product)


def form_values(product: ProductDetail) -> dict[str, Any]:
    """The values of the product form for `product` (what `update_product` takes back)."""
    return {
        "name": product.name,
        "code": product.code,
        "barcodes": product.barcodes,
        "category_id": product.category_id,
        "unit": product.unit,
        "sold_by_weight": product.sold_by_weight,
        "price": product.price,
        "cost": product.cost,
        "tax_rate_id": product.tax_rate_id,
        "hsn_code": product.hsn_code,
        "min_stock": product.min_stock,
        "reorder_qty": product.reorder_qty,
        "status": product.status,
        "track_expiry": product.track_expiry,
    }


# --- writing -------------------------------------------------------------------------------------


def _ledger_user(actor: Actor) -> int:
    """Who a stock movement is written by: the actor, or (from the command line) the owner."""
    if actor.user_id is not None:
        return actor.user_id
    owner = User.select(User.id).where(User.role == "owner").order_by(User.id).first()
    if owner is None:
        raise Conflict("The store has no owner yet; run `posterm init` first.")
    return owner.id


def _check_references(data: ProductInput, current: Product | None) -> dict[str, str]:
    """Category and tax rate must exist and be active (a product keeps an inactive one it
    already had)."""
    errors: dict[str, str] = {}
    for field, model, old in (
        ("category_id", Category, current.category_id if current else None),
        ("tax_rate_id", TaxRate, current.tax_rate_id if current else None),
    ):
        wanted = getattr(data, field)
        if wanted is None or wanted == old:
            continue
        row = model.get_or_none(model.id == wanted)
        if row is None:
            errors[field] = "no such entry; choose one from the list"
        elif row.status != ACTIVE:
            errors[field] = f"{row.name} is {row.status}; choose an active one"
    return errors


def _check_unique(data: ProductInput, product_id: int | None) -> dict[str, str]:
    """The code and every barcode (under each spelling a scanner may send) belong to no other
    product, as its code, primary barcode or extra barcode."""
    errors: dict[str, str] = {}

    def others(query: Any) -> Any:
        return query if product_id is None else query.where(Product.id != product_id)

    clash = others(Product.select(Product.name).where(Product.code == data.code)).first()
    if clash is not None:
        errors["code"] = f"{data.code} is already the code of {clash.name}"
    for code in data.barcodes:
        spellings = equivalent_codes(code)
        clash = (
            others(Product.select(Product.name).where(Product.barcode.in_(spellings))).first()
            or others(
                Product.select(Product.name)
                .join(ProductBarcode, on=(ProductBarcode.product == Product.id))
                .where(ProductBarcode.barcode.in_(spellings))
            ).first()
        )
        if clash is not None:
            errors["barcodes"] = f"{code} is already a barcode of {clash.name}"
            break
    return errors


def _validated(data: Mapping[str, Any], current: Product | None) -> ProductInput:
    try:
        product = validate_product(data)
    except ProductInvalid as invalid:
        # The database's refusals too, so the form names every bad field in one go.
        keys = ("code", "barcodes", "category_id", "tax_rate_id")
        sound = {key: data[key] for key in keys if key in data and key not in invalid.errors}
        try:
            partial = validate_product({"name": "x", "code": "X", "price": "0", **sound})
        except ProductInvalid:
            raise invalid from None
        found = _check_references(partial, current)
        found.update(_check_unique(partial, current.id if current else None))
        if "code" not in sound:
            found.pop("code", None)  # the stand-in code's clash, not the user's
        raise ProductInvalid({**found, **invalid.errors}) from None
    errors = _check_references(product, current)
    errors.update(_check_unique(product, current.id if current else None))
    if errors:
        raise ProductInvalid(errors)
    return product


def _columns(product: ProductInput) -> dict[str, Any]:
    return {
        "name": product.name,
        "code": product.code,
        "search_name": search_key(product.name, product.code),
        "barcode": product.barcode,
        "category": product.category_id,
        "unit": product.unit,
        "sold_by_weight": product.sold_by_weight,
        "price": product.price,
        "cost": product.cost,
        "tax_rate": product.tax_rate_id,
        "hsn_code": product.hsn_code,
        "min_stock": product.min_stock,
        "reorder_qty": product.reorder_qty,
        "status": product.status,
        "track_expiry": product.track_expiry,
    }


def _write_extra_barcodes(product_id: int, barcodes: tuple[str, ...]) -> None:
    ProductBarcode.delete().where(ProductBarcode.product == product_id).execute()
    for code in barcodes:
        ProductBarcode.create(product=product_id, barcode=code)


def _plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _audit_values(product: ProductInput) -> dict[str, Any]:
    return {key: _plain(value) for key, value in product.model_dump().items()}


def _next_code() -> str:
    """A free product code for a product typed in without one: P and the next number."""
    number = (Product.select(fn.MAX(Product.id)).scalar() or 0) + 1
    while Product.select().where(Product.code == f"P{number:06d}").exists():
        number += 1
    return f"P{number:06d}"


def create_product(actor: Actor, data: Mapping[str, Any]) -> ProductDetail:
    """A new product from the form's values; its opening stock goes on the stock ledger."""
    actor.require(Permission.MANAGE_PRODUCTS)
    if not str(data.get("code") or "").strip():
        data = {**data, "code": _next_code()}
    product = _validated(data, None)
    with write_transaction():
        # Checked again inside the transaction: another till may have taken the code since.
        errors = _check_unique(product, None)
        if errors:
            raise ProductInvalid(errors)
        row = Product.create(**_columns(product), stock=product.opening_stock)
        _write_extra_barcodes(row.id, product.extra_barcodes)
        if product.opening_stock:
            StockMovement.create(
                product=row.id,
                kind="opening",
                quantity=product.opening_stock,
                stock_after=product.opening_stock,
                unit_cost=product.cost,
                reason="opening",
                user=_ledger_user(actor),
                terminal=actor.terminal,
            )
        audit.record(
            actor,
            "product.create",
            entity="product",
            entity_id=row.id,
            details={**_audit_values(product), "opening_stock": str(product.opening_stock)},
        )
        return _detail(row)


def update_product(actor: Actor, product_id: int, changes: Mapping[str, Any]) -> ProductDetail:
    """Changes some fields of a product (the rest keep their values). Stock is not a field
    here: it changes through the stock ledger (adjustments, counts, purchases, sales)."""
    actor.require(Permission.MANAGE_PRODUCTS)
    if "opening_stock" in changes or "stock" in changes:
        raise ValidationError("stock", "changes through a stock adjustment, not the product form")
    with write_transaction():
        current = for_update(Product.select().where(Product.id == product_id)).first()
        if current is None:
            raise NotFound(f"No product with id {product_id}.")
        before = form_values(_detail(current))
        product = _validated({**before, **changes}, current)
        after = product.model_dump(exclude={"opening_stock"})
        changed = {
            key: [_plain(before[key]), _plain(value)]
            for key, value in after.items()
            if before[key] != value
        }
        if not changed:
            return _detail(current)
        Product.update(**_columns(product), updated_at=utc_now()).where(
            Product.id == product_id
        ).execute()
        if "barcodes" in changed:
            _write_extra_barcodes(product_id, product.extra_barcodes)
        audit.record(
            actor, "product.update", entity="product", entity_id=product_id, details=changed
        )
        return get_product_detail(product_id)


def set_product_status(
    actor: Actor, product_id: int, status: str, reason: str = ""
) -> ProductDetail:
    """Deactivates ("inactive", "discontinued") or reactivates ("active") a product: a soft
    delete, its history stays. An inactive product is not sold and not found by the till."""
    actor.require(Permission.MANAGE_PRODUCTS)
    status = status.strip().lower()
    if status not in STATUSES:
        raise ValidationError("status", f"one of {', '.join(STATUSES)}")
    with write_transaction():
        current = for_update(Product.select().where(Product.id == product_id)).first()
        if current is None:
            raise NotFound(f"No product with id {product_id}.")
        if current.status == status:
            return _detail(current)
        Product.update(status=status, updated_at=utc_now()).where(
            Product.id == product_id
        ).execute()
        audit.record(
            actor,
            "product.activate" if status == ACTIVE else "product.deactivate",
            entity="product",
            entity_id=product_id,
            reason=reason,
            details={"status": [current.status, status]},
        )
        return get_product_detail(product_id)


def deactivate_product(actor: Actor, product_id: int, reason: str = "") -> ProductDetail:
    return set_product_status(actor, product_id, INACTIVE, reason)


def reactivate_product(actor: Actor, product_id: int) -> ProductDetail:
    return set_product_status(actor, product_id, ACTIVE)


# --- the product list ----------------------------------------------------------------------------

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


# --- categories and tax rates --------------------------------------------------------------------


def _name(text: str, field: str, longest: int) -> str:
    name = " ".join(text.split())
    if not name:
        raise ValidationError(field, "is required")
    if len(name) > longest:
        raise ValidationError(field, f"at most {longest} characters")
    return name


def list_categories(*, include_inactive: bool = False) -> list[CategoryInfo]:
    query = Category.select().order_by(fn.LOWER(Category.name), Category.id)
    if not include_inactive:
        query = query.where(Category.status == ACTIVE)
    return [CategoryInfo(c.id, c.name, c.status) for c in query]


def _category_name_free(name: str, category_id: int | None) -> None:
    clash = Category.select().where(fn.LOWER(Category.name) == name.lower())
    if category_id is not None:
        clash = clash.where(Category.id != category_id)
    if clash.exists():
        raise ValidationError("name", f"a category named {name} exists already")


def create_category(actor: Actor, name: str) -> CategoryInfo:
    actor.require(Permission.MANAGE_PRODUCTS)
    name = _name(name, "name", 80)
    with write_transaction():
        _category_name_free(name, None)
        row = Category.create(name=name)
        audit.record(
            actor, "category.create", entity="category", entity_id=row.id, details={"name": name}
        )
        return CategoryInfo(row.id, row.name, row.status)


def rename_category(actor: Actor, category_id: int, name: str) -> CategoryInfo:
    actor.require(Permission.MANAGE_PRODUCTS)
    name = _name(name, "name", 80)
    with write_transaction():
        row = Category.get_or_none(Category.id == category_id)
        if row is None:
            raise NotFound(f"No category with id {category_id}.")
        _category_name_free(name, category_id)
        old, row.name = row.name, name
        row.save()
        audit.record(
            actor,
            "category.rename",
            entity="category",
            entity_id=row.id,
            details={"name": [old, name]},
        )
        return CategoryInfo(row.id, row.name, row.status)


def set_category_active(actor: Actor, category_id: int, active: bool) -> CategoryInfo:
    """A deactivated category is no longer offered for products; those in it keep it."""
    actor.require(Permission.MANAGE_PRODUCTS)
    with write_transaction():
        row = Category.get_or_none(Category.id == category_id)
        if row is None:
            raise NotFound(f"No category with id {category_id}.")
        status = ACTIVE if active else INACTIVE
        if row.status != status:
            old, row.status = row.status, status
            row.save()
            audit.record(
                actor,
                "category.status",
                entity="category",
                entity_id=row.id,
                details={"status": [old, status]},
            )
        return CategoryInfo(row.id, row.name, row.status)


def list_tax_rates(*, include_inactive: bool = False) -> list[TaxRateInfo]:
    query = TaxRate.select().order_by(TaxRate.rate, TaxRate.name)
    if not include_inactive:
        query = query.where(TaxRate.status == ACTIVE)
    return [TaxRateInfo(t.id, t.name, t.rate, t.status) for t in query]


def _rate_name_free(name: str, rate_id: int | None) -> None:
    clash = TaxRate.select().where(fn.LOWER(TaxRate.name) == name.lower())
    if rate_id is not None:
        clash = clash.where(TaxRate.id != rate_id)
    if clash.exists():
        raise ValidationError("name", f"a tax rate named {name} exists already")


def create_tax_rate(actor: Actor, name: str, rate: str | Decimal) -> TaxRateInfo:
    """A new tax rate (percent). Tax rates are store settings: the owner's to change."""
    actor.require(Permission.MANAGE_SETTINGS)
    name = _name(name, "name", 40)
    percent = parse_money(str(rate), "rate", places=2, maximum=Decimal(100))
    with write_transaction():
        _rate_name_free(name, None)
        row = TaxRate.create(name=name, rate=percent)
        audit.record(
            actor,
            "tax_rate.create",
            entity="tax_rate",
            entity_id=row.id,
            details={"name": name, "rate": str(percent)},
        )
        return TaxRateInfo(row.id, row.name, row.rate, row.status)


def rename_tax_rate(actor: Actor, rate_id: int, name: str) -> TaxRateInfo:
    """Only the name: a rate's percentage never changes under the products that use it."""
    actor.require(Permission.MANAGE_SETTINGS)
    name = _name(name, "name", 40)
    with write_transaction():
        row = TaxRate.get_or_none(TaxRate.id == rate_id)
        if row is None:
            raise NotFound(f"No tax rate with id {rate_id}.")
        _rate_name_free(name, rate_id)
        old, row.name = row.name, name
        row.save()
        audit.record(
            actor,
            "tax_rate.rename",
            entity="tax_rate",
            entity_id=row.id,
            details={"name": [old, name]},
        )
        return TaxRateInfo(row.id, row.name, row.rate, row.status)


def set_tax_rate_active(actor: Actor, rate_id: int, active: bool) -> TaxRateInfo:
    """A deactivated rate is no longer offered for products; those with it keep it."""
    actor.require(Permission.MANAGE_SETTINGS)
    with write_transaction():
        row = TaxRate.get_or_none(TaxRate.id == rate_id)
        if row is None:
            raise NotFound(f"No tax rate with id {rate_id}.")
        status = ACTIVE if active else INACTIVE
        if row.status != status:
            old, row.status = row.status, status
            row.save()
            audit.record(
                actor,
                "tax_rate.status",
                entity="tax_rate",
                entity_id=row.id,
                details={"status": [old, status]},
            )
        return TaxRateInfo(row.id, row.name, row.rate, row.status)
