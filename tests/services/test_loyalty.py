"""Loyalty points on both databases: earned per amount spent, redeemed as a tender, taken back
and given back by returns and voids, with the ledger chained and the cache matching."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from posterm.data.models import Customer, LoyaltyEntry, Payment, Sale
from posterm.domain.errors import ValidationError
from posterm.domain.receipt import build_receipt, render_text
from posterm.domain.returns import ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import checkout, returns
from posterm.services.settings import load_settings, set_setting
from tests.conftest import doctor_problems

D = Decimal


@pytest.fixture
def shop(owner, make_product, make_customer):
    set_setting(owner, "loyalty_enabled", "on")
    set_setting(owner, "loyalty_points_per_100", "2")  # 2 points per 100 spent
    set_setting(owner, "loyalty_point_value", "0.50")  # a point pays 50 paise
    return {
        "oil": make_product("Sunflower Oil 1L", "180.00", stock="50", tax="GST 0%"),
        "sunita": make_customer("Sunita Rao"),
    }


def sell(owner, customer, product, quantity, *tenders):
    return checkout.checkout(
        owner,
        CheckoutRequest(
            uuid4(),
            [SaleLineRequest(product.id, D(quantity))],
            customer_id=customer.id if customer else None,
            tenders=[Tender(m, D(a)) for m, a in tenders],
        ),
    )


def points(customer) -> Decimal:
    entries = list(
        LoyaltyEntry.select().where(LoyaltyEntry.customer == customer.id).order_by(LoyaltyEntry.id)
    )
    running = D(0)
    for entry in entries:
        running += entry.points
        assert entry.balance_after == running
    assert Customer.get_by_id(customer.id).loyalty_points == running
    assert doctor_problems() == []
    return running


def stored(document) -> tuple[Decimal, Decimal]:
    """The loyalty figures the document's sale row was inserted with."""
    row = Sale.get_by_id(document.id)
    return row.loyalty_earned, row.loyalty_redeemed


def test_earn_redeem_and_show_on_the_receipt(shop, owner):
    oil, sunita = shop["oil"], shop["sunita"]
    sale = sell(owner, sunita, oil, "5", ("cash", "900"))  # 900 spent: 18 points
    assert (sale.loyalty_earned, sale.loyalty_balance) == (D(18), D(18))
    assert stored(sale) == (D(18), D(0))
    assert points(sunita) == D(18)
    text = render_text(build_receipt(sale, load_settings(), 42))
    assert "Points earned" in text and "Points balance" in text

    # 5.00 paid in points needs 10 points; the other 175 earns 3.50.
    paid = sell(owner, sunita, oil, "1", ("loyalty", "5"), ("cash", "175"))
    assert (paid.loyalty_redeemed, paid.loyalty_earned, paid.loyalty_balance) == (
        D(10),
        D("3.50"),
        D("11.50"),
    )
    assert stored(paid) == (D("3.50"), D(10))
    assert Payment.get(Payment.sale == paid.id, Payment.method == "loyalty").amount == D(5)
    assert "Points used" in render_text(build_receipt(paid, load_settings(), 32))
    assert points(sunita) == D("11.50")


def test_refused_redemptions_write_nothing(shop, owner):
    oil, sunita = shop["oil"], shop["sunita"]
    before = (Sale.select().count(), LoyaltyEntry.select().count())
    with pytest.raises(ValidationError, match=r"has 0\.00 points"):
        sell(owner, sunita, oil, "1", ("loyalty", "5"), ("cash", "175"))
    with pytest.raises(ValidationError, match="attach the customer whose points pay"):
        sell(owner, None, oil, "1", ("loyalty", "5"), ("cash", "175"))
    set_setting(owner, "loyalty_enabled", "off")
    with pytest.raises(ValidationError, match="'loyalty' is not accepted"):
        sell(owner, sunita, oil, "1", ("loyalty", "5"), ("cash", "175"))
    assert (Sale.select().count(), LoyaltyEntry.select().count()) == before
    assert sell(owner, sunita, oil, "1", ("cash", "180")).loyalty_balance is None


def test_returns_take_back_earned_points_and_give_back_redeemed_ones(shop, owner):
    oil, sunita = shop["oil"], shop["sunita"]
    sell(owner, sunita, oil, "5", ("cash", "900"))  # 18 points
    sale = sell(owner, sunita, oil, "2", ("loyalty", "5"), ("cash", "355"))  # -10, +7.10
    assert points(sunita) == D("15.10")
    line = returns.returnable(sale.bill_number).lines[0]
    back = returns.make_return(
        owner,
        ReturnRequest(
            uuid4(), sale.bill_number, [ReturnLineRequest(line.line_id, D(1))], "original"
        ),
    )
    # Half the bill comes back: half the 7.10 earned goes, half the 10 used returns.
    assert (back.loyalty_earned, back.loyalty_redeemed) == (D("-3.55"), D(-5))
    assert stored(back) == (D("-3.55"), D(-5))
    assert points(sunita) == D("16.55")
    void = returns.void_sale(owner, sale.bill_number, "customer changed mind", uuid4())
    assert (void.loyalty_earned, void.loyalty_redeemed) == (D("-3.55"), D(-5))
    assert stored(void) == (D("-3.55"), D(-5))  # what the return left, not the whole bill's
    assert points(sunita) == D(18)
    assert "Points taken back" in render_text(build_receipt(void, load_settings(), 42))

    first = Sale.select().where(Sale.kind == "sale").order_by(Sale.id).first()
    returns.void_sale(owner, first.bill_number, "entered twice", uuid4())
    assert points(sunita) == D(0)
