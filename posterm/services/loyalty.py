"""Loyalty points, written inside checkout's and returns' own transactions.

Checkout calls `plan_sale`, returns and voids `plan_reversal`, before the document's number is
taken (so a refusal writes nothing); the planned figures go into the document's own INSERT
(`sale_columns`), as the database lets no till change a sale row's loyalty columns afterwards.
Then `write_sale` / `write_reversal` write the ledger entries that point at the document. The
customer row (and for a reversal the original sale) is already locked by the caller. The ledger
(loyalty_entry, with balance_after) is the truth, `customer.loyalty_points` its cache, both
checked by `posterm doctor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posterm.data.fields import sum_of, utc_now
from posterm.data.models import Customer, LoyaltyEntry, Payment, Sale
from posterm.domain.errors import ValidationError
from posterm.domain.loyalty import LOYALTY, points_earned, points_to_pay, share
from posterm.domain.money import exact_context, format_money
from posterm.domain.permissions import Actor
from posterm.domain.sale import AppliedPayment
from posterm.domain.store_settings import StoreSettings

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SalePoints:
    """What a document does to its customer's points, as its sale row stores them: a sale's
    `redeemed` pays part of it; a return or void stores both negative (points taken back,
    points given back)."""

    earned: Decimal
    redeemed: Decimal


def sale_columns(points: SalePoints | None) -> dict[str, Decimal]:
    """The loyalty columns of a document's sale row, for its INSERT."""
    if points is None:
        return {"loyalty_earned": ZERO, "loyalty_redeemed": ZERO}
    return {"loyalty_earned": points.earned, "loyalty_redeemed": points.redeemed}


def plan_sale(
    customer: Customer | None,
    payments: Sequence[AppliedPayment],
    total_due: Decimal,
    settings: StoreSettings,
) -> SalePoints | None:
    """The points a sale earns and spends, or None; refuses points the customer lacks."""
    paid_in_points = sum((p.amount for p in payments if p.method == LOYALTY), ZERO)
    if customer is None:
        if paid_in_points:
            raise ValidationError("customer", "attach the customer whose points pay")
        return None
    redeemed = (
        points_to_pay(paid_in_points, settings.loyalty_point_value) if paid_in_points else ZERO
    )
    balance = _balance(customer.id)
    if redeemed > balance:
        raise ValidationError(
            "amount",
            f"{customer.name} has {format_money(balance)} points, worth "
            f"{format_money(balance * settings.loyalty_point_value)}; "
            f"{format_money(paid_in_points)} needs {format_money(redeemed)}",
        )
    earned = (
        points_earned(total_due - paid_in_points, settings.loyalty_points_per_100)
        if settings.loyalty_enabled
        else ZERO
    )
    if not earned and not redeemed:
        return None
    return SalePoints(earned, redeemed)


def write_sale(
    actor: Actor, sale_id: int, customer: Customer | None, points: SalePoints | None, when: datetime
) -> dict[str, Decimal | None]:
    """Writes the ledger entries of a new sale, whose row already holds `points`; returns its
    receipt facts, as `receipt_facts` would."""
    if points is None or customer is None:
        return {}
    entries = []
    if points.redeemed:
        entries.append(("redeem", -points.redeemed))
    if points.earned:
        entries.append(("earn", points.earned))
    balance = _write(actor, sale_id, customer.id, entries, when)
    return {
        "loyalty_earned": _short(points.earned),
        "loyalty_redeemed": _short(points.redeemed),
        "loyalty_balance": _short(balance),
    }


def plan_reversal(
    kind: str,
    original: Sale | None,
    refunds: Sequence[AppliedPayment],
    refunded: Decimal,
) -> SalePoints | None:
    """What a return or void of `original` does to the points, before its row exists: it
    takes back the points the returned part earned, and gives back the points that paid for it
    (refunded in method "loyalty"). A void takes back all that is left. None: no change."""
    if original is None or original.customer_id is None:
        return None
    if not original.loyalty_earned and not original.loyalty_redeemed:
        return None
    earlier_earned, earlier_redeemed = (
        Sale.select(sum_of(Sale.loyalty_earned), sum_of(Sale.loyalty_redeemed))
        .where(Sale.original == original.id)
        .tuples()
        .get()
    )
    everything = kind == "void"
    earned_left = original.loyalty_earned + earlier_earned  # reversals are stored negative
    redeemed_left = original.loyalty_redeemed + earlier_redeemed
    with exact_context():
        back = sum((p.amount for p in refunds if p.method == LOYALTY), ZERO)
        paid_in_points = _paid_in_points(original)
        take = (
            earned_left
            if everything
            else share(original.loyalty_earned, refunded, original.total, earned_left)
        )
        give = (
            redeemed_left
            if everything
            else share(original.loyalty_redeemed, back, paid_in_points, redeemed_left)
        )
    if take <= 0 and give <= 0:
        return None
    return SalePoints(earned=-take, redeemed=-give)


def write_reversal(actor: Actor, document: Sale, points: SalePoints | None, when: datetime) -> None:
    """Writes the ledger entries of a return or void, whose row already holds `points`."""
    if points is None or document.customer_id is None:
        return
    entries = []
    if points.earned < 0:
        entries.append(("reverse", points.earned))
    if points.redeemed < 0:
        entries.append(("refund", -points.redeemed))
    _write(actor, document, document.customer_id, entries, when)


def _paid_in_points(sale: Sale) -> Decimal:
    paid = (
        Payment.select(sum_of(Payment.amount))
        .where((Payment.sale == sale.id) & (Payment.method == LOYALTY))
        .scalar()
    )
    return paid or ZERO


def _balance(customer_id: int) -> Decimal:
    last = (
        LoyaltyEntry.select(LoyaltyEntry.balance_after)
        .where(LoyaltyEntry.customer == customer_id)
        .order_by(LoyaltyEntry.id.desc())
        .first()
    )
    return last.balance_after if last is not None else ZERO


def _write(
    actor: Actor, sale: Sale | int, customer_id: int, entries: list[tuple[str, Decimal]], when
) -> Decimal:
    balance = _balance(customer_id)
    for kind, points in entries:
        with exact_context():
            balance += points
        LoyaltyEntry.create(
            created_at=when,
            updated_at=when,
            customer=customer_id,
            kind=kind,
            points=points,
            balance_after=balance,
            sale=sale,
            user=actor.user_id,
        )
    Customer.update(loyalty_points=balance, updated_at=utc_now()).where(
        Customer.id == customer_id
    ).execute()
    return balance


def receipt_facts(sale_id: int) -> dict[str, Decimal | None]:
    """The loyalty fields of a completed sale, for its receipt: points earned (negative: taken
    back), points redeemed (negative: given back) and the balance right after."""
    rows = list(
        LoyaltyEntry.select(LoyaltyEntry.kind, LoyaltyEntry.points, LoyaltyEntry.balance_after)
        .where(LoyaltyEntry.sale == sale_id)
        .order_by(LoyaltyEntry.id)
    )
    if not rows:
        return {}
    earned = sum((r.points for r in rows if r.kind in ("earn", "reverse")), ZERO)
    redeemed = -sum((r.points for r in rows if r.kind in ("redeem", "refund")), ZERO)
    return {
        "loyalty_earned": _short(earned),
        "loyalty_redeemed": _short(redeemed),
        "loyalty_balance": _short(rows[-1].balance_after),
    }


def _short(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01")) if value == value.quantize(Decimal("0.01")) else value
