"""Loyalty points: earned per amount spent, redeemed as a tender, given back on returns.

Settings: `loyalty_enabled`, `loyalty_points_per_100` (points earned per 100 of the currency
spent) and `loyalty_point_value` (what one point pays when redeemed). Points carry two
decimals; earning rounds down, so a return never takes back more than was given.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from posterm.domain.money import exact_context
from posterm.domain.sale import tender_methods
from posterm.domain.store_settings import StoreSettings

LOYALTY = "loyalty"  # the tender method of points redeemed
_POINTS = Decimal("0.01")


def accepted_methods(settings: StoreSettings) -> tuple[str, ...]:
    """The tender methods of the till: the built-in and extra ones, and points when enabled."""
    methods = tender_methods(settings.extra_tender_methods)
    return (*methods, LOYALTY) if settings.loyalty_enabled else methods


def points_earned(spent: Decimal, per_100: Decimal) -> Decimal:
    """Points for `spent` (the bill less what points paid), rounded down; never negative."""
    if spent <= 0 or per_100 <= 0:
        return Decimal("0.00")
    with exact_context():
        return (spent * per_100 / 100).quantize(_POINTS, ROUND_DOWN)


def points_to_pay(amount: Decimal, point_value: Decimal) -> Decimal:
    """Points needed to pay `amount`, rounded up so points never pay more than they are worth."""
    with exact_context():
        return (amount / point_value).quantize(_POINTS, ROUND_CEILING)


def share(points: Decimal, part: Decimal, whole: Decimal, left: Decimal) -> Decimal:
    """The points that go with `part` of `whole` (a return of part of a bill), at most `left`."""
    if whole <= 0 or points <= 0 or part <= 0:
        return Decimal("0.00")
    if part >= whole:
        return left
    with exact_context():
        return min((points * part / whole).quantize(_POINTS, ROUND_DOWN), left)
