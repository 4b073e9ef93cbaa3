"""Returns and voids: new documents that point at the sale they reverse (DESIGN.md, principle 3).

A return (kind "return") takes back some items of a sale, or items without a receipt; a void
(kind "void") reverses all that is left of a sale. Each is a Sale row of its own, with its own
gap-free number series (settings `return_number_format`, `void_number_format`), lines that
point at the lines they reverse, and NEGATIVE quantities, amounts and taxes; its refunds are
payments with direction "out" and positive amounts, so the signed sum of its payments equals
its (negative) total, as `posterm doctor` checks.

Everything happens in one write transaction, in checkout's lock order: the original sale row,
then the products in id order, then the customer, then the number counter. Anything refused
raises before the number is taken and nothing is written. The request's UUID (stored in
Sale.uuid) makes a retry return the document already written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from peewee import IntegrityError

from posterm.data.counters import open_shift, take_document_number
from posterm.data.database import for_update, write_transaction
from posterm.data.fields import sum_of, utc_now
from posterm.data.models import (
    ACTIVE,
    Batch,
    CreditEntry,
    Customer,
    Payment,
    Product,
    Sale,
    SaleLine,
    SaleLineBatch,
    StockMovement,
)
from posterm.data.statements import insert_rows
from posterm.domain.batches import Draw, line_cost, outstanding, put_back
from posterm.domain.cart import CartLine
from posterm.domain.errors import Conflict, NotFound, ValidationError
from posterm.domain.money import (
    MAX_MONEY,
    MONEY_PLACES,
    exact_context,
    format_money,
    quantize_money,
)
from posterm.domain.permissions import Actor, Grant, Permission, grant
from posterm.domain.returns import (
    REFUND_CASH,
    REFUND_CREDIT,
    REFUND_ORIGINAL,
    LineMoney,
    NoReceiptLine,
    PlannedLine,
    ReturnableLine,
    ReturnableSale,
    ReturnPlan,
    ReturnRequest,
    TenderBalance,
    check_quantity,
    check_reason,
    plan_return,
    plan_void,
    plan_without_receipt,
    proportional_part,
    split_refund,
)
from posterm.domain.sale import AppliedPayment, CompletedSale, tender_methods
from posterm.domain.store_settings import StoreSettings
from posterm.services import audit, loyalty
from posterm.services.checkout import CURRENCY_PLACES, get_sale, write_payments
from posterm.services.credit import ledger_balance
from posterm.services.settings import load_settings

RETURN = "return"
VOID = "void"


# --- looking a sale up -------------------------------------------------------------------------


def returnable(bill_number_text: str) -> ReturnableSale:
    """The sale numbered `bill_number_text` with what it can still give back.

    NotFound for an unknown number; Conflict for a return or void document (look up the
    sale it reverses instead). A voided sale comes back with `voided` set.
    """
    with exact_context():
        return _returnable(_sale_by_number(bill_number_text), load_settings())


def _sale_by_number(text: str) -> Sale:
    wanted = text.strip()
    if not wanted:
        raise ValidationError("bill_number", "type or scan the bill number")
    sale = Sale.get_or_none(Sale.bill_number == wanted.upper())
    if sale is None:
        sale = Sale.get_or_none(Sale.bill_number == wanted)
    if sale is None:
        raise NotFound(f"No bill numbered '{wanted}'.")
    if sale.kind != "sale":
        original = Sale.get_or_none(Sale.id == sale.original_id) if sale.original_id else None
        of = f" of bill {original.bill_number}" if original is not None else ""
        raise Conflict(
            f"{sale.bill_number} is itself a {sale.kind}{of}; "
            "only a sale can be returned or voided."
        )
    return sale


def _money_of(row) -> LineMoney:
    return LineMoney(
        row.gross,
        row.line_discount,
        row.bill_discount,
        row.taxable_value,
        row.tax_amount,
        row.line_total,
    )


def _returnable(sale: Sale, settings: StoreSettings) -> ReturnableSale:
    rows = list(SaleLine.select().where(SaleLine.sale == sale.id).order_by(SaleLine.line_no))
    back = (
        SaleLine.select(
            SaleLine.original_line,
            sum_of(SaleLine.quantity),
            sum_of(SaleLine.gross),
            sum_of(SaleLine.line_discount),
            sum_of(SaleLine.bill_discount),
            sum_of(SaleLine.taxable_value),
            sum_of(SaleLine.tax_amount),
            sum_of(SaleLine.line_total),
        )
        .join(Sale, on=(SaleLine.sale == Sale.id))
        .where(Sale.original == sale.id)
        .group_by(SaleLine.original_line)
        .tuples()
    )
    # Reversals are stored negative; a return sees them as what came back (positive).
    returned = {
        line_id: (-quantity, LineMoney(-g, -ld, -bd, -tv, -ta, -lt))
        for line_id, quantity, g, ld, bd, tv, ta, lt in back
    }
    lines = []
    for row in rows:
        quantity_back, money_back = returned.get(row.id, (Decimal(0), LineMoney.zero()))
        lines.append(
            ReturnableLine(
                line_id=row.id,
                line_no=row.line_no,
                product_id=row.product_id,
                name=row.name,
                code=row.code,
                unit=row.unit,
                quantity_sold=row.quantity,
                quantity_returned=quantity_back,
                unit_price=quantize_money(row.line_total / row.quantity, CURRENCY_PLACES),
                tax_rate=row.tax_rate,
                sold=_money_of(row),
                returned=money_back,
            )
        )
    reversals = list(
        Sale.select(Sale.id, Sale.kind, Sale.bill_number, Sale.total)
        .where(Sale.original == sale.id)
        .order_by(Sale.id)
    )
    void = next((r for r in reversals if r.kind == VOID), None)
    customer = Customer.get_or_none(Customer.id == sale.customer_id) if sale.customer_id else None
    return ReturnableSale(
        sale_id=sale.id,
        bill_number=sale.bill_number,
        sold_at_local=sale.created_at.astimezone(ZoneInfo(settings.timezone)),
        customer_id=sale.customer_id,
        customer_name=customer.name if customer else "",
        lines=tuple(lines),
        payments=_tender_balances(sale, [r.id for r in reversals]),
        voided=void is not None,
        void_bill_number=void.bill_number if void is not None else "",
        prices_include_tax=sale.prices_include_tax,
        total=sale.total,
        refunded_total=-sum((r.total for r in reversals), Decimal(0)),
        returns=tuple(r.bill_number for r in reversals if r.kind == RETURN),
    )


def _tender_balances(sale: Sale, reversal_ids: list[int]) -> tuple[TenderBalance, ...]:
    """Per method: what the sale took in, and what its returns and void gave back."""
    paid: dict[str, Decimal] = {}
    for row in Payment.select().where(Payment.sale == sale.id).order_by(Payment.id):
        signed = -row.amount if row.direction == "out" else row.amount
        paid[row.method] = paid.get(row.method, Decimal(0)) + signed
    refunded: dict[str, Decimal] = {}
    if reversal_ids:
        for row in Payment.select().where(Payment.sale.in_(reversal_ids)):
            signed = row.amount if row.direction == "out" else -row.amount
            refunded[row.method] = refunded.get(row.method, Decimal(0)) + signed
    methods = list(paid) + [m for m in refunded if m not in paid]
    return tuple(
        TenderBalance(m, paid.get(m, Decimal(0)), refunded.get(m, Decimal(0))) for m in methods
    )


# --- returns -----------------------------------------------------------------------------------


def make_return(actor: Actor, request: ReturnRequest) -> CompletedSale:
    """Writes the return `request` asks for and returns it (kind "return", negative amounts).

    With a receipt: the items come back from the bill (never more than it sold less earlier
    returns); restocked items go back on the stock ledger, damaged ones (restock=False) do
    not. The refund goes out in cash, over the bill's own payments ("original"), onto its
    customer's credit ledger ("credit"), or in any other accepted method. Without a receipt
    (bill_number None) the lines name products, the refund is cash, and a cashier needs a
    manager's approval. A retry with the same return_id returns the same return.
    Raises ValidationError, NotFound, Conflict or PermissionDenied, having written nothing.
    """
    return _idempotent(request.return_id, RETURN, lambda: _write_return(actor, request))


def void_sale(actor: Actor, bill_number_text: str, reason: str, void_id: UUID) -> CompletedSale:
    """Voids what is left of a sale: every item not yet returned goes back on the shelf and
    every payment is reversed (credit back to the ledger). Managers and the owner only; a
    reason is required. A retry with the same void_id returns the same void.
    """
    return _idempotent(void_id, VOID, lambda: _write_void(actor, bill_number_text, reason, void_id))


def _idempotent(document_id: UUID, kind: str, write) -> CompletedSale:
    if not isinstance(document_id, UUID):
        raise TypeError(f"the {kind}'s id must be a UUID, not {type(document_id).__name__}")
    try:
        with write_transaction():
            sale = _existing(document_id, kind)
            if sale is None:
                sale = write()
            return get_sale(sale.id)
    except IntegrityError:
        # The same request was completed by a concurrent retry between our check and insert.
        sale = _existing(document_id, kind)
        if sale is None:
            raise
        return get_sale(sale.id)


def _existing(document_id: UUID, kind: str) -> Sale | None:
    sale = Sale.get_or_none(Sale.uuid == document_id)
    if sale is not None and sale.kind != kind:
        raise Conflict(f"That id already belongs to {sale.kind} {sale.bill_number}.")
    return sale


def _require_user(actor: Actor) -> None:
    if actor.user_id is None:
        raise ValidationError("user", "log in as a user of the till to do this")


def _write_return(actor: Actor, request: ReturnRequest) -> Sale:
    _require_user(actor)
    settings = load_settings()
    if request.without_receipt:
        return _write_return_without_receipt(actor, request, settings)

    actor.require(Permission.SELL)
    reason = check_reason(request.reason, required=False)
    original = _lock_sale(_sale_by_number(request.bill_number or ""))
    # Locking may have waited for another till finishing this very return.
    existing = _existing(request.return_id, RETURN)
    if existing is not None:
        return existing
    with exact_context():
        sale = _returnable(original, settings)
        plan = plan_return(sale, request.lines, settings.cash_rounding, CURRENCY_PLACES)
        refunds = _refunds(request.refund_method, plan.total, sale, settings)
    original_lines = {row.id: row for row in SaleLine.select().where(SaleLine.sale == original.id)}
    return _write_document(
        actor,
        kind=RETURN,
        document_id=request.return_id,
        original=original,
        plan=plan,
        refunds=refunds,
        prices_include_tax=original.prices_include_tax,
        number_format=settings.return_number_format,
        settings=settings,
        reason=reason,
        approver=None,
        snapshots=_snapshots_from_sale(plan, original_lines, sale),
        details={"original": original.bill_number, "refund_method": request.refund_method},
    )


def _write_return_without_receipt(
    actor: Actor, request: ReturnRequest, settings: StoreSettings
) -> Sale:
    actor.require(Permission.RETURN_WITHOUT_RECEIPT)
    approver = (
        actor.approved_by_id
        if actor.approved_by_id is not None
        and grant(actor.role, Permission.RETURN_WITHOUT_RECEIPT) is Grant.OVERRIDE
        else None
    )
    reason = check_reason(request.reason, required=True, what="a return without a receipt")
    if request.refund_method != REFUND_CASH:
        raise ValidationError("refund_method", "a return without a receipt is refunded in cash")
    for line in request.lines:
        if not isinstance(line, NoReceiptLine):
            raise ValidationError("lines", "a return without a receipt names products")
    products = _lock_products({line.product_id for line in request.lines if line.restock})
    others = sorted({line.product_id for line in request.lines} - set(products))
    products.update({p.id: p for p in Product.select().where(Product.id.in_(others))})
    existing = _existing(request.return_id, RETURN)
    if existing is not None:
        return existing
    cart_lines = []
    for line in request.lines:
        product = products.get(line.product_id)
        if product is None:
            raise NotFound(f"No product with id {line.product_id}.")
        if product.status != ACTIVE or product.deleted_at is not None:
            raise Conflict(f"'{product.name}' is {product.status}: take it back with its bill.")
        check_quantity(line.quantity, product.unit, product.name)
        cart_lines.append(
            CartLine(
                product.id,
                product.name,
                _refund_price(line, product),
                line.quantity,
                _tax_rate(product, settings),
                None,
            )
        )
    plan = plan_without_receipt(
        cart_lines,
        [line.restock for line in request.lines],
        prices_include_tax=settings.prices_include_tax,
        rounding=settings.cash_rounding,
        places=CURRENCY_PLACES,
    )
    refunds = (AppliedPayment(REFUND_CASH, plan.total),) if plan.total > 0 else ()
    return _write_document(
        actor,
        kind=RETURN,
        document_id=request.return_id,
        original=None,
        plan=plan,
        refunds=refunds,
        prices_include_tax=settings.prices_include_tax,
        number_format=settings.return_number_format,
        settings=settings,
        reason=reason,
        approver=approver,
        snapshots=[_snapshot_of_product(products[p.product_id]) for p in plan.lines],
        details={"original": None, "refund_method": REFUND_CASH, "without_receipt": True},
        products=products,
    )


def _refund_price(line: NoReceiptLine, product: Product) -> Decimal:
    if line.unit_price is None:
        return product.price
    price = line.unit_price
    if not isinstance(price, Decimal):
        raise TypeError(f"unit_price must be a Decimal, not {type(price).__name__}")
    if not price.is_finite() or price < 0:
        raise ValidationError("unit_price", f"not a valid price ({product.name})")
    if price > MAX_MONEY:
        raise ValidationError("unit_price", f"must be at most {format_money(MAX_MONEY)}")
    if price != quantize_money(price, CURRENCY_PLACES):
        raise ValidationError(
            "unit_price", f"at most {CURRENCY_PLACES} decimal places ({product.name})"
        )
    return price


def _tax_rate(product: Product, settings: StoreSettings) -> Decimal:
    if product.tax_rate_id is None:
        return settings.default_tax_rate
    return product.tax_rate.rate


def _refunds(
    method: str, amount: Decimal, sale: ReturnableSale, settings: StoreSettings
) -> tuple[AppliedPayment, ...]:
    """How the refund goes out: one method, or split back over the bill's own payments."""
    accepted = tender_methods(settings.extra_tender_methods)
    if method != REFUND_ORIGINAL and method not in accepted:
        raise ValidationError(
            "refund_method",
            f"'{method}' is not a refund method (use {REFUND_ORIGINAL}, {', '.join(accepted)})",
        )
    if method == REFUND_CREDIT and sale.customer_id is None:
        raise ValidationError(
            "refund_method",
            f"bill {sale.bill_number} has no customer; refund in cash or to the original payment",
        )
    if amount <= 0:
        return ()
    if method == REFUND_ORIGINAL:
        return split_refund(amount, sale.payments, CURRENCY_PLACES)
    return (AppliedPayment(method, amount),)


# --- voids -------------------------------------------------------------------------------------


def _write_void(actor: Actor, bill_number_text: str, reason: str, void_id: UUID) -> Sale:
    _require_user(actor)
    actor.require(Permission.VOID_SALE)
    text = check_reason(reason, required=True, what="the void")
    settings = load_settings()
    original = _lock_sale(_sale_by_number(bill_number_text))
    existing = _existing(void_id, VOID)
    if existing is not None:
        return existing
    with exact_context():
        sale = _returnable(original, settings)
        plan = plan_void(sale)
        refunds = split_refund(plan.total, sale.payments, CURRENCY_PLACES)
    original_lines = {row.id: row for row in SaleLine.select().where(SaleLine.sale == original.id)}
    return _write_document(
        actor,
        kind=VOID,
        document_id=void_id,
        original=original,
        plan=plan,
        refunds=refunds,
        prices_include_tax=original.prices_include_tax,
        number_format=settings.void_number_format,
        settings=settings,
        reason=text,
        approver=None,
        snapshots=_snapshots_from_sale(plan, original_lines, sale),
        details={"original": original.bill_number},
    )


# --- writing -----------------------------------------------------------------------------------


def _lock_sale(sale: Sale) -> Sale:
    """Locks the sale being reversed, so two returns of one bill never both take its last unit."""
    return for_update(Sale.select().where(Sale.id == sale.id)).get()


def _lock_products(ids: set[int]) -> dict[int, Product]:
    if not ids:
        return {}
    query = for_update(Product.select().where(Product.id.in_(sorted(ids))).order_by(Product.id))
    return {product.id: product for product in query}


def _lock_customer(customer_id: int) -> Customer:
    customer = for_update(Customer.select().where(Customer.id == customer_id)).first()
    if customer is None:
        raise NotFound(f"No customer with id {customer_id}.")
    return customer


def _snapshot_of_product(product: Product) -> dict:
    return {
        "name": product.name,
        "code": product.code,
        "barcode": product.barcode or "",
        "hsn_code": product.hsn_code,
        "unit": product.unit,
        "unit_cost": product.cost,
        "cost_total": None,
        "original_line": None,
    }


def _snapshots_from_sale(
    plan: ReturnPlan, rows: dict[int, SaleLine], sale: ReturnableSale
) -> list[dict]:
    """Each planned line's snapshot from the line it reverses, with its cost: what the sale's
    batch draws cost for the units put back (the last drawn first), or, for a line sold
    before batches were drawn, its cost scaled like its money."""
    cost_back: dict[int, Decimal] = {
        line_id: -cost
        for line_id, cost in SaleLine.select(SaleLine.original_line, sum_of(SaleLine.cost_total))
        .join(Sale, on=(SaleLine.sale == Sale.id))
        .where(Sale.original == sale.sale_id)
        .group_by(SaleLine.original_line)
        .tuples()
    }
    quantity_back = {line.line_id: line.quantity_returned for line in sale.lines}
    draws_left = _draws_left(sorted(rows))
    snapshots = []
    for planned in plan.lines:
        assert planned.line_id is not None
        row = rows[planned.line_id]
        already = cost_back.get(row.id, Decimal(0))
        draws: list[Draw] = []
        unit_cost = row.unit_cost
        if row.id in draws_left:
            draws = put_back(draws_left[row.id], planned.quantity)
            draws_left[row.id] = outstanding(draws_left[row.id], [_negated(d) for d in draws])
            unit_cost, cost = line_cost(draws, planned.quantity)
        else:
            cost = proportional_part(
                row.cost_total,
                already,
                row.quantity,
                quantity_back[row.id],
                planned.quantity,
                MONEY_PLACES,
            )
        cost_back[row.id] = already + cost
        quantity_back[row.id] += planned.quantity
        snapshots.append(
            {
                "name": row.name,
                "code": row.code,
                "barcode": row.barcode,
                "hsn_code": row.hsn_code,
                "unit": row.unit,
                "unit_cost": unit_cost,
                "cost_total": cost,
                "original_line": row.id,
                "unit_price": row.unit_price,
                "price_overridden": row.price_overridden,
                "draws": draws,
            }
        )
    return snapshots


def _negated(draw: Draw) -> Draw:
    return Draw(draw.batch_id, -draw.quantity, draw.unit_cost, -draw.cost_total)


def _draws_left(line_ids: list[int]) -> dict[int, list[Draw]]:
    """What each of the sale's lines drew from batches and has not been put back yet (lines
    sold before batches were drawn are left out)."""
    drawn: dict[int, list[Draw]] = {}
    back: dict[int, list[Draw]] = {}
    reversing = SaleLine.alias()
    query = (
        SaleLineBatch.select(
            SaleLineBatch.sale_line,
            reversing.original_line,
            SaleLineBatch.batch,
            SaleLineBatch.quantity,
            SaleLineBatch.unit_cost,
            SaleLineBatch.cost_total,
        )
        .join(reversing, on=(SaleLineBatch.sale_line == reversing.id))
        .where(reversing.id.in_(line_ids) | reversing.original_line.in_(line_ids))
        .order_by(SaleLineBatch.id)
        .tuples()
    )
    for line_id, original_id, batch_id, quantity, unit_cost, cost_total in query:
        draw = Draw(batch_id, quantity, unit_cost, cost_total)
        if original_id is None:
            drawn.setdefault(line_id, []).append(draw)
        else:
            back.setdefault(original_id, []).append(draw)
    return {line_id: outstanding(d, back.get(line_id, [])) for line_id, d in drawn.items()}


def _write_document(
    actor: Actor,
    *,
    kind: str,
    document_id: UUID,
    original: Sale | None,
    plan: ReturnPlan,
    refunds: Sequence[AppliedPayment],
    prices_include_tax: bool,
    number_format: str,
    settings: StoreSettings,
    reason: str,
    approver: int | None,
    snapshots: list[dict],
    details: dict,
    products: dict[int, Product] | None = None,
) -> Sale:
    """Writes a return or void: the document, its lines, stock, refunds and credit entry."""
    with exact_context():
        refunded = sum((p.amount for p in refunds), Decimal(0))
        credit = sum((p.amount for p in refunds if p.method == REFUND_CREDIT), Decimal(0))
    if refunded != plan.total:  # the plan and the split are the domain's; this never fails
        raise AssertionError(f"refunds {refunded} do not cover the total {plan.total}")

    restock_ids = {
        line.product_id for line in plan.lines if line.restock and line.product_id is not None
    }
    if products is None:
        products = _lock_products(restock_ids)
    customer_id = original.customer_id if original is not None else None
    # Locked before the number is taken (checkout's lock order): credit and points change.
    customer = _lock_customer(customer_id) if customer_id is not None else None
    if credit > 0 and customer is None:
        raise ValidationError("refund_method", "a credit refund needs the bill's customer")

    # Points taken and given back, planned before the row, whose INSERT carries them.
    points = loyalty.plan_reversal(kind, original, refunds, plan.total)

    when = utc_now()
    local_day = when.astimezone(ZoneInfo(settings.timezone)).date()
    series, sequence, number = take_document_number(number_format, local_day)
    shift = open_shift(actor.terminal)
    sale = Sale.create(
        created_at=when,
        updated_at=when,
        uuid=document_id,
        kind=kind,
        original=original,
        bill_number=number,
        series=series,
        sequence=sequence,
        terminal=actor.terminal[:32],
        user=actor.user_id,
        approved_by=approver,
        customer=customer_id,
        shift=shift,
        prices_include_tax=prices_include_tax,
        item_count=-plan.item_count,
        subtotal=-plan.subtotal,
        discount_total=-plan.discount_total,
        tax_total=-plan.tax_total,
        round_off=-plan.round_off,
        total=-plan.total,
        paid_total=-(refunded - credit),
        change_given=0,
        credit_amount=-credit,
        reason=reason,
        **loyalty.sale_columns(points),
    )
    _write_lines(sale, plan.lines, snapshots, when)
    _write_stock(sale, actor, kind, plan.lines, snapshots, products, when)
    credit_row = write_payments(sale, actor, customer_id, shift, refunds, when, "out")
    loyalty.write_reversal(actor, sale, points, when)
    if customer is not None and credit > 0:
        with exact_context():
            balance = ledger_balance(customer.id) - credit
        CreditEntry.create(
            created_at=when,
            updated_at=when,
            customer=customer,
            kind=kind,
            amount=-credit,
            balance_after=balance,
            sale=sale,
            payment=credit_row,
            user=actor.user_id,
            approved_by=approver,
            note=number,
        )
        Customer.update(balance=balance, updated_at=utc_now()).where(
            Customer.id == customer.id
        ).execute()

    # The audit names the approving manager only when the approval was needed.
    auditor = (
        actor
        if approver is not None
        else Actor(actor.user_id, actor.username, actor.role, actor.terminal)
    )
    audit.record(
        auditor,
        f"sale.{kind}",
        entity="sale",
        entity_id=number,
        reason=reason,
        details={
            **details,
            "total": str(-plan.total),
            "refunds": {p.method: str(p.amount) for p in refunds},
            "lines": len(plan.lines),
            "approved_by": actor.approved_by_username if approver is not None else None,
        },
    )
    return sale


def _write_lines(
    sale: Sale, lines: Sequence[PlannedLine], snapshots: list[dict], when: datetime
) -> None:
    rows = []
    for index, (line, snap) in enumerate(zip(lines, snapshots, strict=True), start=1):
        money = line.money
        with exact_context():
            cost_total = snap["cost_total"]
            if cost_total is None:
                cost_total = quantize_money(snap["unit_cost"] * line.quantity, MONEY_PLACES)
        rows.append(
            {
                "created_at": when,
                "updated_at": when,
                "sale": sale.id,
                "line_no": index,
                "product": line.product_id,
                "original_line": snap["original_line"],
                "name": snap["name"],
                "code": snap["code"],
                "barcode": snap["barcode"],
                "hsn_code": snap["hsn_code"],
                "unit": snap["unit"],
                "quantity": -line.quantity,
                "unit_price": snap.get("unit_price", line.unit_price),
                "price_overridden": snap.get("price_overridden", False),
                "gross": -money.gross,
                "line_discount": -money.line_discount,
                "bill_discount": -money.bill_discount,
                "tax_rate": line.tax_rate,
                "taxable_value": -money.taxable_value,
                "tax_amount": -money.tax_amount,
                "line_total": -money.line_total,
                "unit_cost": snap["unit_cost"],
                "cost_total": -cost_total,
                "restocked": line.restock and line.product_id is not None,
            }
        )
    ids = dict(insert_rows(SaleLine, rows, returning=[SaleLine.line_no, SaleLine.id]))
    _put_back_draws([ids[row["line_no"]] for row in rows], lines, snapshots, when)


def _put_back_draws(
    line_ids: Sequence[int], lines: Sequence[PlannedLine], snapshots: list[dict], when: datetime
) -> None:
    """Records what each line puts back into the sale's batch draws (negative, like the line);
    restocked units go back into those very batches."""
    rows = []
    restocked: dict[int, Decimal] = {}
    for line_id, line, snap in zip(line_ids, lines, snapshots, strict=True):
        for draw in snap.get("draws", ()):
            rows.append(
                {
                    "created_at": when,
                    "updated_at": when,
                    "sale_line": line_id,
                    "batch": draw.batch_id,
                    "quantity": -draw.quantity,
                    "unit_cost": draw.unit_cost,
                    "cost_total": -draw.cost_total,
                }
            )
            if line.restock and draw.batch_id is not None:
                restocked[draw.batch_id] = restocked.get(draw.batch_id, Decimal(0)) + draw.quantity
    insert_rows(SaleLineBatch, rows)
    for batch_id, quantity in sorted(restocked.items()):
        Batch.update(
            quantity_remaining=Batch.quantity_remaining
            + Batch.quantity_remaining.db_value(quantity),
            updated_at=when,
        ).where(Batch.id == batch_id).execute()


def _write_stock(
    sale: Sale,
    actor: Actor,
    kind: str,
    lines: Sequence[PlannedLine],
    snapshots: list[dict],
    products: dict[int, Product],
    when: datetime,
) -> None:
    stock = {product_id: product.stock for product_id, product in products.items()}
    rows = []
    for line, snap in zip(lines, snapshots, strict=True):
        if not line.restock or line.product_id is None or line.product_id not in stock:
            continue
        stock[line.product_id] += line.quantity
        rows.append(
            {
                "created_at": when,
                "updated_at": when,
                "product": line.product_id,
                "kind": kind,
                "quantity": line.quantity,
                "stock_after": stock[line.product_id],
                "unit_cost": snap["unit_cost"],
                "sale": sale.id,
                "user": actor.user_id,
                "terminal": actor.terminal[:32],
            }
        )
    if not rows:
        return
    StockMovement.insert_many(rows).execute()
    now = utc_now()
    for product_id in {row["product"] for row in rows}:
        Product.update(stock=stock[product_id], updated_at=now).where(
            Product.id == product_id
        ).execute()
