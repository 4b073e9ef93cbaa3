"""Keeping the catalogue: creating, editing and deactivating products (the stock screen).

- Products are created, edited, deactivated and reactivated; never deleted, so sales, stock
  movements and purchases keep pointing at them ("inactive" and "discontinued" products
  cannot be sold; they stay in the list under their status).
- Every change is one transaction, checked against the actor's role and audited. Bad input
  names each bad field (ProductInvalid) and writes nothing.
- Opening stock is a stock movement of kind "opening": stock stays the sum of movements.

The list is `product_list`; categories and tax rates are `categories`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from peewee import fn

from posterm.data.database import for_update, write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import (
    ACTIVE,
    Category,
    Product,
    ProductBarcode,
    StockMovement,
    TaxRate,
    User,
)
from posterm.domain.barcodes import equivalent_codes
from posterm.domain.catalog_records import (
    ProductDetail,
)
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.permissions import Actor, Permission
from posterm.domain.product_input import (
    STATUSES,
    ProductInput,
    ProductInvalid,
    validate_product,
)
from posterm.domain.products import search_key
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
