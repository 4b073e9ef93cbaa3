"""The hot-path statements store exactly what peewee would, on both databases."""

from __future__ import annotations

from decimal import Decimal

from posterm.data.models import Category, Product
from posterm.data.statements import insert_rows, update_by_id

D = Decimal


def test_insert_rows_fills_defaults_and_returns_the_asked_columns(db_url):
    category = Category.create(name="Grocery")
    rows = [
        {"code": f"P{n}", "name": f"Product {n}", "search_name": f"p{n}", "category": category.id}
        | {"price": D("12.3456"), "stock": D("-1.5")}
        for n in range(3)
    ]

    returned = insert_rows(Product, rows, returning=[Product.code, Product.id])

    ids = dict(returned)
    assert sorted(ids) == ["P0", "P1", "P2"]
    stored = Product.get_by_id(ids["P1"])
    assert (stored.name, stored.price, stored.stock, stored.category_id) == (
        "Product 1",
        D("12.3456"),
        D("-1.500"),
        category.id,
    )
    # Left out: the model's defaults, time stamps included.
    assert (stored.status, stored.unit, stored.cost, stored.created_at.tzinfo) == (
        "active",
        "pcs",
        D(0),
        stored.updated_at.tzinfo,
    )
    assert stored.created_at is not None


def test_update_by_id_sets_each_row_its_own_value(db_url):
    ids = [
        Product.create(code=f"U{n}", name="u", search_name="u", price=D(1), stock=D(5)).id
        for n in range(3)
    ]

    update_by_id(Product, Product.stock, {ids[0]: D("2.5"), ids[2]: D(-7)}, name="changed")

    rows = [(p.stock, p.name) for p in Product.select().order_by(Product.id)]
    assert rows == [(D("2.5"), "changed"), (D(5), "u"), (D(-7), "changed")]
