"""FIFO draws: oldest batches first, the rest at the product's cost, returns exact in pieces."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posterm.domain.batches import BatchStock, Draw, draw_fifo, line_cost, outstanding, put_back

D = Decimal


def test_draws_take_the_oldest_batches_first_then_the_product_cost():
    batches = [BatchStock(1, D("5.00"), D(3)), BatchStock(2, D("6.00"), D(5))]

    first = draw_fifo(batches, D(4), D("7.00"))
    second = draw_fifo(batches, D(6), D("7.00"))

    assert first == [Draw(1, D(3), D(5), D(15)), Draw(2, D(1), D(6), D(6))]
    assert second == [Draw(2, D(4), D(6), D(24)), Draw(None, D(2), D(7), D(14))]
    assert [b.remaining for b in batches] == [0, 0]
    assert line_cost(first, D(4)) == (D("5.25"), D(21))
    assert line_cost([Draw(None, D("0.333"), D("3.00"), D("0.999"))], D("0.333")) == (
        D("3.00"),
        D("0.999"),
    )


def test_a_return_puts_back_the_last_drawn_first_and_never_more_than_is_left():
    drawn = [Draw(1, D(3), D(5), D(15)), Draw(2, D(1), D(6), D(6))]

    back = put_back(drawn, D(2))

    assert back == [Draw(2, D(1), D(6), D(6)), Draw(1, D(1), D(5), D(5))]
    negated = [Draw(d.batch_id, -d.quantity, d.unit_cost, -d.cost_total) for d in back]
    left = outstanding(drawn, negated)
    assert left == [Draw(1, D(2), D(5), D(10))]
    with pytest.raises(ValueError, match="more than the line's 2 left"):
        put_back(left, D(3))


quantities = st.decimals(min_value=D("0.001"), max_value=D(50), places=3)
costs = st.decimals(min_value=D("0.0001"), max_value=D(999), places=4)


@given(
    st.lists(st.tuples(quantities, costs), min_size=0, max_size=4),
    quantities,
    costs,
    st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=6),
)
def test_returning_a_line_in_pieces_gives_back_exactly_what_it_drew(
    stocks, sold, fallback, weights
):
    batches = [BatchStock(n, cost, quantity) for n, (quantity, cost) in enumerate(stocks, 1)]
    drawn = draw_fifo(batches, sold, fallback)
    assert sum(d.quantity for d in drawn) == sold
    # Cut the sold quantity into pieces (at 3 places), the last piece takes the rest.
    pieces, left_over = [], sold
    for weight in weights[:-1]:
        piece = min(left_over, (sold * weight / 1000).quantize(D("0.001")))
        if piece > 0:
            pieces.append(piece)
            left_over -= piece
    pieces.append(left_over)
    returned: list[Draw] = []
    for piece in pieces:
        if piece <= 0:
            continue
        back = put_back(outstanding(drawn, returned), piece)
        returned += [Draw(d.batch_id, -d.quantity, d.unit_cost, -d.cost_total) for d in back]
    assert outstanding(drawn, returned) == []
    assert -sum(d.cost_total for d in returned) == sum(d.cost_total for d in drawn)
    for batch_id in {d.batch_id for d in drawn}:
        assert -sum(d.quantity for d in returned if d.batch_id == batch_id) == sum(
            d.quantity for d in drawn if d.batch_id == batch_id
        )
