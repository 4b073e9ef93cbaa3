"""The demo shop on both databases: a realistic kirana whose books pass `posterm doctor`."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from posterm.data.models import Category, Customer, Product, Sale, Supplier, TaxRate
from posterm.domain.barcodes import is_valid_gtin
from posterm.domain.errors import Conflict
from posterm.services import auth
from posterm.services.demo import build_demo, is_demo_store
from posterm.services.settings import load_settings
from tests.conftest import doctor_problems


def test_demo_shop_is_a_believable_kirana_with_clean_books(db_url, cli_actor):
    steps: list[str] = []
    summary = build_demo(cli_actor, progress=steps.append, days=3)

    assert "Sharma General Store" in summary and is_demo_store()
    assert any(step.startswith("products ") for step in steps) and "sales day 3/3" in steps
    settings = load_settings()
    assert (settings.currency_code, settings.currency_symbol, settings.timezone) == (
        "INR",
        "₹",
        "Asia/Kolkata",
    )
    assert settings.prices_include_tax and settings.cash_rounding.value == "1.00"
    assert len(settings.store_tax_id) == 15

    products = list(Product.select())
    assert len(products) >= 300
    assert Category.select().join(Product).distinct().count() >= 10
    loose = [p for p in products if p.sold_by_weight]
    assert len(loose) >= 25 and all(p.unit == "kg" for p in loose)
    packed = [p for p in products if not p.sold_by_weight]
    assert all(is_valid_gtin(p.barcode) and p.barcode.startswith("890") for p in packed)
    assert all(p.price * 3 / 4 <= p.cost <= p.price * 9 / 10 for p in products)
    rates = {r.rate for r in TaxRate.select().join(Product).distinct()}
    assert {int(r) for r in rates} == {0, 5, 12, 18, 28}
    assert Product.select().where(Product.stock < Product.min_stock).count() >= 3

    customers = list(Customer.select())
    assert len(customers) >= 20
    assert len({c.phone for c in customers}) == len(customers)
    assert all(len(c.phone) == 10 and c.phone[0] in "6789" for c in customers)
    assert sum(c.balance > 0 for c in customers) >= 2
    assert Supplier.select().count() >= 3

    zone = ZoneInfo("Asia/Kolkata")
    sales = list(Sale.select())
    assert len(sales) >= 3 * 15
    today = datetime.now(zone).date()
    for sale in sales:
        local = sale.created_at.astimezone(zone)
        assert local.date() < today and time(8) <= local.time() < time(21)
    assert {sale.customer_id is None for sale in sales} == {True, False}  # walk-ins, regulars

    assert auth.authenticate("cashier", "demo").role.value == "cashier"
    assert auth.authenticate("owner", "1234", pin=True).role.value == "owner"
    assert doctor_problems() == []

    # Opening the demo again changes nothing.
    assert build_demo(cli_actor, days=3) == summary
    assert Sale.select().count() == len(sales)


def test_demo_refuses_a_database_holding_a_real_store(owner, cli_actor):
    with pytest.raises(Conflict, match="already holds a store"):
        build_demo(cli_actor, days=3)
    assert not is_demo_store()
    assert not Product.select().exists()
