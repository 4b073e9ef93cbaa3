"""Goods received from suppliers, and what we owe them.

`post_purchase` is one write transaction: it locks the products in id order (as checkout
does, so a purchase and a sale of one product never deadlock), then the supplier, and writes
the purchase and its lines, one batch per line (FIFO cost and expiry: `quantity_remaining`
starts at the quantity received and checkout consumes it), the stock movements (kind
"purchase", pointing at the purchase and the batch) with the stock cache, optionally each
product's cost (the latest unit cost), a supplier entry raising what we owe by the total and,
for what was paid at once, a payment entry lowering it. Anything refused raises before a row
is written. The till's draft of these goods is deleted in the same transaction.

Supplier ledger: entries carry `balance_after`, chained from the previous entry of the same
supplier; `supplier.balance` is a cache of their sum (checked by `posterm doctor`).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from peewee import JOIN, IntegrityError, fn

from posterm.data.counters import open_shift
from posterm.data.database import for_update, write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import (
    ACTIVE,
    Batch,
    CashMovement,
    Product,
    Purchase,
    PurchaseDraft,
    PurchaseLine,
    StockMovement,
    Supplier,
    SupplierEntry,
    TaxRate,
    User,
)
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.money import exact_context, format_money
from posterm.domain.permissions import Actor, Permission
from posterm.domain.purchases import (
    MAX_LINES,
    PAYMENT_METHODS,
    PurchaseDetail,
    PurchaseLineInfo,
    PurchaseProduct,
    PurchaseRequest,
    PurchaseSummary,
    ReceivingDraft,
    SupplierEntryInfo,
    SupplierPayment,
    check_line,
    check_money,
    parse_invoice_number,
)
from posterm.services import audit, catalog
from posterm.services.settings import load_settings
from posterm.services.suppliers import active_supplier, info

MAX_PAGE = 200
MAX_NOTE = 500
MAX_REFERENCE = 64


def _money(value: Decimal) -> Decimal:
    """A stored amount at 2 places when that loses nothing (12.5000 -> 12.50)."""
    short = value.quantize(Decimal("0.01"))
    return short if short == value else value


# --- products for the receiving screen -------------------------------------------------------


def _purchase_product(product: Product, tax_rate: Decimal) -> PurchaseProduct:
    return PurchaseProduct(
        id=product.id,
        code=product.code,
        name=product.name,
        unit=product.unit,
        sold_by_weight=product.sold_by_weight,
        cost=_money(product.cost),
        tax_rate=tax_rate,
        track_expiry=product.track_expiry,
        stock=product.stock,
    )


def purchase_product(product_id: int) -> PurchaseProduct:
    """An active product with its cost and expiry tracking (for a search result picked)."""
    found = catalog.get_product(product_id)
    product = Product.get_by_id(product_id)
    if product.status != ACTIVE or product.deleted_at is not None:
        raise Conflict(f"'{product.name}' is {product.status}: reactivate it to receive stock.")
    return _purchase_product(product, found.tax_rate)


def scan_for_purchase(code: str) -> tuple[PurchaseProduct, Decimal | None]:
    """The product a scanned code names (the catalog's lookup) and a label's weight, if any."""
    found = catalog.lookup_barcode(code)
    product = Product.get_by_id(found.product.id)
    return _purchase_product(product, found.product.tax_rate), found.quantity


# --- posting a purchase ----------------------------------------------------------------------


def _local_today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo(load_settings().timezone)).date()


def _check_request(request: PurchaseRequest) -> tuple[str, str, str]:
    invoice = parse_invoice_number(request.invoice_number)
    if not isinstance(request.invoice_date, date):
        raise ValidationError("invoice_date", "give the invoice date")
    if request.invoice_date > _local_today() + timedelta(days=1):
        raise ValidationError("invoice_date", f"{request.invoice_date:%d-%m-%Y} is in the future")
    if not request.lines:
        raise ValidationError("lines", "add at least one product")
    if len(request.lines) > MAX_LINES:
        raise ValidationError("lines", f"at most {MAX_LINES} lines on one purchase")
    for index, line in enumerate(request.lines, start=1):
        if not isinstance(line.product_id, int):
            raise ValidationError("product", f"line {index} names no product")
    check_money(request.paid, "paid")
    if request.paid < 0:
        raise ValidationError("paid", "must not be negative")
    method = request.method.strip().lower()
    if request.paid > 0 and method not in PAYMENT_METHODS:
        raise ValidationError("method", f"one of {', '.join(PAYMENT_METHODS)}")
    if len(request.reference.strip()) > MAX_REFERENCE:
        raise ValidationError("reference", f"at most {MAX_REFERENCE} characters")
    notes = request.notes.strip()
    if len(notes) > MAX_NOTE:
        raise ValidationError("notes", f"at most {MAX_NOTE} characters")
    return invoice, method, notes


def _lock_products(ids: list[int]) -> dict[int, Product]:
    query = for_update(Product.select().where(Product.id.in_(ids)).order_by(Product.id))
    products = {product.id: product for product in query}
    for product_id in ids:
        product = products.get(product_id)
        if product is None:
            raise NotFound(f"No product with id {product_id}.")
        if product.status != ACTIVE or product.deleted_at is not None:
            raise Conflict(f"'{product.name}' is {product.status}: it cannot be received.")
    return products


def _lock_supplier(supplier_id: int) -> Supplier:
    for_update(Supplier.select(Supplier.id).where(Supplier.id == supplier_id)).first()
    return active_supplier(supplier_id)


def ledger_balance(supplier_id: int) -> Decimal:
    """What we owe the supplier by their ledger (the truth; the cached balance agrees)."""
    last = (
        SupplierEntry.select(SupplierEntry.balance_after)
        .where(SupplierEntry.supplier == supplier_id)
        .order_by(SupplierEntry.id.desc())
        .first()
    )
    return last.balance_after if last is not None else Decimal(0)


def _tax_rates(products: dict[int, Product]) -> dict[int, Decimal]:
    ids = sorted({p.tax_rate_id for p in products.values() if p.tax_rate_id is not None})
    rates = {r.id: r.rate for r in TaxRate.select().where(TaxRate.id.in_(ids))} if ids else {}
    default = load_settings().default_tax_rate
    return {
        pid: rates[p.tax_rate_id] if p.tax_rate_id is not None else default
        for pid, p in products.items()
    }


def _entry(
    supplier: Supplier, actor: Actor, kind: str, amount: Decimal, balance: Decimal, **extra
) -> SupplierEntry:
    with exact_context():
        after = balance + amount
    return SupplierEntry.create(
        supplier=supplier.id,
        kind=kind,
        amount=amount,
        balance_after=after,
        user=actor.user_id,
        **extra,
    )


def _cash_out(actor: Actor, amount: Decimal, reason: str) -> None:
    """Cash paid from the till's drawer is a payout of its open shift (none open: nothing)."""
    shift = open_shift(actor.terminal)
    if shift is not None:
        CashMovement.create(
            shift=shift.id,
            kind="payout",
            amount=amount,
            category="supplier",
            reason=reason[:500],
            user=actor.user_id,
        )


def post_purchase(actor: Actor, request: PurchaseRequest) -> PurchaseDetail:
    """Records goods received; raises ValidationError, NotFound, Conflict or PermissionDenied
    having written nothing. The same invoice number twice from one supplier is refused."""
    actor.require(Permission.MANAGE_PRODUCTS)
    if actor.user_id is None:
        raise ValidationError("user", "log in as a user of the till to receive goods")
    invoice, method, notes = _check_request(request)
    try:
        with write_transaction():
            purchase = _write_purchase(actor, request, invoice, method, notes)
    except IntegrityError:
        # Another till recorded this invoice between our check and our insert.
        raise Conflict(_duplicate_message(request.supplier_id, invoice)) from None
    return purchase_detail(purchase.id)


def _duplicate_message(supplier_id: int, invoice: str) -> str:
    supplier = Supplier.get_or_none(Supplier.id == supplier_id)
    earlier = Purchase.get_or_none(
        (Purchase.supplier == supplier_id) & (Purchase.invoice_number == invoice)
    )
    name = supplier.name if supplier else f"supplier {supplier_id}"
    when = f" on {earlier.created_at:%d-%m-%Y}" if earlier else ""
    return (
        f"Invoice {invoice} from {name} is already recorded{when}; "
        "check the number (a second delivery has its own invoice)."
    )


def _write_purchase(
    actor: Actor, request: PurchaseRequest, invoice: str, method: str, notes: str
) -> Purchase:
    products = _lock_products(sorted({line.product_id for line in request.lines}))
    supplier = _lock_supplier(request.supplier_id)
    if (
        Purchase.select(Purchase.id)
        .where((Purchase.supplier == supplier.id) & (Purchase.invoice_number == invoice))
        .exists()
    ):
        raise Conflict(_duplicate_message(supplier.id, invoice))
    rates = _tax_rates(products)
    amounts = [
        check_line(
            index,
            line,
            _purchase_product(products[line.product_id], rates[line.product_id]),
            request.invoice_date,
        )
        for index, line in enumerate(request.lines, start=1)
    ]
    subtotal = sum((a.net for a in amounts), Decimal(0))
    tax_total = sum((a.tax_amount for a in amounts), Decimal(0))
    total = subtotal + tax_total
    if request.paid > total:
        raise ValidationError(
            "paid",
            f"{format_money(request.paid)} is more than the invoice's {format_money(total)}; "
            "pay an advance from the supplier's ledger",
        )

    now = utc_now()
    purchase = Purchase.create(
        supplier=supplier.id,
        invoice_number=invoice,
        invoice_date=request.invoice_date,
        subtotal=subtotal,
        tax_total=tax_total,
        total=total,
        paid=request.paid,
        user=actor.user_id,
        notes=notes,
    )
    stock = {pid: p.stock for pid, p in products.items()}
    latest_cost: dict[int, Decimal] = {}
    for line, amount in zip(request.lines, amounts, strict=True):
        product = products[line.product_id]
        row = PurchaseLine.create(
            purchase=purchase.id,
            product=product.id,
            quantity=line.quantity,
            unit_cost=line.unit_cost,
            tax_rate=line.tax_rate,
            tax_amount=amount.tax_amount,
            line_total=amount.total,
            batch_number=line.batch_number.strip(),
            expiry_date=line.expiry_date,
        )
        batch = Batch.create(
            product=product.id,
            purchase_line=row.id,
            batch_number=line.batch_number.strip(),
            expiry_date=line.expiry_date,
            unit_cost=line.unit_cost,
            quantity_received=line.quantity,
            quantity_remaining=line.quantity,
        )
        stock[product.id] += line.quantity
        StockMovement.create(
            product=product.id,
            kind="purchase",
            quantity=line.quantity,
            stock_after=stock[product.id],
            unit_cost=line.unit_cost,
            note=f"{supplier.name} {invoice}"[:200],
            purchase=purchase.id,
            batch=batch.id,
            user=actor.user_id,
            terminal=actor.terminal[:32],
        )
        latest_cost[product.id] = line.unit_cost
    for product_id, after in stock.items():
        values = {Product.stock: after, Product.updated_at: now}
        if request.update_cost:
            values[Product.cost] = latest_cost[product_id]
        Product.update(values).where(Product.id == product_id).execute()

    balance = ledger_balance(supplier.id)
    entry = _entry(supplier, actor, "purchase", total, balance, purchase=purchase.id, note=invoice)
    balance = entry.balance_after
    if request.paid > 0:
        entry = _entry(
            supplier,
            actor,
            "payment",
            -request.paid,
            balance,
            purchase=purchase.id,
            method=method,
            reference=(request.reference.strip() or invoice)[:MAX_REFERENCE],
            note=f"paid on receipt of {invoice}",
        )
        balance = entry.balance_after
        if method == "cash":
            _cash_out(actor, request.paid, f"{supplier.name} invoice {invoice}")
    Supplier.update(balance=balance, updated_at=now).where(Supplier.id == supplier.id).execute()
    if request.draft_id is not None:
        PurchaseDraft.delete().where(PurchaseDraft.uuid == request.draft_id).execute()
    audit.record(
        actor,
        "purchase.create",
        entity="purchase",
        entity_id=purchase.id,
        details={
            "supplier": supplier.name,
            "invoice": invoice,
            "lines": len(request.lines),
            "total": str(total),
            "paid": str(request.paid),
            "method": method if request.paid else "",
            "cost_updated": request.update_cost,
        },
    )
    return purchase


# --- paying a supplier -----------------------------------------------------------------------


def pay_supplier(
    actor: Actor,
    supplier_id: int,
    amount: Decimal,
    method: str,
    *,
    reference: str = "",
    note: str = "",
    allow_advance: bool = False,
) -> SupplierPayment:
    """Pays a supplier (lowers what we owe). More than the due is an advance: refused with
    the figures (Conflict) unless `allow_advance`, which the screen asks for first."""
    actor.require(Permission.MANAGE_PRODUCTS)
    if actor.user_id is None:
        raise ValidationError("user", "log in as a user of the till to pay a supplier")
    check_money(amount, "amount")
    if amount <= 0:
        raise ValidationError("amount", "must be more than zero")
    method = method.strip().lower()
    if method not in PAYMENT_METHODS:
        raise ValidationError("method", f"one of {', '.join(PAYMENT_METHODS)}")
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise ValidationError("reference", f"at most {MAX_REFERENCE} characters")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError("note", f"at most {MAX_NOTE} characters")
    with write_transaction():
        row = for_update(
            Supplier.select().where((Supplier.id == supplier_id) & Supplier.deleted_at.is_null())
        ).first()
        if row is None:
            raise NotFound(f"No supplier with id {supplier_id}.")
        balance = ledger_balance(row.id)
        advance = max(amount - max(balance, Decimal(0)), Decimal(0))
        if advance and not allow_advance:
            raise Conflict(
                f"We owe {row.name} {format_money(balance)}; paying {format_money(amount)} "
                f"leaves an advance of {format_money(advance)}. Confirm it as an advance."
            )
        entry = _entry(
            row, actor, "payment", -amount, balance, method=method, reference=reference, note=note
        )
        Supplier.update(balance=entry.balance_after, updated_at=utc_now()).where(
            Supplier.id == row.id
        ).execute()
        if method == "cash":
            _cash_out(actor, amount, f"{row.name} payment {reference}".strip())
        audit.record(
            actor,
            "supplier.payment",
            entity="supplier",
            entity_id=row.id,
            details={
                "amount": str(amount),
                "method": method,
                "reference": reference,
                "advance": str(advance),
                "balance_after": str(entry.balance_after),
            },
        )
        supplier = info(Supplier.get_by_id(row.id))
    return SupplierPayment(supplier, _entry_info(entry, "", actor.username, _zone()), advance)


# --- reading ---------------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(load_settings().timezone)


def _entry_info(
    entry: SupplierEntry, invoice: str, username: str, zone: ZoneInfo
) -> SupplierEntryInfo:
    return SupplierEntryInfo(
        id=entry.id,
        at=entry.created_at.astimezone(zone),
        kind=entry.kind,
        amount=_money(entry.amount),
        balance_after=_money(entry.balance_after),
        purchase_id=entry.purchase_id,
        invoice_number=invoice,
        method=entry.method,
        reference=entry.reference,
        username=username,
        note=entry.note,
    )


def supplier_ledger(
    supplier_id: int, *, limit: int = 50, offset: int = 0
) -> list[SupplierEntryInfo]:
    """A supplier's entries, newest first, a page at a time."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    query = (
        SupplierEntry.select(
            SupplierEntry, Purchase.invoice_number.alias("invoice"), User.username.alias("by")
        )
        .join(Purchase, JOIN.LEFT_OUTER, on=(SupplierEntry.purchase == Purchase.id))
        .switch(SupplierEntry)
        .join(User, on=(SupplierEntry.user == User.id))
        .where(SupplierEntry.supplier == supplier_id)
        .order_by(SupplierEntry.id.desc())
        .limit(limit)
        .offset(max(offset, 0))
        .objects()
    )
    zone = _zone()
    return [_entry_info(row, row.invoice or "", row.by, zone) for row in query]


def list_purchases(
    *,
    supplier_id: int | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[PurchaseSummary]:
    """Purchases newest invoice first, by supplier and/or invoice dates, a page at a time."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    lines = (
        PurchaseLine.select(PurchaseLine.purchase, fn.COUNT(PurchaseLine.id).alias("n"))
        .group_by(PurchaseLine.purchase)
        .alias("lines")
    )
    query = (
        Purchase.select(
            Purchase.id,
            Purchase.supplier,
            Supplier.name.alias("supplier_name"),
            Purchase.invoice_number,
            Purchase.invoice_date,
            Purchase.total,
            Purchase.paid,
            Purchase.created_at,
            User.username,
            lines.c.n.alias("line_count"),
        )
        .join(Supplier, on=(Purchase.supplier == Supplier.id))
        .switch(Purchase)
        .join(User, on=(Purchase.user == User.id))
        .join_from(Purchase, lines, on=(lines.c.purchase_id == Purchase.id))
        .order_by(Purchase.invoice_date.desc(), Purchase.id.desc())
        .limit(limit)
        .offset(max(offset, 0))
    )
    if supplier_id is not None:
        query = query.where(Purchase.supplier == supplier_id)
    if day_from is not None:
        query = query.where(Purchase.invoice_date >= day_from)
    if day_to is not None:
        query = query.where(Purchase.invoice_date <= day_to)
    zone = _zone()
    return [
        PurchaseSummary(
            id=row["id"],
            supplier_id=row["supplier"],
            supplier_name=row["supplier_name"],
            invoice_number=row["invoice_number"],
            invoice_date=row["invoice_date"],
            total=_money(row["total"]),
            paid=_money(row["paid"]),
            line_count=int(row["line_count"]),
            received_at=row["created_at"].astimezone(zone),
            username=row["username"],
        )
        for row in query.dicts()
    ]


def purchase_detail(purchase_id: int) -> PurchaseDetail:
    purchase = Purchase.get_or_none(Purchase.id == purchase_id)
    if purchase is None:
        raise NotFound(f"No purchase with id {purchase_id}.")
    rows = (
        PurchaseLine.select(PurchaseLine, Product.code, Product.name, Product.unit, Batch.id)
        .join(Product, on=(PurchaseLine.product == Product.id))
        .switch(PurchaseLine)
        .join(Batch, JOIN.LEFT_OUTER, on=(Batch.purchase_line == PurchaseLine.id))
        .where(PurchaseLine.purchase == purchase.id)
        .order_by(PurchaseLine.id)
    )
    lines = tuple(
        PurchaseLineInfo(
            line_no=index,
            product_id=row.product_id,
            code=row.product.code,
            name=row.product.name,
            unit=row.product.unit,
            quantity=row.quantity,
            unit_cost=_money(row.unit_cost),
            tax_rate=row.tax_rate.normalize() if row.tax_rate else Decimal(0),
            tax_amount=_money(row.tax_amount),
            line_total=_money(row.line_total),
            batch_number=row.batch_number,
            expiry_date=row.expiry_date,
            batch_id=row.batch.id if row.batch is not None else None,
        )
        for index, row in enumerate(rows, start=1)
    )
    payment = (
        SupplierEntry.select(SupplierEntry.method)
        .where((SupplierEntry.purchase == purchase.id) & (SupplierEntry.kind == "payment"))
        .first()
    )
    return PurchaseDetail(
        id=purchase.id,
        supplier=info(Supplier.get_by_id(purchase.supplier_id)),
        invoice_number=purchase.invoice_number,
        invoice_date=purchase.invoice_date,
        lines=lines,
        subtotal=_money(purchase.subtotal),
        tax_total=_money(purchase.tax_total),
        total=_money(purchase.total),
        paid=_money(purchase.paid),
        method=payment.method if payment else "",
        received_at=purchase.created_at.astimezone(_zone()),
        username=User.get_by_id(purchase.user_id).username,
        notes=purchase.notes,
    )


# --- the draft of each till ------------------------------------------------------------------


def save_draft(actor: Actor, draft: ReceivingDraft) -> None:
    """Stores the till's goods being received as they are now; an empty draft removes it."""
    actor.require(Permission.MANAGE_PRODUCTS)
    if actor.user_id is None or not actor.terminal:
        raise ValidationError("user", "log in on a named till to receive goods")
    try:
        _write_draft(actor, draft)
    except IntegrityError:
        # PostgreSQL: another session of this till inserted its draft first; theirs is newer.
        return


def _write_draft(actor: Actor, draft: ReceivingDraft) -> None:
    with write_transaction():
        if draft.is_empty:
            PurchaseDraft.delete().where(PurchaseDraft.terminal == actor.terminal).execute()
            return
        values = {
            PurchaseDraft.user: actor.user_id,
            PurchaseDraft.draft: draft.to_json(),
            PurchaseDraft.updated_at: utc_now(),
        }
        updated = (
            PurchaseDraft.update(values)
            .where((PurchaseDraft.terminal == actor.terminal) & (PurchaseDraft.uuid == draft.id))
            .execute()
        )
        if updated:
            return
        # A late save of a draft already posted must not bring it back.
        if _posted(draft):
            return
        PurchaseDraft.delete().where(PurchaseDraft.terminal == actor.terminal).execute()
        PurchaseDraft.insert(
            {**values, PurchaseDraft.uuid: draft.id, PurchaseDraft.terminal: actor.terminal}
        ).execute()


def _posted(draft: ReceivingDraft) -> bool:
    if draft.supplier_id is None or not draft.invoice_number:
        return False
    return (
        Purchase.select(Purchase.id)
        .where(
            (Purchase.supplier == draft.supplier_id)
            & (Purchase.invoice_number == " ".join(draft.invoice_number.split()))
        )
        .exists()
    )


def load_draft(terminal: str) -> ReceivingDraft | None:
    """The goods this till was receiving when it last stopped, or None."""
    row = PurchaseDraft.get_or_none(PurchaseDraft.terminal == terminal)
    if row is None:
        return None
    return ReceivingDraft.from_json(row.draft)
