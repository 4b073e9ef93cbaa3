"""`posterm demo`: a month in the life of a kirana, built through the real services.

"Sharma General Store" gets its users, settings, 350 products with GST rates and HSN codes,
opening stock, customers (some on credit), suppliers and `days` of past bills rung up by
checkout itself, so every ledger and document is exactly what a real till would have written
and `posterm doctor` passes. It is deterministic (fixed seed; only the dates follow today) and
built in one transaction: an interrupted build leaves an empty database, never half a shop.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from posterm import paths
from posterm.data.database import write_transaction
from posterm.data.models import (
    Category,
    Customer,
    Product,
    Sale,
    Setting,
    StockMovement,
    Supplier,
    TaxRate,
    User,
)
from posterm.domain.barcodes import make_ean13
from posterm.domain.cart import CartLine, Discount, compute_bill
from posterm.domain.errors import Conflict
from posterm.domain.permissions import Actor, Role
from posterm.domain.sale import CheckoutRequest, SaleLineRequest, Tender
from posterm.services import auth, checkout, credit, store
from posterm.services.settings import load_settings, set_setting

DEMO_PASSWORD = "demo"
DEMO_PIN = "1234"
STORE_NAME = "Sharma General Store"
SEED = 20240815

_SETTINGS = (
    ("store_address", "Shop 12, Gandhi Bazaar Road\nMalviya Nagar, Jaipur 302017"),
    ("store_phone", "+91 141 270 4512"),
    ("currency_code", "INR"),
    ("currency_symbol", "₹"),
    ("prices_include_tax", "true"),
    ("cash_rounding", "1.00"),
    ("timezone", "Asia/Kolkata"),
    ("default_credit_limit", "3000.00"),
    ("receipt_header", "Fresh stock daily · Free home delivery above ₹500"),
    ("receipt_footer", "Thank you! Visit again.\nGoods once sold can be exchanged within 7 days."),
)


# Staples and milk sell far more often than walnuts and shampoo.
_POPULARITY = {
    "Staples": 6,
    "Dal & Pulses": 4,
    "Spices & Masala": 2,
    "Oil & Ghee": 3,
    "Snacks & Namkeen": 4,
    "Biscuits & Bakery": 5,
    "Beverages": 3,
    "Dairy": 8,
    "Personal Care": 2,
    "Household & Cleaning": 2,
    "Dry Fruits": 1,
    "Loose Grains & Dal": 5,
    "Fruits & Vegetables": 7,
}

_CUSTOMERS = (
    "Ramesh Gupta",
    "Sunita Sharma",
    "Anil Kumar",
    "Priya Iyer",
    "Mohammed Irfan",
    "Lakshmi Narayanan",
    "Geeta Devi",
    "Rajesh Yadav",
    "Pooja Verma",
    "Suresh Patel",
    "Kavita Joshi",
    "Arjun Reddy",
    "Fatima Sheikh",
    "Harpreet Singh",
    "Deepak Mishra",
    "Anjali Nair",
    "Vikram Chauhan",
    "Meena Agarwal",
    "Sanjay Tiwari",
    "Rekha Pillai",
    "Imran Qureshi",
    "Neha Kapoor",
    "Gopal Das",
    "Shalini Menon",
)
_STREETS = (
    "Gandhi Bazaar Road",
    "Malviya Nagar",
    "Tilak Marg",
    "Shastri Nagar",
    "Raja Park",
    "Bapu Nagar",
    "Adarsh Nagar",
    "Station Road",
)
_SUPPLIERS = (
    ("Jaipur Grain Traders", "Mahesh Agarwal", "Grain Mandi, Chandpole, Jaipur"),
    ("Rajasthan FMCG Distributors", "Naveen Jain", "Sitapura Industrial Area, Jaipur"),
    ("Marudhar Dairy Supplies", "Bhagwan Singh", "Jhotwara Road, Jaipur"),
    ("Shree Balaji Oil Depot", "Kailash Goyal", "Johari Bazaar, Jaipur"),
    ("Pink City Vegetable Mandi", "Salim Khan", "Muhana Mandi, Jaipur"),
)
_LINE_COUNT_WEIGHTS = (10, 14, 14, 13, 11, 9, 8, 6, 5, 4, 3, 3)  # 1..12 lines a bill
_MEAN_BILLS_A_DAY = 27.5  # randint(15, 40)
_SHOP_OPENS, _SHOP_MINUTES = time(8, 0), 13 * 60  # 08:00 to 21:00


def is_demo_store() -> bool:
    """True when this database holds the demo shop (the login screen shows its credentials)."""
    return (
        Setting.select()
        .where((Setting.key == store.DEMO_FLAG) & (Setting.value == "true"))
        .exists()
    )


def build_demo(
    actor: Actor, progress: Callable[[str], None] | None = None, *, days: int = 30
) -> str:
    """Builds the demo shop in an empty database and returns a one-paragraph summary.

    On a database that already holds the demo shop it only returns the summary; on one that
    holds a real store it refuses (Conflict) and changes nothing.
    """
    report = progress or (lambda _text: None)
    if is_demo_store():
        return _summary()
    if store.is_initialised():
        raise Conflict(
            "This database already holds a store; the demo shop needs an empty database "
            "(`posterm demo` uses its own file)."
        )
    with write_transaction():
        _Builder(actor, report, days).build()
    return _summary()


def _summary() -> str:
    products = Product.select().count()
    categories = Category.select().join(Product).distinct().count()
    customers = Customer.select().count()
    owing = Customer.select().where(Customer.balance > 0).count()
    bills = Sale.select().count()
    return (
        f"Demo shop '{load_settings().store_name}': {products} products in {categories} "
        f"categories, {customers} customers ({owing} owing on credit), {bills} bills. "
        f"Log in as owner or cashier with password '{DEMO_PASSWORD}' or PIN {DEMO_PIN}."
    )


@dataclass
class _Item:
    """A demo product as the simulation sees it."""

    id: int
    price: Decimal
    tax_rate: Decimal
    by_weight: bool
    stock: Decimal
    weight: float


def _table(name: str) -> Iterator[tuple[str, list[str]]]:
    """(category, fields) for each row of a `[category]`-sectioned, '|'-separated table.

    The tables live in db/demo/ (shipped in the wheel), so the catalogue can be read and
    edited without touching code.
    """
    category = ""
    text = (paths.shipped_dir("db") / "demo" / name).read_text(encoding="utf-8")
    for line in text.strip().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            category = line.strip("[]")
        else:
            yield category, [field.strip() for field in line.split("|")]


def _gstin(state: str, pan: str, entity: str = "1") -> str:
    """A GSTIN with a correct check character (GSTN's mod-36 scheme)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    body = f"{state}{pan}{entity}Z"
    total = 0
    for index, char in enumerate(body):
        product = alphabet.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return body + alphabet[(36 - total % 36) % 36]


def _mrp(value: Decimal) -> Decimal:
    """A price as printed on packs: whole rupees, in fives above a hundred."""
    step = Decimal(5) if value >= 100 else Decimal(1)
    return ((value / step).quantize(Decimal(1)) * step).quantize(Decimal("0.01"))


def _ceil_to(value: Decimal, step: int) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


class _Builder:
    def __init__(self, cli_actor: Actor, report: Callable[[str], None], days: int) -> None:
        self.cli_actor = cli_actor
        self.report = report
        self.days = max(0, days)
        self.rng = random.Random(SEED)
        self.zone = ZoneInfo("Asia/Kolkata")
        today = datetime.now(self.zone).date()
        self.first_day = today - timedelta(days=self.days)
        self.opened_at = datetime.combine(
            self.first_day - timedelta(days=1), time(7, 0), self.zone
        ).astimezone(UTC)
        self.items: list[_Item] = []
        self.customers: list[Customer] = []
        self.balances: dict[int, Decimal] = {}

    def build(self) -> None:
        self.report("store and users")
        store.init_store(self.cli_actor, STORE_NAME, "owner", DEMO_PASSWORD, DEMO_PIN)
        owner = User.get(User.username == "owner")
        User.update(full_name="Rajesh Sharma").where(User.id == owner.id).execute()
        terminal = self.cli_actor.terminal or "counter-1"
        self.owner = Actor(owner.id, owner.username, Role.OWNER, terminal)
        info = auth.create_user(
            self.owner, "cashier", Role.CASHIER, DEMO_PASSWORD, DEMO_PIN, full_name="Ravi Kumar"
        )
        self.cashier = Actor(info.id, info.username, Role.CASHIER, terminal)
        for key, value in _SETTINGS:
            set_setting(self.owner, key, value)
        set_setting(self.owner, "store_tax_id", _gstin("08", "ABCPS4821K"))
        self._products()
        self._customers_and_suppliers()
        self._sales()
        Setting.create(key=store.DEMO_FLAG, value="true")

    # --- master data -----------------------------------------------------------------------

    def _products(self) -> None:
        rates = {row.rate: row.id for row in TaxRate.select()}
        rows: list[dict] = []
        brands: dict[str, int] = {}
        categories: dict[str, int] = {}

        def category_id(name: str) -> int:
            if name not in categories:
                categories[name] = Category.create(name=name).id
            return categories[name]

        for category, (item, hsn, gst, brand_list, packs) in _table("packed-goods.txt"):
            for brand_index, brand in enumerate(b.strip() for b in brand_list.split(",")):
                company = brands.setdefault(brand, 1000 + len(brands))
                premium = Decimal(("1.00", "1.06", "0.95", "1.10")[brand_index % 4])
                for pack in packs.split(","):
                    label, price = pack.strip().rsplit(":", 1)
                    serial = len(rows) + 1
                    rows.append(
                        self._product_row(
                            code=f"P{serial:04d}",
                            name=f"{brand} {item} {label}",
                            category=category_id(category),
                            tax_rate=rates[Decimal(gst)],
                            hsn=hsn,
                            price=_mrp(Decimal(price) * premium),
                            barcode=make_ean13(f"890{company:04d}{serial:05d}"),
                        )
                    )
        loose = _table("loose-goods.txt")
        for plu, (category, (item, hsn, gst, price)) in enumerate(loose, start=1):
            rows.append(
                self._product_row(
                    # Also the item part of the scale's weight labels (21 PPPPP VVVVV C).
                    code=f"21{plu:05d}",
                    name=item,
                    category=category_id(category),
                    tax_rate=rates[Decimal(gst)],
                    hsn=hsn,
                    price=Decimal(price).quantize(Decimal("0.01")),
                    by_weight=True,
                )
            )

        names = {cid: name for name, cid in categories.items()}
        weights = [_POPULARITY[names[row["category"]]] * self.rng.uniform(0.3, 1.7) for row in rows]
        self._opening_stock(rows, weights)
        for start in range(0, len(rows), 100):
            Product.insert_many(rows[start : start + 100]).execute()
            self.report(f"products {min(start + 100, len(rows))}/{len(rows)}")
        ids = {code: pid for pid, code in Product.select(Product.id, Product.code).tuples()}
        rate_of = {rid: rate for rate, rid in rates.items()}
        movements = []
        for row, weight in zip(rows, weights, strict=True):
            pid = ids[row["code"]]
            movements.append(
                {
                    "created_at": self.opened_at,
                    "updated_at": self.opened_at,
                    "product": pid,
                    "kind": "opening",
                    "quantity": row["stock"],
                    "stock_after": row["stock"],
                    "unit_cost": row["cost"],
                    "note": "Opening stock",
                    "user": self.owner.user_id,
                    "terminal": self.owner.terminal,
                }
            )
            self.items.append(
                _Item(
                    pid,
                    row["price"],
                    rate_of[row["tax_rate"]],
                    row["sold_by_weight"],
                    row["stock"],
                    weight,
                )
            )
        for start in range(0, len(movements), 100):
            StockMovement.insert_many(movements[start : start + 100]).execute()

    def _product_row(
        self,
        *,
        code: str,
        name: str,
        category: int,
        tax_rate: int,
        hsn: str,
        price: Decimal,
        barcode: str | None = None,
        by_weight: bool = False,
    ) -> dict:
        rng = self.rng
        cost = (price * Decimal(str(rng.uniform(0.75, 0.90)))).quantize(Decimal("0.01"))
        return {
            "created_at": self.opened_at,
            "updated_at": self.opened_at,
            "code": code,
            "name": name,
            "search_name": f"{name.lower()} {code.lower()}",
            "barcode": barcode,
            "category": category,
            "tax_rate": tax_rate,
            "hsn_code": hsn,
            "unit": "kg" if by_weight else "pcs",
            "sold_by_weight": by_weight,
            "price": price,
            "cost": cost,
            "stock": Decimal(0),  # see _opening_stock
            "min_stock": Decimal(10 if by_weight else rng.choice((5, 6, 10, 12))),
            "reorder_qty": Decimal(50 if by_weight else rng.choice((24, 36, 48))),
        }

    def _opening_stock(self, rows: list[dict], weights: list[float]) -> None:
        """Enough of each product for a month of its usual sales, in whole cases."""
        rng = self.rng
        month = max(self.days, 30)
        mean_lines = sum(n * w for n, w in enumerate(_LINE_COUNT_WEIGHTS, start=1)) / sum(
            _LINE_COUNT_WEIGHTS
        )
        picks = month * _MEAN_BILLS_A_DAY * mean_lines / sum(weights)
        for row, weight in zip(rows, weights, strict=True):
            per_line = 1.5 if row["sold_by_weight"] else 1.75  # kg or pieces a line
            expected = picks * weight * per_line * rng.uniform(1.3, 2.2) + rng.randint(6, 24)
            case = 5 if row["sold_by_weight"] else 6
            row["stock"] = Decimal(math.ceil(expected / case) * case)
        # A few products start nearly sold out, so the low-stock list has something to show.
        for row in rng.sample([r for r in rows if not r["sold_by_weight"]], 8):
            row["stock"] = Decimal(rng.randint(1, 4))

    def _customers_and_suppliers(self) -> None:
        rng = self.rng
        phones: set[str] = set()
        while len(phones) < len(_CUSTOMERS) + len(_SUPPLIERS):
            phones.add(f"{rng.choice('6789')}{rng.randrange(10**9):09d}")
        numbers = sorted(phones, key=lambda _p: rng.random())
        for n, name in enumerate(_CUSTOMERS, start=1):
            blocked = name == "Suresh Patel"
            self.customers.append(
                Customer.create(
                    created_at=self.opened_at,
                    updated_at=self.opened_at,
                    code=f"C{n:04d}",
                    name=name,
                    search_name=f"{name.lower()} c{n:04d}",
                    phone=numbers[n - 1],
                    address=f"{rng.randint(1, 250)}, {rng.choice(_STREETS)}, Jaipur",
                    credit_limit=Decimal(rng.choice((1000, 2000, 3000, 5000, 7500, 10000))),
                    status="blocked" if blocked else "active",
                    notes="Credit stopped: old dues unpaid since Diwali" if blocked else "",
                )
            )
        for n, (name, contact, address) in enumerate(_SUPPLIERS):
            Supplier.create(
                created_at=self.opened_at,
                updated_at=self.opened_at,
                name=name,
                contact_name=contact,
                phone=numbers[len(_CUSTOMERS) + n],
                address=address,
                tax_id=_gstin("08", f"AA{'BCDFG'[n]}FS{4100 + 37 * n}{'KLMNP'[n]}"),
            )
        self.balances = {c.id: Decimal(0) for c in self.customers}

    # --- a month of trade ------------------------------------------------------------------

    def _sales(self) -> None:
        settings = load_settings()
        self.prices_include_tax = settings.prices_include_tax
        self.rounding = settings.cash_rounding
        rng = self.rng
        for index in range(self.days):
            day = self.first_day + timedelta(days=index)
            events = [(rng.randrange(_SHOP_MINUTES), None) for _ in range(rng.randint(15, 40))]
            # Udhaar is settled now and then: part of it, or the whole amount at month end.
            events += [
                (rng.randrange(_SHOP_MINUTES), customer)
                for customer in self.customers
                if self.balances[customer.id] > 0 and rng.random() < 0.12
            ]
            for minute, customer in sorted(events, key=lambda event: event[0]):
                when = datetime.combine(day, _SHOP_OPENS, self.zone) + timedelta(
                    minutes=minute, seconds=rng.randrange(60)
                )
                if customer is None:
                    self._one_bill(when)
                else:
                    self._repayment(customer, when)
            self.report(f"sales day {index + 1}/{self.days}")

    def _one_bill(self, local: datetime) -> None:
        rng = self.rng
        lines = self._pick_lines(rng.choices(range(1, 13), _LINE_COUNT_WEIGHTS)[0])
        if not lines:
            return
        cart = [CartLine(i.id, "", i.price, q, i.tax_rate) for i, q in lines]
        total = compute_bill(cart, None, self.prices_include_tax, self.rounding).total_due
        discount = None
        if total > 800 and rng.random() < 0.15:
            discount = Discount.amount(Decimal(rng.choice((10, 20, 25, 50))))
            total = compute_bill(cart, discount, self.prices_include_tax, self.rounding).total_due

        customer, tenders = self._payment(total)
        actor = self.owner if rng.random() < 0.2 else self.cashier
        request = CheckoutRequest(
            cart_id=UUID(int=rng.getrandbits(128), version=4),
            lines=[SaleLineRequest(i.id, q) for i, q in lines],
            bill_discount=discount,
            customer_id=customer.id if customer else None,
            tenders=tenders,
        )
        sale = checkout.checkout(actor, request, sold_at=local)
        # Past bills went out on paper at the time; only today's unprinted ones need a look.
        Sale.update(printed=True, printed_at=sale.sold_at).where(Sale.id == sale.id).execute()
        for item, quantity in lines:
            item.stock -= quantity
        if customer is not None and sale.customer_balance is not None:
            self.balances[customer.id] = sale.customer_balance

    def _repayment(self, customer: Customer, local: datetime) -> None:
        """A customer paying off credit at the counter, through the credit service."""
        rng = self.rng
        owed = self.balances[customer.id]
        amount = owed
        if owed > 200 and rng.random() < 0.6:
            amount = (owed * Decimal(str(rng.uniform(0.3, 0.8))) / 100).to_integral_value() * 100
        method = "cash" if rng.random() < 0.7 else "upi"
        actor = self.owner if rng.random() < 0.3 else self.cashier
        slip = credit.take_payment(actor, customer.id, amount, method, paid_at=local)
        self.balances[customer.id] = slip.balance_after

    def _pick_lines(self, count: int) -> list[tuple[_Item, Decimal]]:
        rng = self.rng
        chosen: dict[int, tuple[_Item, Decimal]] = {}
        weights = [item.weight for item in self.items]
        for _ in range(count * 3):
            if len(chosen) == count:
                break
            item = rng.choices(self.items, weights)[0]
            if item.id in chosen:
                continue
            if item.by_weight:
                grams = rng.choice((250, 500, 500, 750, 1000, 1000, 1000, 2000, 3000, 5000))
                quantity = Decimal(grams + rng.randint(-15, 15)).scaleb(-3)
            else:
                quantity = Decimal(rng.choices((1, 2, 3, 4, 6), (60, 22, 9, 5, 4))[0])
            if item.stock >= quantity:
                chosen[item.id] = (item, quantity)
        return list(chosen.values())

    def _payment(self, total: Decimal) -> tuple[Customer | None, list[Tender]]:
        rng = self.rng
        roll = rng.random()
        if roll < 0.10:
            customer = self._credit_customer(total)
            if customer is not None:
                if rng.random() < 0.4 and total >= 100:
                    part = (total / 2 / 10).to_integral_value() * 10
                    return customer, [Tender("cash", part)]
                return customer, []
        regular = rng.choice(self.customers) if rng.random() < 0.15 else None
        if roll < 0.36:
            return regular, [Tender("upi", total, f"UPI{rng.randrange(10**11, 10**12)}")]
        if roll < 0.42:
            return regular, [Tender("card", total, f"AUTH{rng.randrange(10**5, 10**6)}")]
        return regular, [Tender("cash", self._cash_handed_over(total))]

    def _credit_customer(self, total: Decimal) -> Customer | None:
        """A regular with room under their limit; udhaar goes to a handful of households."""
        candidates = [
            c
            for c in self.customers[:12]
            if c.status == "active" and self.balances[c.id] + total <= c.credit_limit
        ]
        return self.rng.choice(candidates) if candidates else None

    def _cash_handed_over(self, total: Decimal) -> Decimal:
        if self.rng.random() < 0.3:
            return total
        options = sorted({_ceil_to(total, step) for step in (10, 50, 100, 500, 2000)})
        return self.rng.choice(options[:3]).quantize(Decimal("0.01"))
