"""Finding products at the till: by scanned barcode (weight and price labels included) or by
what the cashier types. Both are on the path from a key press to a line on the bill, so each
is one or two indexed queries.
"""

from __future__ import annotations

from decimal import Decimal

from peewee import JOIN

from posterm.data.models import Category, Product, ProductBarcode, TaxRate
from posterm.domain.barcodes import (
    BarcodeKind,
    EmbeddedKind,
    EmbeddedLayout,
    classify,
    decode_embedded,
    equivalent_codes,
)
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.products import ProductInfo, ScanResult
from posterm.services.settings import load_settings

ACTIVE = "active"
_MAX_CODE = 32


def _query():
    return (
        Product.select(Product, TaxRate.rate, Category.name)
        .join(TaxRate, JOIN.LEFT_OUTER, on=(Product.tax_rate == TaxRate.id))
        .switch(Product)
        .join(Category, JOIN.LEFT_OUTER, on=(Product.category == Category.id))
    )


def _info(product: Product, default_rate: Decimal) -> ProductInfo:
    rate = product.tax_rate.rate if product.tax_rate_id is not None else default_rate
    category = product.category.name if product.category_id is not None else ""
    return ProductInfo(
        id=product.id,
        code=product.code,
        name=product.name,
        barcode=product.barcode or "",
        unit=product.unit,
        sold_by_weight=product.sold_by_weight,
        price=product.price,
        tax_rate=rate,
        hsn_code=product.hsn_code,
        stock=product.stock,
        status=product.status,
        category=category,
    )


def _sellable(product: Product, default_rate: Decimal) -> ProductInfo:
    if product.status != ACTIVE:
        raise Conflict(f"{product.name} is {product.status}: it cannot be sold.")
    return _info(product, default_rate)


def _by_code(codes: tuple[str, ...]) -> Product | None:
    found = _query().where(Product.barcode.in_(codes)).first()
    if found is None:
        extra = ProductBarcode.select(ProductBarcode.product).where(
            ProductBarcode.barcode.in_(codes)
        )
        found = _query().where(Product.id.in_(extra)).first()
    if found is None:
        found = _query().where(Product.code.in_(codes)).first()
    return found


def lookup_barcode(code: str) -> ScanResult:
    """The product a scanned (or typed) code stands for; raises NotFound, ValidationError,
    or Conflict for a product that may not be sold."""
    code = "".join(code.split())
    if not code or len(code) > _MAX_CODE:
        raise ValidationError("barcode", "not a barcode")
    settings = load_settings()
    if classify(code) is BarcodeKind.INVALID_CHECK:
        raise ValidationError("barcode", f"check digit of {code} is wrong: rescan or type it")
    layout = EmbeddedLayout.parse(settings.barcode_layout)
    embedded = decode_embedded(code, layout)
    if embedded is not None:
        # One PLU may be sold by a weight label or a price label: any label prefix + the item.
        item = embedded.item_code[2:]
        prefixes = (embedded.item_code[:2], *layout.weight_prefixes, *layout.price_prefixes)
        product = _by_code(tuple(dict.fromkeys(prefix + item for prefix in prefixes)))
        if product is None:
            raise NotFound(f"No product with label code {embedded.item_code} ({code}).")
        info = _sellable(product, settings.default_tax_rate)
        if embedded.kind is EmbeddedKind.WEIGHT:
            return ScanResult(info, embedded.value, None, code)
        return ScanResult(info, Decimal(1), embedded.value, code)
    product = _by_code(equivalent_codes(code))
    if product is None:
        raise NotFound(f"No product with barcode {code}.")
    return ScanResult(_sellable(product, settings.default_tax_rate), None, None, code)


def get_product(product_id: int) -> ProductInfo:
    product = _query().where(Product.id == product_id).first()
    if product is None:
        raise NotFound(f"No product with id {product_id}.")
    return _info(product, load_settings().default_tax_rate)


def search_products(text: str, *, limit: int = 20, offset: int = 0) -> list[ProductInfo]:
    """Active products by code or barcode, then by the start of the name, then by the start
    of any word in the name; ordered by name, a page at a time."""
    text = " ".join(text.lower().split())[:60]
    if not text:
        return []
    default_rate = load_settings().default_tax_rate
    active = Product.status == ACTIVE
    exact = list(
        _query()
        .where(
            active
            & ((Product.code == text.upper()) | (Product.code == text) | (Product.barcode == text))
        )
        .limit(1)
    )
    # A range on the indexed column: both databases use the index for it, unlike LIKE.
    starts = (Product.search_name >= text) & (Product.search_name < text + "\uffff")
    rows = list(
        _query().where(active & starts).order_by(Product.search_name).limit(limit + offset + 1)
    )
    if len(rows) < limit + offset:
        word = Product.search_name.contains(f" {text}")
        rows += list(
            _query()
            .where(active & word & ~starts)
            .order_by(Product.search_name)
            .limit(limit + offset - len(rows))
        )
    seen: set[int] = set()
    ordered = []
    for product in exact + rows:
        if product.id not in seen:
            seen.add(product.id)
            ordered.append(product)
    return [_info(product, default_rate) for product in ordered[offset : offset + limit]]
