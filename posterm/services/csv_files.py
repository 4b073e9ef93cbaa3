"""Products and suppliers to and from CSV files (the rules of the files: domain.product_csv).

An import is all or nothing: every row is checked first (the file's own rules, then against
the database: barcodes of other products, what a new product needs), every problem is
reported as row + column + reason, and only a file without any is written, in one
transaction. Rows are matched by code, then by barcode; a row equal to what is stored writes
nothing, so importing an export changes nothing. Stock in a file is booked on the stock
ledger (an opening movement for a new product, a count correction for an existing one),
never written to the cache alone.

Written in batches (a few hundred rows per INSERT), so 300k products take seconds, not an
hour; `progress(done, total)` is called as rows are checked and written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from peewee import JOIN

from posterm.data.database import write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import (
    ACTIVE,
    Category,
    Product,
    ProductBarcode,
    StockMovement,
    Supplier,
    TaxRate,
    database,
)
from posterm.domain.permissions import Actor, Permission
from posterm.domain.product_csv import (
    BARCODE_SEPARATOR,
    PRODUCT_COLUMNS,
    SUPPLIER_COLUMNS,
    ProductRow,
    RowError,
    decode,
    money_text,
    parse_products,
    parse_suppliers,
    quantity_text,
    rate_text,
    write_rows,
)
from posterm.domain.products import search_key
from posterm.domain.stock import AdjustReason, in_whole_pieces
from posterm.services import audit
from posterm.services.stock import book_movements, lock_products, movement_user

Progress = Callable[[int, int], None]
BATCH = 500  # rows per INSERT: ~9k parameters, well inside SQLite's limit
_CHUNK = 500  # values per IN (...) lookup


@dataclass(frozen=True)
class ImportReport:
    what: str  # "products" or "suppliers"
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stock_movements: int = 0
    categories_created: int = 0
    tax_rates_created: int = 0
    errors: tuple[RowError, ...] = ()
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            count = len(self.errors)
            return f"{count} problem{'s' if count != 1 else ''} found: nothing was imported."
        text = (
            f"{self.rows} {self.what} read: {self.created} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.stock_movements:
            text += (
                f"; {self.stock_movements} stock change{'s' if self.stock_movements != 1 else ''}"
            )
        if self.categories_created:
            text += f"; {self.categories_created} new categor"
            text += "ies" if self.categories_created != 1 else "y"
        if self.tax_rates_created:
            text += f"; {self.tax_rates_created} new tax rate"
            text += "s" if self.tax_rates_created != 1 else ""
        return text + (" (a dry run: nothing was written)." if self.dry_run else ".")


def _no_progress(done: int, total: int) -> None:
    pass


def _chunks(values: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- products: reading what is stored ---------------------------------------------------------


@dataclass
class _Stored:
    """What the database holds that the file's rows touch."""

    by_code: dict[str, int] = field(default_factory=dict)
    barcode_owner: dict[str, int] = field(default_factory=dict)
    products: dict[int, Any] = field(default_factory=dict)  # id -> row tuple of _FIELDS
    extras: dict[int, set[str]] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)  # lower-cased name -> id
    rates: dict[Decimal, int] = field(default_factory=dict)  # percent -> first tax_rate id
    rate_of: dict[int, Decimal] = field(default_factory=dict)


_FIELDS = (
    Product.id,
    Product.code,
    Product.name,
    Product.barcode,
    Product.category,
    Product.unit,
    Product.price,
    Product.cost,
    Product.tax_rate,
    Product.hsn_code,
    Product.stock,
    Product.min_stock,
    Product.sold_by_weight,
)


def _read_stored(rows: list[ProductRow]) -> _Stored:
    stored = _Stored()
    codes = [row.code for row in rows if row.code]
    for chunk in _chunks(codes):
        query = Product.select(Product.id, Product.code).where(Product.code.in_(chunk))
        stored.by_code.update((code, pid) for pid, code in query.tuples())
    barcodes = [code for row in rows for code in row.all_barcodes()]
    for chunk in _chunks(barcodes):
        query = Product.select(Product.barcode, Product.id).where(Product.barcode.in_(chunk))
        stored.barcode_owner.update(query.tuples())
        extra = ProductBarcode.select(ProductBarcode.barcode, ProductBarcode.product).where(
            ProductBarcode.barcode.in_(chunk)
        )
        stored.barcode_owner.update(extra.tuples())
    ids = sorted(set(stored.by_code.values()) | set(stored.barcode_owner.values()))
    for chunk in _chunks(ids):
        query = Product.select(*_FIELDS).where(Product.id.in_(chunk))
        for values in query.tuples():
            stored.products[values[0]] = values
        extra = ProductBarcode.select(ProductBarcode.product, ProductBarcode.barcode).where(
            ProductBarcode.product.in_(chunk)
        )
        for pid, code in extra.tuples():
            stored.extras.setdefault(pid, set()).add(code)
    for cid, name in Category.select(Category.id, Category.name).order_by(Category.id).tuples():
        stored.categories.setdefault(name.lower(), cid)
    rates = TaxRate.select(TaxRate.id, TaxRate.rate, TaxRate.status).order_by(TaxRate.id)
    for rid, rate, status in rates.tuples():
        stored.rate_of[rid] = rate
        if status == ACTIVE:
            stored.rates.setdefault(rate, rid)
    return stored


def _match(row: ProductRow, stored: _Stored) -> int | None:
    """The stored product a row is about: by code, then by its barcodes."""
    if row.code and row.code in stored.by_code:
        return stored.by_code[row.code]
    for code in row.all_barcodes():
        if code in stored.barcode_owner:
            return stored.barcode_owner[code]
    return None


def _row_errors(row: ProductRow, pid: int | None, stored: _Stored) -> list[RowError]:
    errors = []
    for code in row.all_barcodes():
        owner = stored.barcode_owner.get(code)
        if owner is not None and owner != pid:
            other = stored.products[owner]
            column = "barcode" if code == row.barcode else "barcodes"
            errors.append(
                RowError(row.row, column, f"{code} belongs to {other[1]} ({other[2][:40]})")
            )
    if row.stock is not None:
        stored_row = stored.products.get(pid) if pid is not None else None
        unit = row.unit or (stored_row[5] if stored_row else "pcs")
        by_weight = (
            row.sold_by_weight
            if row.sold_by_weight is not None
            else bool(stored_row and stored_row[12])
        )
        if in_whole_pieces(unit, by_weight) and row.stock != row.stock.to_integral_value():
            errors.append(RowError(row.row, "stock", f"{row.stock} is not a whole number of pcs"))
    if pid is None:
        if not row.code:
            errors.append(RowError(row.row, "code", "a new product needs a code"))
        if not row.name:
            errors.append(RowError(row.row, "name", "a new product needs a name"))
        if row.price is None:
            errors.append(RowError(row.row, "price", "a new product needs a price"))
    return errors


# --- products: importing ----------------------------------------------------------------------


@dataclass
class _Plan:
    inserts: list[dict] = field(default_factory=list)
    insert_extras: dict[str, tuple[str, ...]] = field(default_factory=dict)  # code -> barcodes
    updates: dict[int, dict] = field(default_factory=dict)
    extras: dict[int, set[str]] = field(default_factory=dict)  # the new set of extra barcodes
    stock: dict[int, Decimal] = field(default_factory=dict)  # product id -> stock wanted
    new_categories: dict[str, str] = field(default_factory=dict)  # lower -> as written
    new_rates: set[Decimal] = field(default_factory=set)
    unchanged: int = 0


def _category(row: ProductRow, stored: _Stored, plan: _Plan) -> int | str | None:
    """The category id, the name of one to create, or None for no category."""
    if not row.category:
        return None
    key = row.category.lower()
    if key in stored.categories:
        return stored.categories[key]
    plan.new_categories.setdefault(key, row.category)
    return key


def _rate(rate: Decimal, stored: _Stored, plan: _Plan) -> int | Decimal:
    if rate in stored.rates:
        return stored.rates[rate]
    plan.new_rates.add(rate)
    return rate


def _plan_new(row: ProductRow, stored: _Stored, plan: _Plan, now) -> None:
    assert row.name is not None and row.price is not None
    plan.inserts.append(
        {
            "created_at": now,
            "updated_at": now,
            "code": row.code,
            "name": row.name,
            "search_name": search_key(row.name, row.code),
            "barcode": row.barcode or None,
            "category": _category(row, stored, plan),
            "tax_rate": _rate(row.tax_rate, stored, plan) if row.tax_rate is not None else None,
            "hsn_code": row.hsn or "",
            "unit": row.unit or "pcs",
            "sold_by_weight": bool(row.sold_by_weight),
            "price": row.price,
            "cost": row.cost if row.cost is not None else Decimal(0),
            "stock": row.stock or Decimal(0),
            "min_stock": row.min_stock if row.min_stock is not None else Decimal(0),
        }
    )
    if row.barcodes:
        plan.insert_extras[row.code] = row.barcodes


def _plan_existing(row: ProductRow, pid: int, columns: set[str], stored: _Stored, plan: _Plan):
    (_, code, name, barcode, category, unit, price, cost, rate_id, hsn, stock, minimum, weight) = (
        stored.products[pid]
    )
    changes: dict[str, Any] = {}
    if row.code and row.code != code:
        changes["code"] = row.code
    if row.name is not None and row.name != name:
        changes["name"] = row.name
    if "code" in changes or "name" in changes:
        changes["search_name"] = search_key(row.name or name, row.code or code)
    if "barcode" in columns and (row.barcode or None) != barcode:
        changes["barcode"] = row.barcode or None
    if "category" in columns:
        wanted = _category(row, stored, plan)
        if wanted != category:
            changes["category"] = wanted
    for key, value, current in (
        ("unit", row.unit, unit),
        ("price", row.price, price),
        ("cost", row.cost, cost),
        ("hsn_code", row.hsn, hsn),
        ("min_stock", row.min_stock, minimum),
        ("sold_by_weight", row.sold_by_weight, weight),
    ):
        if value is not None and value != current:
            changes[key] = value
    if row.clears_tax_rate and rate_id is not None:
        changes["tax_rate"] = None
    elif row.tax_rate is not None and stored.rate_of.get(rate_id) != row.tax_rate:
        changes["tax_rate"] = _rate(row.tax_rate, stored, plan)
    extras_changed = "barcodes" in columns and set(row.barcodes or ()) != stored.extras.get(
        pid, set()
    )
    if extras_changed:
        plan.extras[pid] = set(row.barcodes or ())
    stock_changed = row.stock is not None and row.stock != stock
    if stock_changed:
        plan.stock[pid] = row.stock
    if changes:
        plan.updates[pid] = changes
    if not (changes or extras_changed or stock_changed):
        plan.unchanged += 1


def import_products(
    actor: Actor, data: bytes, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Checks a products CSV file and, if every row is right and not `dry_run`, writes it."""
    actor.require(Permission.MANAGE_PRODUCTS)
    progress = progress or _no_progress
    parsed = parse_products(decode(data))
    rows: list[ProductRow] = parsed.rows
    total = len(rows) + len(parsed.errors)
    columns = set(parsed.columns)
    with write_transaction() if not dry_run else database.atomic():
        stored = _read_stored(rows)
        errors = list(parsed.errors)
        matched: list[tuple[ProductRow, int | None]] = []
        claimed: dict[int, int] = {}  # product id -> row that matched it
        for row in rows:
            pid = _match(row, stored)
            row_errors = _row_errors(row, pid, stored)
            if pid is not None and pid in claimed:
                row_errors.append(
                    RowError(row.row, "code", f"is the same product as row {claimed[pid]}")
                )
            if pid is not None:
                claimed.setdefault(pid, row.row)
            errors += row_errors
            matched.append((row, pid))
        progress(total // 10, total)
        if errors:
            errors.sort(key=lambda error: error.row)
            return ImportReport("products", len(rows) + len(parsed.errors), errors=tuple(errors))
        plan = _Plan()
        now = utc_now()
        for row, pid in matched:
            if pid is None:
                _plan_new(row, stored, plan, now)
            else:
                _plan_existing(row, pid, columns, stored, plan)
        moves = len(plan.stock) + sum(1 for r in plan.inserts if r["stock"])
        report = ImportReport(
            "products",
            len(rows),
            created=len(plan.inserts),
            updated=len({*plan.updates, *plan.extras, *plan.stock}),
            unchanged=plan.unchanged,
            stock_movements=moves,
            categories_created=len(plan.new_categories),
            tax_rates_created=len(plan.new_rates),
            dry_run=dry_run,
        )
        if dry_run:
            progress(total, total)
            return report
        if not (report.created or report.updated):
            progress(total, total)
            return report
        _write(actor, plan, now, lambda done: progress(total // 10 + done * 9 // 10, total), total)
        audit.record(
            actor,
            "products.import",
            entity="product",
            details={
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "stock_movements": report.stock_movements,
            },
        )
    progress(total, total)
    return report


def _write(actor: Actor, plan: _Plan, now, progress: Callable[[int], None], total: int) -> None:
    categories = {}
    for key, name in plan.new_categories.items():
        categories[key] = Category.create(name=name).id
    rates = {}
    for rate in sorted(plan.new_rates):
        rates[rate] = TaxRate.create(name=f"Tax {rate_text(rate)}%", rate=rate).id

    def resolve(values: dict) -> dict:
        if isinstance(values.get("category"), str):
            values["category"] = categories[values["category"]]
        if isinstance(values.get("tax_rate"), Decimal):
            values["tax_rate"] = rates[values["tax_rate"]]
        return values

    user_id = movement_user(actor) if plan.inserts else None
    done = 0
    for batch in _chunks(plan.inserts, BATCH):
        insert_rows(Product, [resolve(values) for values in batch])
        ids = _ids_of([v["code"] for v in batch if v["stock"] or v["code"] in plan.insert_extras])
        movements = [
            {
                "created_at": now,
                "updated_at": now,
                "product": ids[values["code"]],
                "kind": "opening",
                "quantity": values["stock"],
                "stock_after": values["stock"],
                "unit_cost": values["cost"],
                "note": "CSV import",
                "user": user_id,
                "terminal": actor.terminal[:32],
            }
            for values in batch
            if values["stock"]
        ]
        if movements:
            insert_rows(StockMovement, movements)
        extras = [
            {"created_at": now, "updated_at": now, "product": ids[code], "barcode": barcode}
            for code in (v["code"] for v in batch)
            for barcode in plan.insert_extras.get(code, ())
        ]
        for chunk in _chunks(extras, BATCH):
            insert_rows(ProductBarcode, chunk)
        done += len(batch)
        progress(done)
    changed = sorted({*plan.updates, *plan.extras, *plan.stock})
    locked = lock_products(changed)
    for pid in changed:
        if pid in plan.updates:
            values = resolve(plan.updates[pid])
            Product.update(updated_at=now, **values).where(Product.id == pid).execute()
        if pid in plan.extras:
            _replace_extras(pid, plan.extras[pid])
        done += 1
        if done % BATCH == 0:
            progress(done)
    book_movements(
        actor,
        [
            {
                "product": locked[pid],
                "kind": "adjustment",
                "quantity": wanted - locked[pid].stock,
                "reason": AdjustReason.COUNT_CORRECTION.value,
                "note": "CSV import",
            }
            for pid, wanted in sorted(plan.stock.items())
            if wanted != locked[pid].stock
        ],
    )
    progress(done)


_INSERTS: dict[tuple, str] = {}


def insert_rows(model, rows: list[dict]) -> None:
    """INSERTs `rows` (dicts of the same keys, at most BATCH) in one multi-row statement.

    peewee's insert_many spends ~0.3 ms building the SQL of each row, several times what the
    database takes to write it; here the statement text is built once per shape, and each
    value only goes through its column's converter.
    """
    if not rows:
        return
    keys = tuple(rows[0])
    # The columns' defaults, as insert_many would fill them in (the database has none).
    defaults = {
        name: field.default() if callable(field.default) else field.default
        for name, field in model._meta.fields.items()
        if name not in keys and field.default is not None
    }
    if defaults:
        rows = [{**row, **defaults} for row in rows]
        keys = tuple(rows[0])
    fields = [model._meta.fields[key] for key in keys]
    key = (model, keys, len(rows), database.param)
    sql = _INSERTS.get(key)
    if sql is None:
        one = "(" + ", ".join([database.param] * len(keys)) + ")"
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        table = f'"{model._meta.table_name}"'
        sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one] * len(rows))
        _INSERTS[key] = sql
    converters = [field.db_value for field in fields]
    params = [
        convert(row[name]) for row in rows for name, convert in zip(keys, converters, strict=True)
    ]
    database.execute_sql(sql, params)


def _ids_of(codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(Product.select(Product.code, Product.id).where(Product.code.in_(codes)).tuples())


def _replace_extras(product_id: int, wanted: set[str]) -> None:
    mine = ProductBarcode.product == product_id
    have = {code for (code,) in ProductBarcode.select(ProductBarcode.barcode).where(mine).tuples()}
    gone = sorted(have - wanted)
    if gone:
        ProductBarcode.delete().where(mine & ProductBarcode.barcode.in_(gone)).execute()
    for barcode in sorted(wanted - have):
        ProductBarcode.create(product=product_id, barcode=barcode)


# --- products: exporting ----------------------------------------------------------------------


def export_products(stream: TextIO, *, progress: Progress | None = None) -> int:
    """Writes every product (not deleted) in the import's columns; returns how many."""
    progress = progress or _no_progress
    total = Product.select().where(Product.deleted_at.is_null()).count()
    return write_rows(stream, PRODUCT_COLUMNS, _product_records(total, progress))


def _product_records(total: int, progress: Progress) -> Iterator[list[str]]:
    last_id, done = 0, 0
    while True:
        page = list(
            Product.select(
                Product, Category.name.alias("category_name"), TaxRate.rate.alias("rate")
            )
            .join_from(Product, Category, JOIN.LEFT_OUTER, on=(Product.category == Category.id))
            .join_from(Product, TaxRate, JOIN.LEFT_OUTER, on=(Product.tax_rate == TaxRate.id))
            .where((Product.id > last_id) & Product.deleted_at.is_null())
            .order_by(Product.id)
            .limit(1000)
            .objects()
        )
        if not page:
            return
        ids = [p.id for p in page]
        extras: dict[int, list[str]] = {}
        query = (
            ProductBarcode.select(ProductBarcode.product, ProductBarcode.barcode)
            .where(ProductBarcode.product.in_(ids))
            .order_by(ProductBarcode.barcode)
        )
        for pid, code in query.tuples():
            extras.setdefault(pid, []).append(code)
        for p in page:
            rate = p.rate if p.tax_rate_id is not None else None
            yield [
                p.code,
                p.name,
                p.barcode or "",
                BARCODE_SEPARATOR.join(extras.get(p.id, ())),
                p.category_name or "",
                p.unit,
                money_text(p.price),
                money_text(p.cost),
                rate_text(rate),
                p.hsn_code,
                quantity_text(p.stock),
                quantity_text(p.min_stock),
                "yes" if p.sold_by_weight else "no",
            ]
        last_id, done = ids[-1], done + len(page)
        progress(done, total)


# --- suppliers --------------------------------------------------------------------------------


def import_suppliers(
    actor: Actor, data: bytes, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportReport:
    """Suppliers by name (case-insensitive): new ones added, changed ones updated."""
    actor.require(Permission.MANAGE_PRODUCTS)
    progress = progress or _no_progress
    parsed = parse_suppliers(decode(data))
    total = len(parsed.rows) + len(parsed.errors)
    if parsed.errors:
        return ImportReport("suppliers", total, errors=tuple(parsed.errors))
    with write_transaction() if not dry_run else database.atomic():
        existing = {
            s.name.lower(): s for s in Supplier.select().where(Supplier.deleted_at.is_null())
        }
        created = updated = unchanged = 0
        now = utc_now()
        for done, row in enumerate(parsed.rows, start=1):
            supplier = existing.get(row.name.lower())
            if supplier is None:
                created += 1
                if not dry_run:
                    Supplier.create(name=row.name, **row.values)
            else:
                changes = {k: v for k, v in row.values.items() if getattr(supplier, k) != v}
                if row.name != supplier.name:
                    changes["name"] = row.name
                if changes:
                    updated += 1
                    if not dry_run:
                        Supplier.update(updated_at=now, **changes).where(
                            Supplier.id == supplier.id
                        ).execute()
                else:
                    unchanged += 1
            if done % BATCH == 0:
                progress(done, total)
        report = ImportReport(
            "suppliers",
            total,
            created=created,
            updated=updated,
            unchanged=unchanged,
            dry_run=dry_run,
        )
        if not dry_run and (created or updated):
            audit.record(
                actor,
                "suppliers.import",
                entity="supplier",
                details={"rows": total, "created": created, "updated": updated},
            )
    progress(total, total)
    return report


def export_suppliers(stream: TextIO, *, progress: Progress | None = None) -> int:
    progress = progress or _no_progress
    suppliers = Supplier.select().where(Supplier.deleted_at.is_null()).order_by(Supplier.name)
    rows = ([getattr(s, column) for column in SUPPLIER_COLUMNS] for s in suppliers)
    count = write_rows(stream, SUPPLIER_COLUMNS, rows)
    progress(count, count)
    return count
