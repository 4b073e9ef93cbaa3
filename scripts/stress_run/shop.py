"""The shop every scenario sells in: set up through posterm's own services.

A few "hot" products and customers on purpose: every till fights over the same rows, so
locks, stock checks and credit limits are tested under contention, not avoided by luck.
Negative stock is off, so a sale that would oversell must be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from posterm.data.models import TaxRate
from posterm.domain.customers import CustomerForm
from posterm.domain.permissions import Actor, Role, command_line_actor
from posterm.services import auth
from posterm.services.customers import create_customer
from posterm.services.products import create_product
from posterm.services.settings import set_setting
from posterm.services.store import init_store

PASSWORD = "stress-password"
_PRODUCTS = (
    ("Tata Salt 1kg", "28.00", "GST 5%"),
    ("Amul Butter 100g", "56.00", "GST 12%"),
    ("Parle-G Biscuits 250g", "30.00", "GST 18%"),
    ("Aashirvaad Atta 5kg", "265.00", "GST 5%"),
    ("Lux Soap 100g", "39.50", "GST 18%"),
)
_CUSTOMERS = ("Ramesh Gupta", "Sunita Sharma", "Abdul Khan")


@dataclass(frozen=True)
class Shop:
    owner: Actor
    cashiers: tuple[Actor, ...]  # one per till, each on a terminal of its own
    product_ids: tuple[int, ...]
    customer_ids: tuple[int, ...]


def set_up_shop(tills: int, *, opening_stock: Decimal, credit_limit: Decimal) -> Shop:
    """A new store in the open database: its owner, `tills` cashiers, the hot products with
    `opening_stock` each and the hot customers with `credit_limit` each."""
    # The stress is about sales, not password hashing: cheap hashes keep set-up quick.
    auth.BCRYPT_ROUNDS = 4
    init_store(command_line_actor("stress", "stress"), "Stress Test Store", "owner", PASSWORD)
    info = auth.authenticate("owner", PASSWORD, terminal="stress")
    owner = Actor(info.id, info.username, Role.OWNER, "stress")
    set_setting(owner, "allow_negative_stock", "false")
    rates = {rate.name: rate.id for rate in TaxRate.select()}
    products = tuple(
        create_product(
            owner,
            {
                "name": name,
                "code": f"HOT{n}",
                "price": Decimal(price),
                "cost": (Decimal(price) * Decimal("0.8")).quantize(Decimal("0.01")),
                "tax_rate_id": rates[rate],
                "opening_stock": opening_stock,
            },
        ).id
        for n, (name, price, rate) in enumerate(_PRODUCTS, start=1)
    )
    customers = tuple(
        create_customer(
            owner,
            CustomerForm(name=name, phone=f"98450{n:05d}", credit_limit=str(credit_limit)),
        ).id
        for n, name in enumerate(_CUSTOMERS, start=1)
    )
    cashiers = []
    for n in range(1, tills + 1):
        user = auth.create_user(owner, f"till{n}", Role.CASHIER, PASSWORD)
        cashiers.append(Actor(user.id, user.username, Role.CASHIER, f"till-{n}"))
    return Shop(owner, tuple(cashiers), products, customers)
