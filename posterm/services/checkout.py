"""Checkout: turns a paid cart into a sale, all in one transaction (DESIGN.md, "Checkout").

One write transaction locks the products in id order (FOR UPDATE on PostgreSQL, BEGIN
IMMEDIATE on SQLite), then their batches, the customer, then the bill-number counter, and
writes the sale, its line snapshots, payments, stock movements and credit entry with their
caches. Each line draws its product's batches oldest first (FIFO cost of goods, recorded on
sale_line_batch so a return puts the units back where they came from). Anything refused
raises before the bill number is taken, and any failure rolls everything back, so bill numbers
stay gap-free. The cart's UUID makes a retry return the sale already written.

The writes go through posterm.data.statements (SQL text built once) and the answer is built
from the rows just written: a checkout is a few statements, not peewee building dozens.

Printing, the drawer and the customer display run after this returns, never inside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from peewee import IntegrityError

from posterm.data.counters import open_shift, take_document_number
from posterm.data.database import for_update, is_postgres, write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import (
    ACTIVE,
    Batch,
    CreditEntry,
    Customer,
    HeldSale,
    Payment,
    Product,
    Sale,
    SaleLine,
    SaleLineBatch,
    Shift,
    StockMovement,
    TaxRate,
    User,
    database,
)
from posterm.data.statements import fetch, insert_rows, query_sql, update_by_id
from posterm.domain.barcodes import EmbeddedKind, EmbeddedLayout, decode_embedded
from posterm.domain.batches import BatchStock, Draw, draw_fifo, line_cost
from posterm.domain.cart import BillTotals, CartLine, TaxRateTotal, compute_bill
from posterm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from posterm.domain.loyalty import accepted_methods
from posterm.domain.money import (
    MAX_MONEY,
    MONEY_PLACES,
    QUANTITY_PLACES,
    exact_context,
    format_money,
    format_quantity,
    quantize_money,
)
from posterm.domain.permissions import Actor, Grant, Permission, grant
from posterm.domain.sale import (
    CREDIT,
    AppliedPayment,
    CheckoutRequest,
    CompletedSale,
    SaleLineRequest,
    SoldLine,
    allocate_tenders,
)
from posterm.domain.store_settings import StoreSettings
from posterm.services import audit, loyalty
from posterm.services.settings import load_settings
from posterm.services.shifts import needs_shift

CURRENCY_PLACES = 2
QUANTITY_STEP = Decimal(1).scaleb(-QUANTITY_PLACES)
MAX_LINES = 500
MAX_NOTE = 500


def checkout(
    actor: Actor, request: CheckoutRequest, *, sold_at: datetime | None = None
) -> CompletedSale:
    """Completes the sale of `request`'s cart and returns it; a retry returns the same sale.

    `sold_at` (aware) back-dates the sale, for the demo shop and imports; default now.
    Raises ValidationError, NotFound, Conflict or PermissionDenied, having written nothing.
    """
    when = _sale_time(sold_at)
    try:
        with write_transaction():
            settings = load_settings()
            sale_id = _sale_id_of_cart(request.cart_id)
            if sale_id is None:
                return _write_sale(actor, request, when, settings)
            return _completed(Sale.get_by_id(sale_id), settings)
    except IntegrityError:
        # The same cart was completed by a concurrent retry between our check and our insert.
        sale = Sale.get_or_none(Sale.uuid == request.cart_id)
        if sale is None:
            raise
        return _completed(sale, load_settings())


def sale_for_cart(cart_id: UUID) -> CompletedSale | None:
    """The sale made from cart `cart_id`, if it was completed (e.g. before a crash)."""
    sale = Sale.get_or_none(Sale.uuid == cart_id)
    return None if sale is None else _completed(sale, load_settings())


def get_sale(sale_id: int) -> CompletedSale:
    """A completed sale by id, as its receipt shows it (for a reprint)."""
    sale = Sale.get_or_none(Sale.id == sale_id)
    if sale is None:
        raise NotFound(f"No sale with id {sale_id}.")
    return _completed(sale, load_settings())


def find_sale(bill_number_text: str) -> CompletedSale:
    """A completed sale by its bill number (for a reprint or a return)."""
    sale = Sale.get_or_none(Sale.bill_number == bill_number_text.strip().upper())
    if sale is None:
        sale = Sale.get_or_none(Sale.bill_number == bill_number_text.strip())
    if sale is None:
        raise NotFound(f"No bill numbered '{bill_number_text.strip()}'.")
    return _completed(sale, load_settings())


# --- writing ---------------------------------------------------------------------------------


def _sale_time(sold_at: datetime | None) -> datetime:
    if sold_at is None:
        return utc_now()
    if sold_at.tzinfo is None:
        raise ValidationError("sold_at", "needs a timezone")
    return sold_at.astimezone(UTC)


def _write_sale(
    actor: Actor, request: CheckoutRequest, when: datetime, settings: StoreSettings
) -> CompletedSale:
    actor.require(Permission.SELL)
    if actor.user_id is None:
        raise ValidationError("user", "log in as a user of the till to sell")
    _check_shape(request)

    products = _lock_products(request.lines)
    if is_postgres():
        # Locking may have waited for another till finishing this very cart. (On SQLite the
        # write lock was taken before the first look, so nothing can have finished since.)
        existing = _sale_id_of_cart(request.cart_id)
        if existing is not None:
            return _completed(Sale.get_by_id(existing), settings)

    used_overrides: list[Permission] = []
    layout = EmbeddedLayout.parse(settings.barcode_layout)
    cart_lines: list[CartLine] = []
    overridden: list[bool] = []
    for line in request.lines:
        product = products[line.product_id]
        price, is_override = _price_of(line, product, layout)
        if is_override and Permission.PRICE_OVERRIDE not in used_overrides:
            actor.require(Permission.PRICE_OVERRIDE)
            used_overrides.append(Permission.PRICE_OVERRIDE)
        overridden.append(is_override)
        cart_lines.append(
            CartLine(
                product.id,
                product.name,
                price,
                line.quantity,
                product.rate if product.rate is not None else settings.default_tax_rate,
                line.line_discount,
            )
        )
    totals = compute_bill(
        cart_lines,
        request.bill_discount,
        settings.prices_include_tax,
        settings.cash_rounding,
        CURRENCY_PLACES,
    )
    if _check_discount(actor, totals, settings.discount_limit_percent):
        used_overrides.append(Permission.DISCOUNT_ABOVE_LIMIT)
    _check_units(request.lines, products)
    if not settings.allow_negative_stock:
        _check_stock(request.lines, products)

    customer = _lock_customer(request.customer_id)
    allocation = allocate_tenders(
        totals.total_due,
        request.tenders,
        customer_attached=customer is not None,
        methods=accepted_methods(settings),  # the store's methods, and points when enabled
        places=CURRENCY_PLACES,
    )
    balance = _ledger_balance(customer) if customer is not None else Decimal(0)
    if allocation.credit_amount > 0:
        assert customer is not None  # allocate_tenders refuses credit for a walk-in
        if _check_credit(actor, customer, balance, allocation.credit_amount):
            used_overrides.append(Permission.CREDIT_ABOVE_LIMIT)

    # Loyalty points the bill earns and spends (refused here, before the bill number).
    points = loyalty.plan_sale(customer, allocation.payments, totals.total_due, settings)
    approver = actor.approved_by_id if _needed_approval(actor, used_overrides) else None
    local_day = when.astimezone(ZoneInfo(settings.timezone)).date()
    series, sequence, number = take_document_number(settings.bill_number_format, local_day)
    shift = open_shift(actor.terminal)
    if shift is None:
        _require_shift(actor, settings)

    sale = {
        "created_at": when,
        "updated_at": when,
        "uuid": request.cart_id,
        "kind": "sale",
        "bill_number": number,
        "series": series,
        "sequence": sequence,
        "terminal": actor.terminal[:32],
        "user": actor.user_id,
        "approved_by": approver,
        "customer": customer.id if customer is not None else None,
        "shift": shift.id if shift is not None else None,
        "prices_include_tax": settings.prices_include_tax,
        "item_count": totals.item_count,
        "subtotal": totals.subtotal,
        "discount_total": totals.discount_total,
        "tax_total": totals.tax_total,
        "round_off": totals.round_off,
        "total": totals.total_due,
        "paid_total": allocation.tendered_total,
        "change_given": allocation.change,
        "credit_amount": allocation.credit_amount,
        "note": request.note.strip(),
        # In the INSERT itself: no till may change a sale row's loyalty columns afterwards.
        **loyalty.sale_columns(points),
    }
    [(sale_id,)] = insert_rows(Sale, [sale], returning=[Sale.id])
    sale["id"] = sale_id
    draws, left = _draw_batches(request.lines, products)
    lines = _write_lines(sale_id, request.lines, products, totals, overridden, draws, when)
    _write_draws([row["id"] for row in lines], draws, left, when)
    _write_stock(sale_id, actor, request.lines, products, lines, when)
    payments = _payment_rows(sale_id, actor, sale["customer"], sale["shift"], allocation.payments)
    credit_payment = _insert_payments(payments, when)
    loyalty_facts = loyalty.write_sale(actor, sale_id, customer, points, when)
    if allocation.credit_amount > 0:
        assert customer is not None
        balance = balance + allocation.credit_amount
        CreditEntry.create(
            created_at=when,
            updated_at=when,
            customer=customer,
            kind="sale",
            amount=allocation.credit_amount,
            balance_after=balance,
            sale=sale_id,
            payment=credit_payment,
            user=actor.user_id,
            approved_by=approver if Permission.CREDIT_ABOVE_LIMIT in used_overrides else None,
            note=number,
        )
        Customer.update(balance=balance, updated_at=utc_now()).where(
            Customer.id == customer.id
        ).execute()
    # The till's saved open bill is this cart: it is paid now, so it must not come back.
    _forget_held(request.cart_id)
    if approver is not None:
        audit.record(
            actor,
            "sale.override",
            entity="sale",
            entity_id=number,
            details={
                "permissions": [
                    p.name for p in used_overrides if grant(actor.role, p) is Grant.OVERRIDE
                ],
                "approved_by": actor.approved_by_username,
                "total": str(totals.total_due),
            },
        )
    # Built from the rows just written, as _completed would read them back.
    return _document(
        SimpleNamespace(**sale, user_id=actor.user_id, customer_id=sale["customer"], printed=False),
        [SimpleNamespace(**row, product_id=row["product"]) for row in lines],
        [SimpleNamespace(**row) for row in payments],
        cashier=_user_name(actor.user_id),
        approver=actor.approved_by_username if approver is not None else "",
        customer_name=customer.name if customer is not None else "",
        balance=_money(balance) if customer is not None else None,
        settings=settings,
        loyalty_facts=loyalty_facts,
    )


def _sale_id_of_cart(cart_id: UUID) -> int | None:
    sql = query_sql(
        ("sale of cart",),
        lambda: Sale.select(Sale.id).where(Sale.uuid == cart_id),
        [Sale.uuid.db_value(cart_id)],
    )
    rows = fetch(sql, [Sale.uuid.db_value(cart_id)], [Sale.id])
    return rows[0][0] if rows else None


def _user_name(user_id: int) -> str:
    params = [user_id]
    sql = query_sql(
        ("user name",),
        lambda: User.select(User.full_name, User.username).where(User.id == user_id),
        params,
    )
    full_name, username = fetch(sql, params, [User.full_name, User.username])[0]
    return full_name or username


def _forget_held(cart_id: UUID) -> None:
    params = [HeldSale.uuid.db_value(cart_id)]
    sql = query_sql(
        ("forget held",), lambda: HeldSale.delete().where(HeldSale.uuid == cart_id), params
    )
    database.execute_sql(sql, tuple(params))


def _check_shape(request: CheckoutRequest) -> None:
    if not request.lines:
        raise ValidationError("lines", "the bill has no items")
    if len(request.lines) > MAX_LINES:
        raise ValidationError("lines", f"at most {MAX_LINES} lines on one bill")
    if len(request.note) > MAX_NOTE:
        raise ValidationError("note", f"at most {MAX_NOTE} characters")
    for index, line in enumerate(request.lines):
        if not isinstance(line.product_id, int):
            raise ValidationError("product", f"line {index + 1} names no product")


@dataclass
class _Locked:
    """A product locked for the sale: what the bill, its snapshots and the checks need."""

    id: int
    status: str
    deleted_at: datetime | None
    code: str
    name: str
    barcode: str | None
    hsn_code: str
    unit: str
    sold_by_weight: bool
    price: Decimal
    cost: Decimal
    stock: Decimal
    rate: Decimal | None  # the product's tax rate; None: the store's default


_LOCKED_FIELDS = (
    Product.id,
    Product.status,
    Product.deleted_at,
    Product.code,
    Product.name,
    Product.barcode,
    Product.hsn_code,
    Product.unit,
    Product.sold_by_weight,
    Product.price,
    Product.cost,
    Product.stock,
)


def _lock_products(lines: Sequence[SaleLineRequest]) -> dict[int, _Locked]:
    """Locks every product on the bill, in id order so two tills never deadlock."""
    ids = sorted({line.product_id for line in lines})

    def build():
        rate = TaxRate.select(TaxRate.rate).where(TaxRate.id == Product.tax_rate).alias("rate")
        query = Product.select(*_LOCKED_FIELDS, rate).where(Product.id.in_(ids))
        return for_update(query.order_by(Product.id))

    sql = query_sql(("lock products", len(ids)), build, ids)
    rows = fetch(sql, ids, (*_LOCKED_FIELDS, TaxRate.rate))
    products = {row[0]: _Locked(*row) for row in rows}
    for product_id in ids:
        product = products.get(product_id)
        if product is None:
            raise NotFound(f"No product with id {product_id}.")
        if product.status != ACTIVE or product.deleted_at is not None:
            raise Conflict(f"'{product.name}' is {product.status} and cannot be sold.")
    return products


def _price_of(
    line: SaleLineRequest, product: _Locked, layout: EmbeddedLayout
) -> tuple[Decimal, bool]:
    """The unit price the line sells at, and whether it overrides the product's price.

    The price printed on this product's own price label is not an override.
    """
    if line.unit_price is None:
        return product.price, False
    price = line.unit_price
    if not isinstance(price, Decimal):
        raise TypeError(f"unit_price must be a Decimal, not {type(price).__name__}")
    if not price.is_finite():
        raise ValidationError("unit_price", f"not a number ({product.name})")
    # Checked before the places: quantizing an absurdly large price would overflow.
    if not 0 <= price <= MAX_MONEY:
        raise ValidationError(
            "unit_price", f"must be from 0 to {format_money(MAX_MONEY)} ({product.name})"
        )
    if price != quantize_money(price, CURRENCY_PLACES):
        raise ValidationError(
            "unit_price", f"at most {CURRENCY_PLACES} decimal places ({product.name})"
        )
    label = decode_embedded(line.label_code, layout) if line.label_code else None
    if (
        label is not None
        and label.kind is EmbeddedKind.PRICE
        and label.value == price
        and product.code[2:] == label.item_code[2:]
    ):
        return price, False
    return price, price != product.price


def _check_units(lines: Sequence[SaleLineRequest], products: dict[int, _Locked]) -> None:
    for line in lines:
        product = products[line.product_id]
        whole = line.quantity == line.quantity.to_integral_value()
        if product.unit == "pcs" and not product.sold_by_weight and not whole:
            raise ValidationError(
                "quantity", f"'{product.name}' is sold in whole pieces, not {line.quantity}"
            )


def _check_stock(lines: Sequence[SaleLineRequest], products: dict[int, _Locked]) -> None:
    wanted: dict[int, Decimal] = {}
    for line in lines:
        wanted[line.product_id] = wanted.get(line.product_id, Decimal(0)) + line.quantity
    for product_id, quantity in wanted.items():
        product = products[product_id]
        if product.stock < quantity:
            have = format_quantity(max(product.stock, Decimal(0)))
            raise Conflict(
                f"Only {have} {product.unit} of '{product.name}' in stock; "
                f"this bill needs {format_quantity(quantity)}."
            )


def _lock_customer(customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    customer = for_update(Customer.select().where(Customer.id == customer_id)).first()
    if customer is None or customer.deleted_at is not None:
        raise NotFound(f"No customer with id {customer_id}.")
    return customer


def _ledger_balance(customer: Customer) -> Decimal:
    """What the customer owes by the ledger (the truth; the cached balance should agree)."""
    last = (
        CreditEntry.select(CreditEntry.balance_after)
        .where(CreditEntry.customer == customer.id)
        .order_by(CreditEntry.id.desc())
        .first()
    )
    return last.balance_after if last is not None else Decimal(0)


def _check_credit(actor: Actor, customer: Customer, balance: Decimal, credit: Decimal) -> bool:
    """Refuses credit the customer may not have; True when it needs the above-limit right."""
    if customer.status != ACTIVE:
        raise Conflict(
            f"No credit for {customer.name}: the customer is {customer.status}."
            + (f" ({customer.notes.strip()})" if customer.notes.strip() else "")
        )
    with exact_context():
        after = balance + credit
    if after <= customer.credit_limit:
        return False
    try:
        actor.require(Permission.CREDIT_ABOVE_LIMIT)
    except PermissionDenied:
        raise PermissionDenied(
            f"sell on credit above the limit ({customer.name} would owe "
            f"{format_money(after)}, limit {format_money(customer.credit_limit)})",
            actor.role.value,
        ) from None
    return True


def _check_discount(actor: Actor, totals: BillTotals, limit_percent: Decimal) -> bool:
    """Refuses discounts (line and bill together) above the store's limit, as a share of the
    bill before discounts, unless the actor may give them; True when the right was needed."""
    if totals.discount_total <= 0 or totals.subtotal <= 0:
        return False
    with exact_context():
        above = totals.discount_total * 100 > limit_percent * totals.subtotal
        percent = quantize_money(totals.discount_total * 100 / totals.subtotal, 1)
    if not above:
        return False
    try:
        actor.require(Permission.DISCOUNT_ABOVE_LIMIT)
    except PermissionDenied:
        raise PermissionDenied(
            f"{Permission.DISCOUNT_ABOVE_LIMIT.value} ({format_money(totals.discount_total)} "
            f"is {percent}% of the bill, limit {limit_percent.normalize():f}%)",
            actor.role.value,
        ) from None
    return True


def _needed_approval(actor: Actor, used: list[Permission]) -> bool:
    """Whether a manager's approval (not the actor's own role) allowed any of `used`."""
    return actor.approved_by_id is not None and any(
        grant(actor.role, permission) is Grant.OVERRIDE for permission in used
    )


# --- batches (FIFO cost) -----------------------------------------------------------------------

_BATCH_FIELDS = (Batch.product, Batch.id, Batch.unit_cost, Batch.quantity_remaining)


def _open_batches(product_ids: list[int]) -> dict[int, list[BatchStock]]:
    """Each product's batches with quantity left, oldest first (locked with the products)."""

    def build():
        query = (
            Batch.select(*_BATCH_FIELDS)
            .where(Batch.product.in_(product_ids) & (Batch.quantity_remaining > 0))
            .order_by(Batch.product, Batch.created_at, Batch.id)
        )
        return for_update(query)

    params = [*product_ids, 0]
    sql = query_sql(("open batches", len(product_ids)), build, params)
    batches: dict[int, list[BatchStock]] = {}
    for product_id, batch_id, unit_cost, remaining in fetch(sql, params, _BATCH_FIELDS):
        batches.setdefault(product_id, []).append(BatchStock(batch_id, unit_cost, remaining))
    return batches


def _draw_batches(
    lines: Sequence[SaleLineRequest], products: dict[int, _Locked]
) -> tuple[list[list[Draw]], dict[int, Decimal]]:
    """Each line's draws, FIFO over its product's batches (lines of one product in turn), and
    what is left in each batch drawn from."""
    batches = _open_batches(sorted(products))
    draws = [
        draw_fifo(batches.get(line.product_id, []), line.quantity, products[line.product_id].cost)
        for line in lines
    ]
    by_id = {batch.id: batch for product in batches.values() for batch in product}
    drawn = {d.batch_id for line in draws for d in line if d.batch_id is not None}
    return draws, {batch_id: by_id[batch_id].remaining for batch_id in sorted(drawn)}


def _write_draws(
    line_ids: Sequence[int],
    draws: Sequence[Sequence[Draw]],
    left: dict[int, Decimal],
    when: datetime,
) -> None:
    """The draws of each line on sale_line_batch, and what they left in each batch."""
    rows = [
        {
            "created_at": when,
            "updated_at": when,
            "sale_line": line_id,
            "batch": draw.batch_id,
            "quantity": draw.quantity,
            "unit_cost": draw.unit_cost,
            "cost_total": draw.cost_total,
        }
        for line_id, line_draws in zip(line_ids, draws, strict=True)
        for draw in line_draws
    ]
    insert_rows(SaleLineBatch, rows)
    update_by_id(Batch, Batch.quantity_remaining, left, updated_at=when)


def _write_lines(
    sale_id: int,
    lines: Sequence[SaleLineRequest],
    products: dict[int, _Locked],
    totals: BillTotals,
    overridden: list[bool],
    draws: list[list[Draw]],
    when: datetime,
) -> list[dict[str, Any]]:
    rows = []
    for index, (line, result, is_override, line_draws) in enumerate(
        zip(lines, totals.lines, overridden, draws, strict=True), start=1
    ):
        product = products[line.product_id]
        unit_cost, cost_total = line_cost(line_draws, line.quantity)
        rows.append(
            {
                "created_at": when,
                "updated_at": when,
                "sale": sale_id,
                "line_no": index,
                "product": product.id,
                "name": product.name,
                "code": product.code,
                "barcode": product.barcode or "",
                "hsn_code": product.hsn_code,
                "unit": product.unit,
                "quantity": line.quantity,
                "unit_price": result.line.unit_price,
                "price_overridden": is_override,
                "gross": result.gross,
                "line_discount": result.line_discount_amount,
                "bill_discount": result.bill_discount_share,
                "tax_rate": result.line.tax_rate,
                "taxable_value": result.taxable_value,
                "tax_amount": result.tax_amount,
                "line_total": result.line_total,
                "unit_cost": unit_cost,
                "cost_total": cost_total,
            }
        )
    ids = dict(insert_rows(SaleLine, rows, returning=[SaleLine.line_no, SaleLine.id]))
    for row in rows:
        row["id"] = ids[row["line_no"]]
    return rows


def _write_stock(
    sale_id: int,
    actor: Actor,
    lines: Sequence[SaleLineRequest],
    products: dict[int, _Locked],
    rows: Sequence[dict[str, Any]],
    when: datetime,
) -> None:
    stock = {product_id: product.stock for product_id, product in products.items()}
    movements = []
    for line, row in zip(lines, rows, strict=True):
        stock[line.product_id] -= line.quantity
        movements.append(
            {
                "created_at": when,
                "updated_at": when,
                "product": line.product_id,
                "kind": "sale",
                "quantity": -line.quantity,
                "stock_after": stock[line.product_id],
                "unit_cost": row["unit_cost"],
                "sale": sale_id,
                "user": actor.user_id,
                "terminal": actor.terminal[:32],
            }
        )
    insert_rows(StockMovement, movements)
    update_by_id(Product, Product.stock, stock, updated_at=utc_now())


def _require_shift(actor: Actor, settings: StoreSettings) -> None:
    """Setting sale_needs_shift: refuse a sale on a till whose shift is not open (issue 7)."""
    if needs_shift(actor.terminal, settings):
        raise Conflict(
            f"No shift is open on till {actor.terminal}: open one (Alt+T) before selling "
            "(setting sale_needs_shift)."
        )


def _payment_rows(
    sale_id: int,
    actor: Actor,
    customer_id: int | None,
    shift_id: int | None,
    payments: Sequence[AppliedPayment],
    direction: str = "in",
) -> list[dict[str, Any]]:
    return [
        {
            "sale": sale_id,
            "customer": customer_id,
            "shift": shift_id,
            "user": actor.user_id,
            "terminal": actor.terminal[:32],
            "method": applied.method,
            "direction": direction,
            "amount": applied.amount,
            "tendered": applied.tendered,
            "reference": applied.reference[:64],
        }
        for applied in payments
    ]


def _insert_payments(rows: list[dict[str, Any]], when: datetime) -> int | None:
    """Writes payment rows (in their order); returns the id of the credit one, if any."""
    credit = None
    for row in rows:
        # One row at a time: their ids keep the tenders' order, which receipts show.
        [(payment_id,)] = insert_rows(
            Payment, [{"created_at": when, "updated_at": when, **row}], returning=[Payment.id]
        )
        if row["method"] == CREDIT:
            credit = payment_id
    return credit


def write_payments(
    sale: Sale | int,
    actor: Actor,
    customer: Customer | int | None,
    shift: Shift | int | None,
    payments: Sequence[AppliedPayment],
    when: datetime,
    direction: str = "in",
) -> int | None:
    """Writes the payment rows of a document (refunds are direction "out"); returns the credit
    row's id, which the credit entry points at."""

    def key(row: Any) -> int | None:
        return row if row is None or isinstance(row, int) else row.id

    rows = _payment_rows(key(sale), actor, key(customer), key(shift), payments, direction)
    return _insert_payments(rows, when)


# --- reading ---------------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    """Shows a stored amount at the currency's places when that loses nothing (else at the
    places it is stored with, so amounts just written read as they will read back)."""
    short = quantize_money(value, CURRENCY_PLACES)
    return short if short == value else quantize_money(value, MONEY_PLACES)


def _quantity(value: Decimal) -> Decimal:
    """A quantity at the places it is stored with."""
    return value.quantize(QUANTITY_STEP)


def _rate(value: Decimal) -> Decimal:
    """18.0000 -> 18, 12.5000 -> 12.5 (never 1E+1)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _completed(sale: Sale, settings: StoreSettings) -> CompletedSale:
    """A sale as its rows say, read back."""
    cashier = User.get_by_id(sale.user_id)
    approver = User.get_or_none(User.id == sale.approved_by_id) if sale.approved_by_id else None
    customer = Customer.get_or_none(Customer.id == sale.customer_id) if sale.customer_id else None
    return _document(
        sale,
        SaleLine.select().where(SaleLine.sale == sale.id).order_by(SaleLine.line_no),
        Payment.select().where(Payment.sale == sale.id).order_by(Payment.id),
        cashier=cashier.full_name or cashier.username,
        approver=approver.username if approver else "",
        customer_name=customer.name if customer else "",
        balance=_balance_after(sale, customer) if customer else None,
        settings=settings,
        loyalty_facts=loyalty.receipt_facts(sale.id),
    )


def _document(
    sale: Any,
    line_rows: Iterable[Any],
    payment_rows: Iterable[Any],
    *,
    cashier: str,
    approver: str,
    customer_name: str,
    balance: Decimal | None,
    settings: StoreSettings,
    loyalty_facts: Mapping[str, Decimal | None],
) -> CompletedSale:
    """A CompletedSale from a sale, its lines and payments (model rows, or the same fields
    just written)."""
    lines = tuple(
        SoldLine(
            line_no=row.line_no,
            product_id=row.product_id,
            name=row.name,
            code=row.code,
            barcode=row.barcode,
            hsn_code=row.hsn_code,
            unit=row.unit,
            quantity=_quantity(row.quantity),
            unit_price=_money(row.unit_price),
            price_overridden=row.price_overridden,
            gross=_money(row.gross),
            line_discount=_money(row.line_discount),
            bill_discount=_money(row.bill_discount),
            tax_rate=_rate(row.tax_rate),
            taxable_value=_money(row.taxable_value),
            tax_amount=_money(row.tax_amount),
            line_total=_money(row.line_total),
        )
        for row in line_rows
    )
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        taxable, tax = by_rate.get(line.tax_rate, (Decimal(0), Decimal(0)))
        by_rate[line.tax_rate] = (taxable + line.taxable_value, tax + line.tax_amount)
    # Signed like the total: a refund (direction "out", on a return or void) is negative.
    payments = tuple(
        AppliedPayment(
            row.method,
            _money(-row.amount if row.direction == "out" else row.amount),
            None if row.tendered is None else _money(row.tendered),
            row.reference,
        )
        for row in payment_rows
    )
    return CompletedSale(
        id=sale.id,
        cart_id=sale.uuid,
        bill_number=sale.bill_number,
        kind=sale.kind,
        sold_at=sale.created_at,
        sold_at_local=sale.created_at.astimezone(ZoneInfo(settings.timezone)),
        terminal=sale.terminal,
        cashier_id=sale.user_id,
        cashier=cashier,
        approved_by=approver,
        customer_id=sale.customer_id,
        customer_name=customer_name,
        customer_balance=balance,
        prices_include_tax=sale.prices_include_tax,
        lines=lines,
        item_count=_quantity(sale.item_count),
        subtotal=_money(sale.subtotal),
        discount_total=_money(sale.discount_total),
        tax_total=_money(sale.tax_total),
        round_off=_money(sale.round_off),
        total=_money(sale.total),
        tax_summary=tuple(
            TaxRateTotal(rate, taxable, tax) for rate, (taxable, tax) in sorted(by_rate.items())
        ),
        payments=payments,
        tendered_total=_money(sale.paid_total),
        change=_money(sale.change_given),
        credit_amount=_money(sale.credit_amount),
        note=sale.note,
        printed=sale.printed,
        **loyalty_facts,
    )


def _balance_after(sale: Sale, customer: Customer) -> Decimal:
    """What the customer owed right after this sale, by the credit ledger."""
    entry = (
        CreditEntry.select(CreditEntry.balance_after)
        .where(CreditEntry.sale == sale.id)
        .order_by(CreditEntry.id.desc())
        .first()
    )
    if entry is None:
        entry = (
            CreditEntry.select(CreditEntry.balance_after)
            .where(
                (CreditEntry.customer == customer.id) & (CreditEntry.created_at <= sale.created_at)
            )
            .order_by(CreditEntry.created_at.desc(), CreditEntry.id.desc())
            .first()
        )
    return _money(entry.balance_after) if entry is not None else Decimal("0.00")
