"""Returns and voids: what a bill still has to give back, and how much money each item is worth.

Pure and database-free. The returns service builds a `ReturnableSale` from the database and
asks `plan_return` (or `plan_void`) what the document will hold; the return screen calls the
same functions to preview the refund, so what it shows is what gets written.

A returned line is worth a share of the line it came from: each part of its money (line
discount, bill discount, line total, tax; the taxable value is the total less the tax) is
scaled by the quantity and rounded to the paisa *cumulatively* — the returns of a line so
far are worth round(part x returned/sold) — and the return that takes the last unit takes
exactly what is left. However a line is returned, in one go or in many, its returns add up
to the line exactly, never to a paisa more. Net is the total (tax-inclusive prices) or the
taxable value, and gross is net plus the discounts, so every returned line keeps the sale's
identities (gross - discounts = net; taxable + tax = line total).

Amounts here are positive ("what goes back"); the service stores them negated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from uuid import UUID

from posterm.domain.cart import CartLine, compute_bill
from posterm.domain.errors import Conflict, ValidationError
from posterm.domain.money import (
    QUANTITY_PLACES,
    CashRounding,
    exact_context,
    format_money,
    format_quantity,
    quantize_money,
    quantize_quantity,
    round_cash,
)
from posterm.domain.sale import CASH, CREDIT, AppliedPayment, CompletedSale

REFUND_ORIGINAL = "original"  # refund over the methods the bill was paid with
REFUND_CASH = CASH
REFUND_CREDIT = CREDIT  # back onto the customer's credit ledger (lowers what they owe)
MAX_RETURN_LINES = 500
MAX_REASON = 500
WHOLE_UNITS = ("pcs", "dozen")


# --- money of one line -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineMoney:
    """The money of a line (or of its returns so far); gross = discounts + net."""

    gross: Decimal
    line_discount: Decimal
    bill_discount: Decimal
    taxable_value: Decimal
    tax_amount: Decimal
    line_total: Decimal

    @classmethod
    def zero(cls) -> LineMoney:
        z = Decimal("0.00")
        return cls(z, z, z, z, z, z)

    def __add__(self, other: LineMoney) -> LineMoney:
        with exact_context():
            return LineMoney(
                self.gross + other.gross,
                self.line_discount + other.line_discount,
                self.bill_discount + other.bill_discount,
                self.taxable_value + other.taxable_value,
                self.tax_amount + other.tax_amount,
                self.line_total + other.line_total,
            )

    def __sub__(self, other: LineMoney) -> LineMoney:
        return self + other.negated()

    def negated(self) -> LineMoney:
        return LineMoney(
            -self.gross,
            -self.line_discount,
            -self.bill_discount,
            -self.taxable_value,
            -self.tax_amount,
            -self.line_total,
        )

    @property
    def discount_total(self) -> Decimal:
        return self.line_discount + self.bill_discount


def proportional_part(
    total: Decimal,
    already: Decimal,
    quantity_sold: Decimal,
    quantity_before: Decimal,
    quantity: Decimal,
    places: int = 2,
) -> Decimal:
    """The share of `total` that `quantity` more units take, when `quantity_before` units
    (worth `already`) went back earlier: round(total x after/sold) - already, and exactly the
    rest once every unit is back. Never below zero nor above what is left (for total >= 0).
    """
    with exact_context():
        after = quantity_before + quantity
        rest = total - already
        if after >= quantity_sold:
            return rest
        target = quantize_money(total * after / quantity_sold, places)
        return max(min(target - already, rest), Decimal(0))


def line_share(
    sold: LineMoney,
    quantity_sold: Decimal,
    returned: LineMoney,
    quantity_returned: Decimal,
    quantity: Decimal,
    *,
    prices_include_tax: bool,
    places: int = 2,
) -> LineMoney:
    """What returning `quantity` more of a line is worth (positive amounts).

    `sold` is the line as sold (quantity_sold units), `returned` what its earlier returns
    took back (quantity_returned units). The four parts are scaled cumulatively; gross, net
    and the line total are their sums, so the identities of a sold line hold here too.
    """

    def part(total: Decimal, already: Decimal) -> Decimal:
        return proportional_part(total, already, quantity_sold, quantity_returned, quantity, places)

    with exact_context():
        line_discount = part(sold.line_discount, returned.line_discount)
        bill_discount = part(sold.bill_discount, returned.bill_discount)
        # The money back is the share of what was paid for the line; the tax is its share of
        # the line's tax and the taxable value the rest. (Rounding the taxable value and the
        # tax each on their own gave 1 of 4 soaps at 45.00 incl. 18% back as 45.01.)
        total = part(sold.line_total, returned.line_total)
        # Rounded on its own, a paisa of tax could outrun a share of the total that rounded
        # down; capped, the return that takes the last unit still takes the rest of the tax.
        tax = min(part(sold.tax_amount, returned.tax_amount), total)
        taxable = total - tax
        net = total if prices_include_tax else taxable
        return LineMoney(
            gross=line_discount + bill_discount + net,
            line_discount=line_discount,
            bill_discount=bill_discount,
            taxable_value=taxable,
            tax_amount=tax,
            line_total=total,
        )


# --- what a bill can still give back -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnableLine:
    """One line of a sale as a return sees it: what was sold and what already came back."""

    line_id: int
    line_no: int
    product_id: int | None
    name: str
    code: str
    unit: str
    quantity_sold: Decimal
    quantity_returned: Decimal  # by earlier returns (and a void)
    unit_price: Decimal  # effective net price of one unit after discounts (line_total / qty)
    tax_rate: Decimal
    sold: LineMoney
    returned: LineMoney

    @property
    def quantity_left(self) -> Decimal:
        return self.quantity_sold - self.quantity_returned

    @property
    def refund_left(self) -> Decimal:
        """What returning every unit still here would give back (before round-off)."""
        return self.sold.line_total - self.returned.line_total


@dataclass(frozen=True, slots=True)
class TenderBalance:
    """One payment method of a sale: what it paid and what has gone back through it."""

    method: str
    paid: Decimal
    refunded: Decimal

    @property
    def left(self) -> Decimal:
        return self.paid - self.refunded


@dataclass(frozen=True)
class ReturnableSale:
    """A sale looked up for a return or a void (never a return or void document itself)."""

    sale_id: int
    bill_number: str
    sold_at_local: datetime
    customer_id: int | None
    customer_name: str
    lines: tuple[ReturnableLine, ...]
    payments: tuple[TenderBalance, ...]  # per method, in the order they were paid
    voided: bool
    void_bill_number: str  # "" unless voided
    prices_include_tax: bool
    total: Decimal
    refunded_total: Decimal  # given back so far by returns and a void (positive)
    returns: tuple[str, ...] = ()  # bill numbers of its returns so far, oldest first

    @property
    def fully_returned(self) -> bool:
        return all(line.quantity_left <= 0 for line in self.lines)

    @property
    def refundable(self) -> Decimal:
        """What the bill can still give back, at most."""
        return self.total - self.refunded_total

    def line(self, line_id: int) -> ReturnableLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise ValidationError("line", f"line id {line_id} is not on bill {self.bill_number}")


# --- requests ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReturnLineRequest:
    """Return `quantity` of a line of the original bill; restock=False: damaged, off the shelf.

    The same line may appear twice (e.g. 2 back on the shelf, 1 damaged).
    """

    line_id: int
    quantity: Decimal
    restock: bool = True


@dataclass(frozen=True, slots=True)
class NoReceiptLine:
    """A line of a return without a receipt: names the product and the price to refund.

    `unit_price` None refunds the product's current price.
    """

    product_id: int
    quantity: Decimal
    unit_price: Decimal | None = None
    restock: bool = True


@dataclass(frozen=True)
class ReturnRequest:
    """A return as the till asks for it; `return_id` makes it idempotent (a retry finds it).

    With `bill_number` the lines are ReturnLineRequests of that bill; with None (no receipt)
    they are NoReceiptLines and the refund is cash. `refund_method` is "cash", "original"
    (back over the bill's own payment methods), "credit" (onto the bill's customer's credit
    ledger) or any other tender method the store accepts ("upi", "card" ...).
    """

    return_id: UUID
    bill_number: str | None
    lines: Sequence[ReturnLineRequest | NoReceiptLine]
    refund_method: str = REFUND_CASH
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "refund_method", str(self.refund_method).strip().lower())
        number = self.bill_number.strip() if self.bill_number is not None else None
        object.__setattr__(self, "bill_number", number or None)
        object.__setattr__(self, "reason", self.reason.strip())

    @property
    def without_receipt(self) -> bool:
        return self.bill_number is None


# --- plans ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedLine:
    """One line of a return or void document, before it is written (positive amounts)."""

    line_id: int | None  # the original line; None without a receipt
    product_id: int | None
    name: str
    quantity: Decimal
    restock: bool
    unit_price: Decimal  # the price per unit as sold (or refunded, without a receipt)
    tax_rate: Decimal
    money: LineMoney


@dataclass(frozen=True)
class ReturnPlan:
    """Everything a return or void document will hold; `total` is the refund (positive)."""

    lines: tuple[PlannedLine, ...]
    round_off: Decimal
    total: Decimal

    @property
    def item_count(self) -> Decimal:
        return quantize_quantity(sum((line.quantity for line in self.lines), Decimal(0)))

    @property
    def subtotal(self) -> Decimal:
        return sum((line.money.gross for line in self.lines), Decimal("0.00"))

    @property
    def discount_total(self) -> Decimal:
        return sum((line.money.discount_total for line in self.lines), Decimal("0.00"))

    @property
    def tax_total(self) -> Decimal:
        return sum((line.money.tax_amount for line in self.lines), Decimal("0.00"))

    @property
    def lines_total(self) -> Decimal:
        return sum((line.money.line_total for line in self.lines), Decimal("0.00"))


def check_quantity(quantity: Decimal, unit: str, name: str) -> None:
    """Refuses a quantity that is not a positive amount (whole for items counted in pieces)."""
    where = f"('{name}')"
    if not isinstance(quantity, Decimal):
        raise TypeError(f"quantity must be a Decimal, not {type(quantity).__name__}")
    if not quantity.is_finite():
        raise ValidationError("quantity", f"not a number {where}")
    if quantity <= 0:
        raise ValidationError("quantity", f"must be more than zero {where}")
    if quantity != quantize_quantity(quantity):
        raise ValidationError("quantity", f"at most {QUANTITY_PLACES} decimal places {where}")
    if unit in WHOLE_UNITS and quantity != quantity.to_integral_value():
        raise ValidationError(
            "quantity", f"'{name}' is counted in whole {unit}, not {format_quantity(quantity)}"
        )


def check_reason(reason: str, *, required: bool, what: str = "the return") -> str:
    text = reason.strip()
    if required and not text:
        raise ValidationError("reason", f"say why {what} is made")
    if len(text) > MAX_REASON:
        raise ValidationError("reason", f"at most {MAX_REASON} characters")
    return text


def plan_return(
    sale: ReturnableSale,
    requests: Sequence[ReturnLineRequest],
    rounding: CashRounding = CashRounding.NONE,
    places: int = 2,
) -> ReturnPlan:
    """The return document for `requests` against `sale`, or an error saying what is wrong.

    Refuses a voided sale, an empty request, a line not on the bill, and (Conflict, with the
    numbers) more than was sold less what already came back. The refund is the lines' worth;
    with cash rounding on, the refunds so far are rounded as a whole (so several returns
    never give back more than one would), and the return that completes the bill gives back
    exactly what is left of its total, its round-off included.
    """
    if sale.voided:
        raise Conflict(f"Bill {sale.bill_number} was voided ({sale.void_bill_number}).")
    if not requests:
        raise ValidationError("lines", "choose at least one item to return")
    if len(requests) > MAX_RETURN_LINES:
        raise ValidationError("lines", f"at most {MAX_RETURN_LINES} lines on one return")
    asked: dict[int, Decimal] = {}
    for request in requests:
        if not isinstance(request, ReturnLineRequest):
            raise ValidationError("lines", "a return with a receipt names lines of the bill")
        line = sale.line(request.line_id)
        check_quantity(request.quantity, line.unit, line.name)
        asked[line.line_id] = asked.get(line.line_id, Decimal(0)) + request.quantity
    for line_id, quantity in asked.items():
        line = sale.line(line_id)
        if quantity > line.quantity_left:
            raise Conflict(
                f"'{line.name}' (line {line.line_no} of {sale.bill_number}): sold "
                f"{format_quantity(line.quantity_sold)} {line.unit}, already returned "
                f"{format_quantity(line.quantity_returned)}, so at most "
                f"{format_quantity(line.quantity_left)} can come back, not "
                f"{format_quantity(quantity)}."
            )

    done_quantity = {line.line_id: line.quantity_returned for line in sale.lines}
    done_money = {line.line_id: line.returned for line in sale.lines}
    planned: list[PlannedLine] = []
    with exact_context():
        for request in requests:
            line = sale.line(request.line_id)
            money = line_share(
                line.sold,
                line.quantity_sold,
                done_money[line.line_id],
                done_quantity[line.line_id],
                request.quantity,
                prices_include_tax=sale.prices_include_tax,
                places=places,
            )
            done_quantity[line.line_id] += request.quantity
            done_money[line.line_id] = done_money[line.line_id] + money
            planned.append(
                PlannedLine(
                    line.line_id,
                    line.product_id,
                    line.name,
                    request.quantity,
                    request.restock,
                    _unit_price(line),
                    line.tax_rate,
                    money,
                )
            )
        lines_total = sum((p.money.line_total for p in planned), Decimal("0.00"))
        left = sale.total - sale.refunded_total
        if all(done_quantity[line.line_id] >= line.quantity_sold for line in sale.lines):
            total = left
        else:
            lines_so_far = sum((m.line_total for m in done_money.values()), Decimal("0.00"))
            target = min(round_cash(lines_so_far, rounding), sale.total)
            total = max(min(target - sale.refunded_total, left), Decimal("0.00"))
        return ReturnPlan(tuple(planned), total - lines_total, total)


def _unit_price(line: ReturnableLine) -> Decimal:
    """The price per unit the line was sold at (gross / quantity), for the document's line."""
    with exact_context():
        return quantize_money(line.sold.gross / line.quantity_sold, 2)


def plan_void(sale: ReturnableSale) -> ReturnPlan:
    """The void of what is left of `sale`: every unit not yet returned, restocked, and
    exactly the rest of the bill's total."""
    if sale.voided:
        raise Conflict(f"Bill {sale.bill_number} is already voided ({sale.void_bill_number}).")
    if sale.fully_returned:
        raise Conflict(
            f"Bill {sale.bill_number} has nothing left to void: every item was returned "
            f"({', '.join(sale.returns)})."
        )
    with exact_context():
        planned = tuple(
            PlannedLine(
                line.line_id,
                line.product_id,
                line.name,
                line.quantity_left,
                True,
                _unit_price(line),
                line.tax_rate,
                line.sold - line.returned,
            )
            for line in sale.lines
            if line.quantity_left > 0
        )
        total = sale.total - sale.refunded_total
        lines_total = sum((p.money.line_total for p in planned), Decimal("0.00"))
        return ReturnPlan(planned, total - lines_total, total)


def plan_without_receipt(
    lines: Sequence[CartLine],
    restock: Sequence[bool],
    *,
    prices_include_tax: bool,
    rounding: CashRounding = CashRounding.NONE,
    places: int = 2,
) -> ReturnPlan:
    """A return without a receipt: each line refunded at its price, tax as the store sets it,
    the total cash-rounded like a sale."""
    if not lines:
        raise ValidationError("lines", "choose at least one item to return")
    if len(lines) > MAX_RETURN_LINES:
        raise ValidationError("lines", f"at most {MAX_RETURN_LINES} lines on one return")
    bill = compute_bill(lines, None, prices_include_tax, rounding, places)
    planned = tuple(
        PlannedLine(
            None,
            result.line.product_id,
            result.line.name,
            result.line.quantity,
            keep,
            result.line.unit_price,
            result.line.tax_rate,
            LineMoney(
                result.gross,
                result.line_discount_amount,
                result.bill_discount_share,
                result.taxable_value,
                result.tax_amount,
                result.line_total,
            ),
        )
        for result, keep in zip(bill.lines, restock, strict=True)
    )
    return ReturnPlan(planned, bill.round_off, bill.total_due)


# --- refunds ----------------------------------------------------------------------------------


def split_refund(
    amount: Decimal, balances: Sequence[TenderBalance], places: int = 2
) -> tuple[AppliedPayment, ...]:
    """Splits a refund over the methods a bill was paid with, in proportion to what each has
    left, never more than that: the shares add up to `amount` exactly (largest remainder).

    Raises Conflict when `amount` is more than the methods have left together.
    """
    with exact_context():
        step = Decimal(1).scaleb(-places)
        usable = [(b.method, max(b.left, Decimal(0))) for b in balances]
        available = sum((left for _, left in usable), Decimal(0))
        if amount <= 0:
            return ()
        if amount > available:
            raise Conflict(
                f"Only {format_money(available)} was paid and not yet refunded; "
                f"cannot refund {format_money(amount)} to the original payments."
            )
        exact = [amount * left / available for _, left in usable]
        shares = [value.quantize(step, rounding=ROUND_DOWN) for value in exact]
        leftover = int((amount - sum(shares, Decimal(0))) / step)
        order = sorted(range(len(usable)), key=lambda i: (-(exact[i] - shares[i]), i))
        for i in order[:leftover]:
            shares[i] += step
        merged: dict[str, Decimal] = {}
        for (method, _), share in zip(usable, shares, strict=True):
            if share > 0:
                merged[method] = merged.get(method, Decimal(0)) + share
        return tuple(AppliedPayment(method, share) for method, share in merged.items())


# --- lists ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SaleSummary:
    """One row of the sales list: a sale, a return or a void (returns and voids negative)."""

    id: int
    bill_number: str
    kind: str  # sale, return, void
    sold_at_local: datetime
    cashier: str
    customer_name: str
    total: Decimal
    printed: bool
    original_bill_number: str  # the sale a return or void reverses; "" for a sale


@dataclass(frozen=True)
class SaleDetail:
    """A document with its relations: a sale's returns and void, or a return's original."""

    sale: CompletedSale
    original: SaleSummary | None  # for a return or void: the sale it reverses
    reversals: tuple[SaleSummary, ...]  # for a sale: its returns and void, oldest first
