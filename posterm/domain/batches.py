"""FIFO cost of goods: which batches a sale draws from, and which a return puts back into.

A sale takes each line's quantity from its product's batches oldest first; any part no batch
covers (negative stock, or goods never received as a batch) costs the product's cost. A return
puts its quantity back into the draws of the line it reverses, the last drawn first, so the
cost it takes back is the cost the sale took for those very units.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from posterm.domain.money import MONEY_PLACES, exact_context, quantize_money


@dataclass
class BatchStock:
    """A batch with quantity left, as a checkout reads it (oldest first per product)."""

    id: int
    unit_cost: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class Draw:
    """Quantity taken from one batch (None: no batch covered it) at that batch's cost."""

    batch_id: int | None
    quantity: Decimal
    unit_cost: Decimal
    cost_total: Decimal


def _draw(batch_id: int | None, quantity: Decimal, unit_cost: Decimal) -> Draw:
    with exact_context():
        cost = quantize_money(quantity * unit_cost, MONEY_PLACES)
    return Draw(batch_id, quantity, unit_cost, cost)


def draw_fifo(batches: list[BatchStock], quantity: Decimal, fallback_cost: Decimal) -> list[Draw]:
    """Takes `quantity` from `batches` (oldest first; their `remaining` goes down), the rest
    at `fallback_cost`."""
    draws: list[Draw] = []
    left = quantity
    for batch in batches:
        if left <= 0:
            break
        take = min(batch.remaining, left)
        if take <= 0:
            continue
        with exact_context():
            batch.remaining -= take
            left -= take
        draws.append(_draw(batch.id, take, batch.unit_cost))
    if left > 0:
        draws.append(_draw(None, left, fallback_cost))
    return draws


def line_cost(draws: Sequence[Draw], quantity: Decimal) -> tuple[Decimal, Decimal]:
    """(unit cost, cost total) of a line made of `draws`: the unit cost is their average."""
    with exact_context():
        total = sum((d.cost_total for d in draws), Decimal(0))
        if len({d.unit_cost for d in draws}) == 1:
            return draws[0].unit_cost, total
        return quantize_money(total / quantity, MONEY_PLACES), total


def outstanding(drawn: Iterable[Draw], put_back: Iterable[Draw]) -> list[Draw]:
    """What of a line's draws has not been put back yet, in drawing order.

    `drawn` are the line's own draws (positive); `put_back` those of earlier returns of it
    (negative quantities and costs, as stored).
    """
    back: dict[tuple[int | None, Decimal], list[Decimal]] = {}
    for d in put_back:
        amounts = back.setdefault((d.batch_id, d.unit_cost), [Decimal(0), Decimal(0)])
        amounts[0] -= d.quantity
        amounts[1] -= d.cost_total
    left: list[Draw] = []
    for d in drawn:
        amounts = back.get((d.batch_id, d.unit_cost), [Decimal(0), Decimal(0)])
        with exact_context():
            taken = min(amounts[0], d.quantity)
            cost = min(amounts[1], d.cost_total) if taken else Decimal(0)
            amounts[0] -= taken
            amounts[1] -= cost
            if taken < d.quantity:
                left.append(Draw(d.batch_id, d.quantity - taken, d.unit_cost, d.cost_total - cost))
    return left


def put_back(left: Sequence[Draw], quantity: Decimal) -> list[Draw]:
    """The draws a return of `quantity` puts back (positive), the last drawn first.

    A draw returned in full gives back exactly its remaining cost, so returning a line in
    pieces gives back to the paisa what the sale took.
    """
    draws: list[Draw] = []
    want = quantity
    for d in reversed(left):
        if want <= 0:
            break
        take = min(d.quantity, want)
        with exact_context():
            want -= take
            if take == d.quantity:
                draws.append(d)
            else:
                cost = quantize_money(take * d.unit_cost, MONEY_PLACES)
                draws.append(Draw(d.batch_id, take, d.unit_cost, min(cost, d.cost_total)))
    if want > 0:
        raise ValueError(f"a return of {quantity} is more than the line's {quantity - want} left")
    return draws
