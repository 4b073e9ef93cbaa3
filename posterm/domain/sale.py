"""A sale as checkout takes it in and hands it back, and how tenders settle a bill.

Pure and database-free. The UI builds a `CheckoutRequest` from its cart; checkout answers with
a `CompletedSale` that holds everything a receipt needs. `allocate_tenders` is the one rule for
turning what the customer hands over into payments, change and credit: the payment screen can
call it to show change live, and checkout calls it again before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from posterm.domain.cart import Discount, TaxRateTotal
from posterm.domain.errors import ValidationError
from posterm.domain.money import MAX_MONEY, exact_context, format_money, quantize_money

CASH = "cash"
CREDIT = "credit"  # the part of a bill the customer owes: goes on their credit ledger
DEFAULT_TENDER_METHODS: tuple[str, ...] = (CASH, "upi", "card", CREDIT)

# Payment.method holds at most 24 characters.
_METHOD = re.compile(r"[a-z][a-z0-9_\-]{0,23}")


def parse_tender_methods(text: str, field: str = "extra_tender_methods") -> tuple[str, ...]:
    """Read a comma-separated list of extra payment methods ("bkash, Yape") into names.

    Names are lower-cased; the built-in methods and repeats are dropped, so listing "upi"
    again does no harm.
    """
    names: list[str] = []
    for part in text.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if not _METHOD.fullmatch(name):
            raise ValidationError(
                field, f"'{part.strip()}': use a letter, then letters, digits, '-' or '_' (max 24)"
            )
        if name not in DEFAULT_TENDER_METHODS and name not in names:
            names.append(name)
    return tuple(names)


def tender_methods(extra_text: str = "") -> tuple[str, ...]:
    """Every method a till accepts: the built-in ones, then the store's extra ones."""
    return DEFAULT_TENDER_METHODS + parse_tender_methods(extra_text)


@dataclass(frozen=True, slots=True)
class SaleLineRequest:
    """One line of the cart being paid for.

    `unit_price` None sells at the product's own price; any other value is a price override
    (needs Permission.PRICE_OVERRIDE unless it equals the product's price).
    """

    product_id: int
    quantity: Decimal
    unit_price: Decimal | None = None
    line_discount: Discount | None = None
    # A price label's code: its price is the pack's, so selling at it is not an override.
    label_code: str = ""


@dataclass(frozen=True, slots=True)
class Tender:
    """What the customer hands over in one method: cash may exceed the bill (change is given)."""

    method: str
    amount: Decimal
    reference: str = ""  # UPI transaction id, card slip number ...

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", str(self.method).strip().lower())


@dataclass(frozen=True)
class CheckoutRequest:
    """A cart ready to be paid; `cart_id` makes checkout idempotent (a retry finds its sale).

    With a customer attached, whatever the tenders leave unpaid goes on the customer's credit;
    without one, the tenders must cover the total.
    """

    cart_id: UUID
    lines: Sequence[SaleLineRequest]
    bill_discount: Discount | None = None
    customer_id: int | None = None
    tenders: Sequence[Tender] = ()
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "tenders", tuple(self.tenders))


@dataclass(frozen=True, slots=True)
class AppliedPayment:
    """A payment row of a sale: `amount` is what it pays of the bill.

    `tendered` is the cash handed over (amount + change) for cash, None for other methods.
    """

    method: str
    amount: Decimal
    tendered: Decimal | None = None
    reference: str = ""


@dataclass(frozen=True, slots=True)
class TenderAllocation:
    """How the tenders settle a bill: payments add up to the total, credit included."""

    payments: tuple[AppliedPayment, ...]
    tendered_total: Decimal  # money handed over (cash before change, UPI, card ...), not credit
    change: Decimal
    credit_amount: Decimal

    @property
    def paid_now(self) -> Decimal:
        """What the bill receives at the counter (everything but the credit part)."""
        return self.tendered_total - self.change


def _check_amount(tender: Tender, places: int) -> None:
    amount = tender.amount
    if not isinstance(amount, Decimal):
        # A float here is a programming error, not something a cashier typed.
        raise TypeError(f"tender amount must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise ValidationError("amount", f"{tender.method}: not a number")
    if amount <= 0:
        raise ValidationError("amount", f"{tender.method}: must be more than zero")
    if amount > MAX_MONEY:
        raise ValidationError(
            "amount", f"{tender.method}: must be at most {format_money(MAX_MONEY)}"
        )
    if amount != quantize_money(amount, places):
        raise ValidationError("amount", f"{tender.method}: at most {places} decimal places")


def allocate_tenders(
    total_due: Decimal,
    tenders: Sequence[Tender],
    *,
    customer_attached: bool,
    methods: Sequence[str] = DEFAULT_TENDER_METHODS,
    places: int = 2,
) -> TenderAllocation:
    """Settle `total_due` with `tenders`; raises ValidationError naming what is wrong.

    Non-cash tenders (UPI, card, credit, extra methods) are exact amounts and together may not
    exceed the total; cash pays what they leave and any excess is change. What is still unpaid
    goes on credit when a customer is attached, and is refused otherwise. The order of the
    tenders does not matter.
    """
    with exact_context():
        zero = quantize_money(Decimal(0), places)
        for tender in tenders:
            if tender.method not in methods:
                raise ValidationError(
                    "method", f"'{tender.method}' is not accepted (use {', '.join(methods)})"
                )
            _check_amount(tender, places)

        remaining = total_due
        others: list[AppliedPayment] = []
        credit = zero
        for tender in tenders:
            if tender.method == CASH:
                continue
            if tender.amount > remaining:
                raise ValidationError(
                    "amount",
                    f"{tender.method} {format_money(tender.amount)} is more than the "
                    f"{format_money(remaining)} still due",
                )
            remaining -= tender.amount
            if tender.method == CREDIT:
                credit += tender.amount
            else:
                others.append(AppliedPayment(tender.method, tender.amount, None, tender.reference))

        cash_tendered = sum((t.amount for t in tenders if t.method == CASH), zero)
        if cash_tendered > 0 and remaining <= 0:
            raise ValidationError("amount", "nothing is left to pay in cash")
        cash_applied = min(cash_tendered, remaining)
        remaining -= cash_applied
        change = cash_tendered - cash_applied
        tendered_total = cash_tendered + sum((p.amount for p in others), zero)

        if credit > 0 and not customer_attached:
            raise ValidationError("customer", "attach a customer to sell on credit")
        if remaining > 0:
            if not customer_attached:
                raise ValidationError(
                    "amount",
                    f"tendered {format_money(tendered_total)} less than due "
                    f"{format_money(total_due)}",
                )
            credit += remaining

        payments = list(others)
        if cash_applied > 0:
            payments.append(AppliedPayment(CASH, cash_applied, cash_tendered))
        if credit > 0:
            payments.append(AppliedPayment(CREDIT, credit))
        return TenderAllocation(tuple(payments), tendered_total, change, credit)


@dataclass(frozen=True, slots=True)
class SoldLine:
    """One line of a completed sale, as snapshotted when it was sold."""

    line_no: int
    product_id: int | None
    name: str
    code: str
    barcode: str
    hsn_code: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    price_overridden: bool
    gross: Decimal
    line_discount: Decimal
    bill_discount: Decimal
    tax_rate: Decimal
    taxable_value: Decimal
    tax_amount: Decimal
    line_total: Decimal

    @property
    def discount_total(self) -> Decimal:
        return self.line_discount + self.bill_discount


@dataclass(frozen=True)
class CompletedSale:
    """A committed sale with everything its receipt needs.

    total == sum(line totals) + round_off == sum(payment amounts), the credit part included;
    tendered_total - change + credit_amount == total.
    """

    id: int
    cart_id: UUID
    bill_number: str
    kind: str  # sale, return, void
    sold_at: datetime  # aware, UTC
    sold_at_local: datetime  # aware, in the store's timezone
    terminal: str
    cashier_id: int
    cashier: str  # the user's full name, or username
    approved_by: str  # the approving manager's username, "" when none
    customer_id: int | None
    customer_name: str
    customer_balance: Decimal | None  # what the customer owes after this sale; None: walk-in
    prices_include_tax: bool
    lines: tuple[SoldLine, ...]
    item_count: Decimal
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    round_off: Decimal
    total: Decimal
    tax_summary: tuple[TaxRateTotal, ...]
    payments: tuple[AppliedPayment, ...]
    tendered_total: Decimal
    change: Decimal
    credit_amount: Decimal
    note: str = ""
    printed: bool = False
    # Loyalty points: earned (negative: taken back by a return), redeemed as a tender
    # (negative: given back), and the customer's points right after; None without points.
    loyalty_earned: Decimal = Decimal(0)
    loyalty_redeemed: Decimal = Decimal(0)
    loyalty_balance: Decimal | None = None

    @property
    def paid_now(self) -> Decimal:
        return self.total - self.credit_amount
