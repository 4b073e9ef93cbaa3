"""The sales journal on both databases: days in the store's timezone, filters, pages, detail."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from posterm.data.models import Sale
from posterm.domain.errors import NotFound, ValidationError
from posterm.domain.permissions import Role
from posterm.domain.returns import ReturnLineRequest, ReturnRequest
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import checkout, returns, sales
from tests.conftest import actor_for

D = Decimal
IST = ZoneInfo("Asia/Kolkata")


def sell(actor, product, quantity="1", *, at=None, customer=None):
    return checkout.checkout(
        actor,
        CheckoutRequest(
            uuid4(),
            [SaleLineRequest(product.id, D(quantity))],
            customer_id=customer.id if customer else None,
            tenders=[] if customer else [Tender("cash", D(product.price) * D(quantity))],
        ),
        sold_at=at,
    )


def give_back(actor, sale, quantity="1"):
    line = returns.returnable(sale.bill_number).lines[0]
    return returns.make_return(
        actor,
        ReturnRequest(uuid4(), sale.bill_number, [ReturnLineRequest(line.line_id, D(quantity))]),
    )


def numbers(rows) -> list[str]:
    return [row.bill_number for row in rows]


def test_today_by_default_newest_first_with_returns(owner, make_product, make_customer):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="50", tax="GST 0%")
    ramesh = make_customer("Ramesh Gupta")
    today = datetime.now(IST)
    old = sell(owner, rice, at=today - timedelta(days=3))
    first = sell(owner, rice, "2")
    second = sell(owner, rice, customer=ramesh)
    back = give_back(owner, first)

    rows = sales.list_sales()
    assert numbers(rows) == [back.bill_number, second.bill_number, first.bill_number]
    top = rows[0]
    assert (top.kind, top.total, top.original_bill_number, top.cashier) == (
        "return",
        D("-100.00"),
        first.bill_number,
        "owner",
    )
    assert (rows[1].customer_name, rows[1].total, rows[1].original_bill_number) == (
        "Ramesh Gupta",
        D("100.00"),
        "",
    )
    assert rows[2].sold_at_local.tzinfo is not None and rows[2].printed is False
    assert old.bill_number not in numbers(rows)
    # A search by number or customer looks at every day unless days are given.
    assert numbers(sales.list_sales(bill_number=old.bill_number.lower()[2:])) == [old.bill_number]
    assert numbers(sales.list_sales(bill_number="ret-")) == [back.bill_number]
    assert numbers(sales.list_sales(customer_id=ramesh.id)) == [second.bill_number]
    assert numbers(sales.list_sales(kind="return")) == [back.bill_number]
    assert sales.list_sales(bill_number="%") == []  # no wildcard sneaks into LIKE
    yesterday = today.date() - timedelta(days=1)
    assert sales.list_sales(bill_number=old.bill_number, day_from=yesterday) == []


def test_days_are_the_stores_local_days(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="50", tax="GST 0%")
    day = datetime.now(IST).date() - timedelta(days=10)
    late = datetime(day.year, day.month, day.day, 23, 30, tzinfo=IST)  # 18:00 UTC
    early = late + timedelta(hours=1)  # 00:30 the next local day, still the same UTC day
    late_sale, early_sale = sell(owner, rice, at=late), sell(owner, rice, at=early)
    before = sell(owner, rice, at=late - timedelta(days=2))

    assert numbers(sales.list_sales(day_from=day, day_to=day)) == [late_sale.bill_number]
    next_day = day + timedelta(days=1)
    assert numbers(sales.list_sales(day_from=next_day, day_to=next_day)) == [early_sale.bill_number]
    assert numbers(sales.list_sales(day_from=day - timedelta(days=2), day_to=day)) == [
        late_sale.bill_number,
        before.bill_number,
    ]
    assert numbers(sales.list_sales(day_to=day - timedelta(days=1))) == [before.bill_number]
    assert sales.list_sales(day_from=day, day_to=day)[0].sold_at_local.hour == 23
    with pytest.raises(ValidationError, match="the last day comes before the first"):
        sales.list_sales(day_from=day, day_to=day - timedelta(days=1))


def test_pages_do_not_overlap_and_cover_everything(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="50", tax="GST 0%")
    cashier = actor_for("asha", Role.CASHIER, by=owner)
    made = [sell(cashier if n % 2 else owner, rice).bill_number for n in range(7)]

    pages = [sales.list_sales(limit=3, offset=offset) for offset in (0, 3, 6, 9)]
    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert [n for page in pages for n in numbers(page)] == list(reversed(made))
    assert {row.cashier for row in pages[0]} == {"owner", "asha"}
    with pytest.raises(ValidationError, match="limit"):
        sales.list_sales(limit=0)
    with pytest.raises(ValidationError, match="offset"):
        sales.list_sales(offset=-1)
    with pytest.raises(ValidationError, match="kind"):
        sales.list_sales(kind="refund")


def test_unprinted_sales(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="50", tax="GST 0%")
    made = [sell(owner, rice) for _ in range(3)]
    back = give_back(owner, made[0])
    Sale.update(printed=True).where(Sale.id == made[1].id).execute()

    rows = sales.unprinted_sales()
    assert numbers(rows) == [back.bill_number, made[2].bill_number, made[0].bill_number]
    assert numbers(sales.unprinted_sales(limit=1)) == [back.bill_number]


def test_sale_detail_links_sales_returns_and_voids(owner, make_product):
    rice = make_product("Basmati Rice 1kg", "100.00", stock="50", tax="GST 0%")
    sale = sell(owner, rice, "3")
    back = give_back(owner, sale)
    void = returns.void_sale(owner, sale.bill_number, "keyed twice", uuid4())

    detail = sales.sale_detail(sale.bill_number.lower())
    assert detail.sale == checkout.get_sale(sale.id)
    assert detail.original is None
    assert [(r.bill_number, r.kind, r.total) for r in detail.reversals] == [
        (back.bill_number, "return", D("-100.00")),
        (void.bill_number, "void", D("-200.00")),
    ]

    of_return = sales.sale_detail(back.bill_number)
    assert of_return.sale.kind == "return" and of_return.reversals == ()
    assert of_return.original is not None
    assert (of_return.original.bill_number, of_return.original.total) == (
        sale.bill_number,
        D("300.00"),
    )
    with pytest.raises(NotFound):
        sales.sale_detail("NOPE")
