"""The PostgreSQL server going away mid-shift, on a private server stopped and started for
real (issue 8): connection failures are told apart from refusals, and a checkout cut off
halfway leaves nothing behind and is safe to repeat with the same cart."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from peewee import IntegrityError

from posterm.data.database import is_connection_failure
from posterm.data.models import Counter, HeldSale, Payment, Product, Sale, SaleLine, StockMovement
from posterm.domain.errors import DatabaseUnreachable
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import checkout, system
from tests.private_postgres import outage_db_url, private_postgres  # noqa: F401 (fixtures)

D = Decimal


@pytest.fixture
def db_url(outage_db_url: str) -> str:  # noqa: F811 (the store fixtures build on this one)
    return outage_db_url


@pytest.fixture
def server(private_postgres):  # noqa: F811
    return private_postgres


def written() -> dict[str, object]:
    with system.connection():
        return {
            "sales": Sale.select().count(),
            "lines": SaleLine.select().count(),
            "payments": Payment.select().count(),
            "movements": StockMovement.select().count(),
            "counters": sorted((c.name, c.value) for c in Counter.select()),
            "stock": sorted((p.id, p.stock) for p in Product.select()),
        }


def test_a_stopped_server_is_a_connection_failure_and_a_refusal_is_not(server, owner, make_product):
    salt = make_product("Tata Salt 1kg", "28.00", stock="10")
    with pytest.raises(IntegrityError) as refused:
        Product.create(**{**Product.get_by_id(salt.id).__data__, "id": None})
    assert not is_connection_failure(refused.value)

    server.stop()
    # The connection this thread held was ended by the shutdown...
    with pytest.raises(Exception) as ended:
        Product.get_by_id(salt.id)
    assert is_connection_failure(ended.value)
    assert isinstance(system.as_unreachable(ended.value), DatabaseUnreachable)
    system.close()
    # ...and a new one is refused; neither is mistaken for a statement's own error.
    with pytest.raises(Exception) as refused_connect, system.connection():
        Product.get_by_id(salt.id)
    assert is_connection_failure(refused_connect.value)
    assert "Database unreachable" in str(system.as_unreachable(refused_connect.value))
    assert not system.database_answers()

    server.start()
    assert system.database_answers()
    system.forget_idle_connections()
    with system.connection():
        assert Product.get_by_id(salt.id).name == "Tata Salt 1kg"


def test_a_checkout_cut_off_by_the_server_stopping_leaves_nothing_and_a_retry_sells_once(
    server, owner, make_product, monkeypatch
):
    salt = make_product("Tata Salt 1kg", "28.00", stock="10")
    atta = make_product("Annapurna Atta 5kg", "285.00", stock="5")
    system.close()
    before = written()
    cart = CheckoutRequest(
        cart_id=uuid4(),
        lines=[SaleLineRequest(salt.id, D(2), None), SaleLineRequest(atta.id, D(1), None)],
        bill_discount=None,
        customer_id=None,
        tenders=[Tender("cash", D(500))],
    )

    # The server goes down in the middle of the sale: the sale row and its lines are
    # written inside the transaction, the stock movements not yet.
    real_write_stock = checkout._write_stock

    def server_stops_midway(*args, **kwargs):
        assert Sale.select().where(Sale.uuid == cart.cart_id).count() == 1  # in the txn
        server.stop()
        return real_write_stock(*args, **kwargs)

    monkeypatch.setattr(checkout, "_write_stock", server_stops_midway)
    with pytest.raises(Exception) as cut_off, system.connection():
        checkout.checkout(owner, cart)
    assert is_connection_failure(cut_off.value)
    monkeypatch.undo()

    server.start()
    assert written() == before  # no sale, no line, no payment, no movement, no bill number

    with system.connection():
        sale = checkout.checkout(owner, cart)
    with system.connection():
        again = checkout.checkout(owner, cart)  # the till asking once more: the same sale
    assert again.id == sale.id and again.bill_number == sale.bill_number
    after = written()
    assert (after["sales"], after["lines"], after["payments"]) == (1, 2, 1)
    assert dict(after["stock"]) == {salt.id: D(8), atta.id: D(4)}
    with system.connection():
        assert Sale.get(Sale.uuid == cart.cart_id).total == D("341.00")
        assert HeldSale.select().where(HeldSale.uuid == cart.cart_id).count() == 0
