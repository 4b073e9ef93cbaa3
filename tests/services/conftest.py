"""Helpers shared by the service tests: products and customers, with their ledgers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from posterm.data.models import Customer, Product, StockMovement, TaxRate
from posterm.domain.permissions import Actor


@pytest.fixture
def make_product(owner: Actor) -> Callable[..., Product]:
    """Creates an active product with its opening stock on the stock ledger."""
    counter = iter(range(1, 10_000))

    def make(
        name: str = "Tata Salt 1kg",
        price: str = "28.00",
        stock: str = "10",
        tax: str = "GST 5%",
        *,
        cost: str | None = None,
        unit: str = "pcs",
        by_weight: bool = False,
        status: str = "active",
    ) -> Product:
        n = next(counter)
        opening = Decimal(stock)
        product = Product.create(
            code=f"T{n:04d}",
            name=name,
            search_name=f"{name.lower()} t{n:04d}",
            barcode=f"89000000{n:05d}",
            tax_rate=TaxRate.get(TaxRate.name == tax),
            hsn_code="2501",
            unit=unit,
            sold_by_weight=by_weight,
            price=Decimal(price),
            cost=Decimal(cost) if cost is not None else Decimal(price) * Decimal("0.8"),
            stock=opening,
            status=status,
        )
        if opening:
            StockMovement.create(
                product=product,
                kind="opening",
                quantity=opening,
                stock_after=opening,
                user=owner.user_id,
            )
        return product

    return make


@pytest.fixture
def make_customer(owner: Actor) -> Callable[..., Customer]:
    counter = iter(range(1, 10_000))

    def make(
        name: str = "Ramesh Gupta",
        credit_limit: str = "1000",
        status: str = "active",
        notes: str = "",
    ) -> Customer:
        n = next(counter)
        return Customer.create(
            code=f"C{n:04d}",
            name=name,
            search_name=name.lower(),
            phone=f"98765{n:05d}",
            credit_limit=Decimal(credit_limit),
            status=status,
            notes=notes,
        )

    return make
