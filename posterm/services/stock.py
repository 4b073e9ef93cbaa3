"""The stock ledger: a product's movements (kardex), adjustments, stock counts and alerts.

Every change of stock is a `stock_movement` row written in the same transaction as the
`product.stock` cache, with the product row locked (`SELECT ... FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), so stock always equals the sum of the movements (`posterm
doctor` checks it). Adjustments and counts need the MANAGE_PRODUCTS permission and are audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from peewee import JOIN, fn

from posterm.data.database import for_update, write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import (
    ACTIVE,
    Batch,
    Category,
    Product,
    Purchase,
    Sale,
    StockCount,
    StockCountLine,
    StockMovement,
    User,
    database,
)
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.money import format_quantity
from posterm.domain.permissions import Actor, Permission, Role
from posterm.domain.stock import (
    Adjusted,
    AdjustReason,
    CategoryChoice,
    CountLine,
    CountPosted,
    CountSummary,
    Expiring,
    KardexPage,
    Movement,
    Reorder,
    StockItem,
    check_adjustment,
    check_whole_pieces,
    suggested_reorder,
)
from posterm.services import audit
from posterm.services.settings import load_settings

MAX_PAGE = 200
MAX_TITLE = 80
MAX_DAYS = 3650
_CHUNK = 500  # ids per IN (...) list
_SOLD_KINDS = ("sale", "return", "void")


# --- reading ------------------------------------------------------------------------------


def _item(product: Product) -> StockItem:
    return StockItem(
        id=product.id,
        code=product.code,
        name=product.name,
        unit=product.unit,
        stock=product.stock,
        min_stock=product.min_stock,
        reorder_qty=product.reorder_qty,
        sold_by_weight=product.sold_by_weight,
    )


def stock_item(product_id: int) -> StockItem:
    product = Product.get_or_none(Product.id == product_id)
    if product is None or product.deleted_at is not None:
        raise NotFound(f"No product with id {product_id}.")
    return _item(product)


def _page(limit: int, offset: int = 0) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    if offset < 0:
        raise ValidationError("offset", "must not be negative")


def _reference(row: Any) -> str:
    if row.sale_number:
        return row.sale_number
    if row.invoice_number:
        return row.invoice_number
    if row.stock_count_id:
        return f"COUNT-{row.stock_count_id}"
    if row.kind == "adjustment":
        return f"ADJ-{row.id}"
    return ""


def _movements(query) -> list[Movement]:
    zone = ZoneInfo(load_settings().timezone)
    rows = (
        query.select(
            StockMovement.id,
            StockMovement.created_at,
            StockMovement.kind,
            StockMovement.quantity,
            StockMovement.stock_after,
            StockMovement.reason,
            StockMovement.note,
            StockMovement.stock_count,
            User.username.alias("username"),
            Sale.bill_number.alias("sale_number"),
            Purchase.invoice_number.alias("invoice_number"),
        )
        .join_from(StockMovement, User, JOIN.LEFT_OUTER, on=(StockMovement.user == User.id))
        .join_from(StockMovement, Sale, JOIN.LEFT_OUTER, on=(StockMovement.sale == Sale.id))
        .join_from(
            StockMovement, Purchase, JOIN.LEFT_OUTER, on=(StockMovement.purchase == Purchase.id)
        )
        .objects()
    )
    return [
        Movement(
            id=row.id,
            at=row.created_at.astimezone(zone),
            kind=row.kind,
            quantity=row.quantity,
            stock_after=row.stock_after,
            reason=row.reason,
            note=row.note,
            username=row.username or "",
            reference=_reference(row),
        )
        for row in rows
    ]


def kardex(product_id: int, *, limit: int = 50, before_id: int | None = None) -> KardexPage:
    """A product's movements, newest first, `limit` at a time; the next page starts before
    the last movement's id (keyset paging: a page costs the same however long the history)."""
    _page(limit)
    product = stock_item(product_id)
    condition = StockMovement.product == product_id
    if before_id is not None:
        condition &= StockMovement.id < before_id
    query = StockMovement.select().where(condition).order_by(StockMovement.id.desc())
    found = _movements(query.limit(limit + 1))
    return KardexPage(product, tuple(found[:limit]), len(found) > limit)


# --- writing movements ------------------------------------------------------------------------


def movement_user(actor: Actor) -> int:
    """Who a movement is booked to: the user, or for the command line the store's owner."""
    if actor.user_id is not None:
        return actor.user_id
    owner = (
        User.select(User.id)
        .where((User.role == Role.OWNER.value) & (User.status == ACTIVE))
        .order_by(User.id)
        .first()
    )
    if owner is None:
        raise Conflict("The store has no owner yet; run `posterm init` first.")
    return owner.id


def lock_products(product_ids: Iterable[int]) -> dict[int, Product]:
    """Locks the products in id order (so two writers never deadlock); returns them by id."""
    ids = sorted(set(product_ids))
    locked: dict[int, Product] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = Product.select().where(Product.id.in_(chunk)).order_by(Product.id)
        locked.update((p.id, p) for p in for_update(query))
    return locked


def book_movements(actor: Actor, changes: Sequence[dict[str, Any]]) -> None:
    """Writes movements and the stock cache in step, inside the caller's write transaction.

    Each change names `product` (a locked Product, whose `.stock` is updated here),
    `quantity` (signed) and `kind`, plus any other stock_movement columns.
    """
    if not changes:
        return
    user_id = movement_user(actor)
    now = utc_now()
    rows = []
    touched: dict[int, Product] = {}
    for change in changes:
        product = change["product"]
        product.stock = product.stock + change["quantity"]
        touched[product.id] = product
        rows.append(
            {
                "created_at": now,
                "updated_at": now,
                "user": user_id,
                "terminal": actor.terminal[:32],
                "unit_cost": product.cost,
                **change,
                "product": product.id,
                "stock_after": product.stock,
            }
        )
    for start in range(0, len(rows), _CHUNK):
        StockMovement.insert_many(rows[start : start + _CHUNK]).execute()
    for product in touched.values():
        Product.update(stock=product.stock, updated_at=now).where(
            Product.id == product.id
        ).execute()


def _refuse_negative(product: Product, after: Decimal, allow: bool) -> None:
    if after < 0 and not allow:
        raise ValidationError(
            "quantity",
            f"{product.name} would be left with {format_quantity(after)} {product.unit} "
            "(the store does not allow negative stock); count it instead",
        )


def adjust_stock(
    actor: Actor,
    product_id: int,
    reason: AdjustReason,
    *,
    change: Decimal | None = None,
    new_stock: Decimal | None = None,
    note: str = "",
) -> Adjusted:
    """Changes a product's stock by `change`, or sets it to `new_stock`, for `reason`."""
    actor.require(Permission.MANAGE_PRODUCTS)
    if (change is None) == (new_stock is None):
        raise ValidationError("quantity", "give either the change or the new stock")
    given = change if change is not None else new_stock
    if not given.is_finite():  # before any arithmetic: a signalling NaN would raise
        raise ValidationError("quantity", "not a number")
    note = note.strip()
    allow_negative = load_settings().allow_negative_stock
    with write_transaction():
        product = lock_products([product_id]).get(product_id)
        if product is None or product.deleted_at is not None:
            raise NotFound(f"No product with id {product_id}.")
        before = product.stock
        quantity = change if change is not None else new_stock - before
        check_adjustment(reason, quantity, note)
        check_whole_pieces(product.name, product.unit, product.sold_by_weight, quantity)
        _refuse_negative(product, before + quantity, allow_negative)
        book_movements(
            actor,
            [
                {
                    "product": product,
                    "kind": "adjustment",
                    "quantity": quantity,
                    "reason": reason.value,
                    "note": note,
                }
            ],
        )
        movement_id = (
            StockMovement.select(fn.MAX(StockMovement.id))
            .where(StockMovement.product == product.id)
            .scalar()
        )
        audit.record(
            actor,
            "stock.adjust",
            entity="product",
            entity_id=product.id,
            reason=reason.value,
            details={
                "code": product.code,
                "change": str(quantity),
                "before": str(before),
                "after": str(product.stock),
                "note": note,
            },
        )
        movement = _movements(StockMovement.select().where(StockMovement.id == movement_id))[0]
    return Adjusted(_item(product), movement)


# --- stock counts -----------------------------------------------------------------------------


def _summary(count: StockCount) -> CountSummary:
    lines = StockCountLine.select().where(StockCountLine.count == count.id)
    return CountSummary(
        id=count.id,
        title=count.title,
        status=count.status,
        category=count.category.name if count.category_id else "",
        created_at=count.created_at,
        username=count.user.username,
        lines=lines.count(),
        counted=lines.where(StockCountLine.counted.is_null(False)).count(),
    )


def _open_count(count_id: int, *, lock: bool = False) -> StockCount:
    query = StockCount.select().where(StockCount.id == count_id)
    count = (for_update(query) if lock else query).first()
    if count is None:
        raise NotFound(f"No stock count {count_id}.")
    if count.status != "open":
        raise Conflict(f"Stock count {count_id} is {count.status}; it cannot change.")
    return count


def start_count(
    actor: Actor,
    title: str,
    *,
    category_id: int | None = None,
    product_ids: Sequence[int] = (),
) -> CountSummary:
    """A new count of every active product of a category, or of a list (which grows as
    products are counted). Nothing changes stock until it is posted."""
    actor.require(Permission.MANAGE_PRODUCTS)
    title = " ".join(title.split())
    if not title:
        raise ValidationError("title", "is required")
    if len(title) > MAX_TITLE:
        raise ValidationError("title", f"at most {MAX_TITLE} characters")
    with write_transaction():
        if category_id is not None:
            category = Category.get_or_none(Category.id == category_id)
            if category is None:
                raise NotFound(f"No category with id {category_id}.")
            chosen = Product.select(Product.id).where(
                (Product.category == category_id)
                & (Product.status == ACTIVE)
                & Product.deleted_at.is_null()
            )
            ids = [row.id for row in chosen]
        else:
            ids = list(dict.fromkeys(product_ids))
            existing = {
                p.id
                for start in range(0, len(ids), _CHUNK)
                for p in Product.select(Product.id).where(
                    Product.id.in_(ids[start : start + _CHUNK])
                )
            }
            missing = [i for i in ids if i not in existing]
            if missing:
                raise NotFound(f"No product with id {missing[0]}.")
        count = StockCount.create(
            title=title, category=category_id, user=movement_user(actor), status="open"
        )
        now = utc_now()
        rows = [
            {"count": count.id, "product": pid, "created_at": now, "updated_at": now} for pid in ids
        ]
        for start in range(0, len(rows), _CHUNK):
            StockCountLine.insert_many(rows[start : start + _CHUNK]).execute()
        audit.record(
            actor,
            "stock.count_start",
            entity="stock_count",
            entity_id=count.id,
            details={"title": title, "category": category_id, "products": len(ids)},
        )
        return _summary(count)


def find_categories(text: str = "", *, limit: int = 20) -> list[CategoryChoice]:
    """Active categories whose name contains `text` (all when empty), by name."""
    _page(limit)
    active = (Product.status == ACTIVE) & Product.deleted_at.is_null()
    query = (
        Category.select(Category.id, Category.name, fn.COUNT(Product.id).alias("products"))
        .join(Product, JOIN.LEFT_OUTER, on=((Product.category == Category.id) & active))
        .where(Category.status == ACTIVE)
        .group_by(Category.id, Category.name)
        .order_by(Category.name)
        .limit(limit)
    )
    if text.strip():
        query = query.where(fn.LOWER(Category.name).contains(text.strip().lower()))
    return [CategoryChoice(row.id, row.name, row.products) for row in query]


def open_counts() -> list[CountSummary]:
    """Counts not yet posted or cancelled, newest first (a crash leaves them here)."""
    counts = StockCount.select().where(StockCount.status == "open").order_by(StockCount.id.desc())
    return [_summary(count) for count in counts]


def count_summary(count_id: int) -> CountSummary:
    count = StockCount.get_or_none(StockCount.id == count_id)
    if count is None:
        raise NotFound(f"No stock count {count_id}.")
    return _summary(count)


def count_lines(
    count_id: int, *, show: str = "all", limit: int = 50, offset: int = 0
) -> list[CountLine]:
    """The lines of a count by product name, a page at a time.

    `show`: "all", "counted", "uncounted" or "differences" (counted and not what the stock
    is now, i.e. what posting would change)."""
    _page(limit, offset)
    condition = StockCountLine.count == count_id
    if show == "counted":
        condition &= StockCountLine.counted.is_null(False)
    elif show == "uncounted":
        condition &= StockCountLine.counted.is_null()
    elif show == "differences":
        condition &= StockCountLine.counted.is_null(False) & (
            StockCountLine.counted != Product.stock
        )
    elif show != "all":
        raise ValidationError("show", "must be all, counted, uncounted or differences")
    rows = (
        StockCountLine.select(StockCountLine, Product)
        .join(Product)
        .where(condition)
        .order_by(Product.search_name, Product.id)
        .limit(limit)
        .offset(offset)
    )
    return [CountLine(_item(row.product), row.counted) for row in rows]


def set_counted(
    actor: Actor, count_id: int, product_id: int, counted: Decimal | None, *, add: bool = False
) -> CountLine:
    """Records what was counted of a product (None: not counted after all); `add` adds to
    what was counted before (scanning the same item again counts one more)."""
    actor.require(Permission.MANAGE_PRODUCTS)
    if counted is not None and counted < 0:
        raise ValidationError("counted", "must not be negative")
    with write_transaction():
        _open_count(count_id, lock=True)
        product = Product.get_or_none(Product.id == product_id)
        if product is None or product.deleted_at is not None:
            raise NotFound(f"No product with id {product_id}.")
        line = StockCountLine.get_or_none(
            (StockCountLine.count == count_id) & (StockCountLine.product == product_id)
        )
        if line is None:
            line = StockCountLine.create(count=count_id, product=product_id, counted=None)
        value = counted
        if add and counted is not None and line.counted is not None:
            value = line.counted + counted
        if value is not None:
            check_whole_pieces(product.name, product.unit, product.sold_by_weight, value)
        StockCountLine.update(counted=value, updated_at=utc_now()).where(
            StockCountLine.id == line.id
        ).execute()
        StockCount.update(updated_at=utc_now()).where(StockCount.id == count_id).execute()
    return CountLine(_item(product), value)


def post_count(actor: Actor, count_id: int) -> CountPosted:
    """Posts every counted line as a `count` movement of (counted - stock now), in one
    transaction; uncounted lines are left as they are. The count is then closed."""
    actor.require(Permission.MANAGE_PRODUCTS)
    with write_transaction():
        count = _open_count(count_id, lock=True)
        lines = list(
            StockCountLine.select(StockCountLine.product, StockCountLine.counted).where(
                StockCountLine.count == count_id
            )
        )
        counted = {line.product_id: line.counted for line in lines if line.counted is not None}
        products = lock_products(counted)
        changes = [
            {
                "product": products[pid],
                "kind": "count",
                "quantity": counted[pid] - products[pid].stock,
                "reason": AdjustReason.COUNT_CORRECTION.value,
                "note": count.title,
                "stock_count": count.id,
            }
            for pid in sorted(products)
            if counted[pid] != products[pid].stock
        ]
        book_movements(actor, changes)
        StockCount.update(
            status="posted",
            posted_at=utc_now(),
            posted_by=movement_user(actor),
            updated_at=utc_now(),
        ).where(StockCount.id == count_id).execute()
        result = CountPosted(
            count_id=count_id,
            adjusted=len(changes),
            unchanged=len(counted) - len(changes),
            skipped=len(lines) - len(counted),
        )
        audit.record(
            actor,
            "stock.count_post",
            entity="stock_count",
            entity_id=count_id,
            details={
                "title": count.title,
                "adjusted": result.adjusted,
                "unchanged": result.unchanged,
                "skipped": result.skipped,
            },
        )
    return result


def cancel_count(actor: Actor, count_id: int) -> None:
    actor.require(Permission.MANAGE_PRODUCTS)
    with write_transaction():
        count = _open_count(count_id, lock=True)
        StockCount.update(status="cancelled", updated_at=utc_now()).where(
            StockCount.id == count_id
        ).execute()
        audit.record(
            actor,
            "stock.count_cancel",
            entity="stock_count",
            entity_id=count_id,
            details={"title": count.title},
        )


# --- alerts -----------------------------------------------------------------------------------


def _active_products():
    return Product.select().where((Product.status == ACTIVE) & Product.deleted_at.is_null())


def low_stock(*, limit: int = 50, offset: int = 0) -> list[StockItem]:
    """Active products at or below their minimum stock, by name."""
    _page(limit, offset)
    query = (
        _active_products()
        .where(Product.stock <= Product.min_stock)
        .order_by(Product.search_name, Product.id)
        .limit(limit)
        .offset(offset)
    )
    return [_item(product) for product in query]


def expiring(
    days: int, *, today: date | None = None, limit: int = 50, offset: int = 0
) -> list[Expiring]:
    """Batches still in stock that expire within `days` (expired ones too), soonest first."""
    _page(limit, offset)
    if not 0 <= days <= MAX_DAYS:
        raise ValidationError("days", f"must be between 0 and {MAX_DAYS}")
    today = today or date.today()
    query = (
        Batch.select(Batch, Product)
        .join(Product)
        .where(
            Batch.expiry_date.is_null(False)
            & (Batch.expiry_date <= today + timedelta(days=days))
            & (Batch.quantity_remaining > 0)
            & Product.deleted_at.is_null()
        )
        .order_by(Batch.expiry_date, Product.search_name, Batch.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        Expiring(
            product=_item(batch.product),
            batch_number=batch.batch_number,
            expiry_date=batch.expiry_date,
            quantity=batch.quantity_remaining,
            days_left=(batch.expiry_date - today).days,
        )
        for batch in query
    ]


def reorder_suggestions(days: int = 30, *, limit: int = 50, offset: int = 0) -> list[Reorder]:
    """Products to order, by name, with how much (see `domain.stock.suggested_reorder`).

    "Sold" is the net quantity that left through sales in the last `days` days (returns and
    voids put back), read from the stock ledger.
    """
    _page(limit, offset)
    return _reorders(_reorder_query(days).limit(limit).offset(offset), days)


def all_reorder_figures(
    days: int = 30,
) -> list[tuple[str, str, Decimal, Decimal, Decimal, Decimal]]:
    """(code, name, stock, min stock, sold, suggested) of every product to order, as
    reorder_suggestions judges them (the reorder report): one query, not a page at a time,
    since each page would sum the stock ledger over the days again; plain tuples, since a
    StockItem and a Reorder for each of thousands of products cost more than the query."""
    columns = (
        Product.code,
        Product.name,
        Product.stock,
        Product.min_stock,
        Product.reorder_qty,
        Product.sold_by_weight,
    )
    sql, params = _reorder_query(days, columns).sql()
    quantity = Product.stock.python_value  # the same scale for each quantity column
    found = []
    for code, name, raw_stock, raw_min, raw_reorder, weight, raw_sold in database.execute_sql(
        sql, params
    ).fetchall():
        on_hand, minimum, sold = quantity(raw_stock), quantity(raw_min), quantity(raw_sold)
        suggested = suggested_reorder(
            on_hand, minimum, quantity(raw_reorder), sold, whole_units=not weight
        )
        found.append((code, name, on_hand, minimum, sold, suggested))
    return found


def _reorder_query(days: int, shown: tuple = ()):
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError("days", f"must be between 1 and {MAX_DAYS}")
    since = utc_now() - timedelta(days=days)
    # Scaled integers of one scale: stock, min_stock and the sums compare as they are.
    sold = (
        StockMovement.select(
            StockMovement.product.alias("pid"), (fn.SUM(StockMovement.quantity) * -1).alias("sold")
        )
        .where((StockMovement.created_at >= since) & StockMovement.kind.in_(_SOLD_KINDS))
        .group_by(StockMovement.product)
        .alias("sold")
    )
    sold_raw = fn.COALESCE(sold.c.sold, 0)
    # Only what a StockItem shows: a whole product row per suggestion costs more than the sum.
    shown = shown or (
        Product.id,
        Product.code,
        Product.name,
        Product.unit,
        Product.stock,
        Product.min_stock,
        Product.reorder_qty,
        Product.sold_by_weight,
    )
    return (
        Product.select(*shown, sold_raw.alias("sold_raw"))
        .where((Product.status == ACTIVE) & Product.deleted_at.is_null())
        .join_from(Product, sold, JOIN.LEFT_OUTER, on=(sold.c.pid == Product.id))
        .where(
            (Product.stock < sold_raw + Product.min_stock)
            | ((Product.min_stock > 0) & (Product.stock <= Product.min_stock))
        )
        .order_by(Product.search_name, Product.id)
    )


def _reorders(query, days: int) -> list[Reorder]:
    found = []
    for product in query.namedtuples():
        quantity = Product.stock.python_value(int(product.sold_raw or 0))
        found.append(
            Reorder(
                product=_item(product),
                sold=quantity,
                days=days,
                suggested=suggested_reorder(
                    product.stock,
                    product.min_stock,
                    product.reorder_qty,
                    quantity,
                    whole_units=not product.sold_by_weight,
                ),
            )
        )
    return found
