"""What a till does, as the billing screen does it: bills of scanned products, tenders, pay.

Products are looked up through the catalog service and put on an `OpenBill` like a scan
puts them; the total the customer is asked for comes from the bill itself; the tenders are
the payment modal's (cash with change, a split of UPI and cash, part or all on credit).
"""

from __future__ import annotations

import random
from decimal import Decimal

from posterm.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from posterm.domain.open_bill import BillItem, OpenBill
from posterm.domain.products import ProductInfo
from posterm.domain.sale import CASH, CREDIT, Tender
from posterm.domain.store_settings import StoreSettings
from posterm.services.catalog import get_product

# The refusals a shop's rules give (out of stock, over the limit, nothing left to return):
# counted, expected. Anything else a service raises is an unexpected error.
REFUSALS = (Conflict, NotFound, PermissionDenied, ValidationError)
CENT = Decimal("0.01")
TENDER_STYLES = ("cash", "split", "credit", "part credit")


def refusal_kind(error: Exception) -> str:
    """A short name for a refusal, for the breakdown: "Conflict: Only 2 pcs of ..." -> kind."""
    text = str(error).lower()
    for words, kind in (
        (("in stock", "negative stock"), "out of stock"),
        (("above the limit", "credit above"), "over credit limit"),
        (("owes", "advance"), "pays more than owed"),
        (("return", "returned"), "nothing left to return"),
    ):
        if any(word in text for word in words):
            return kind
    return type(error).__name__


def load_products(product_ids: tuple[int, ...]) -> list[ProductInfo]:
    return [get_product(product_id) for product_id in product_ids]


def scan(bill: OpenBill, product: ProductInfo, quantity: Decimal) -> None:
    """Adds `quantity` of `product` to the bill as a scan at the till does."""
    bill.add(
        BillItem(
            product_id=product.id,
            code=product.code,
            name=product.name,
            unit=product.unit,
            sold_by_weight=product.sold_by_weight,
            list_price=product.price,
            unit_price=product.price,
            tax_rate=product.tax_rate,
            hsn_code=product.hsn_code,
            quantity=quantity,
        )
    )


def random_bill(rng: random.Random, products: list[ProductInfo], max_lines: int = 3) -> OpenBill:
    bill = OpenBill()
    for product in rng.sample(products, rng.randint(1, max_lines)):
        scan(bill, product, Decimal(rng.randint(1, 3)))
    return bill


def random_change(rng: random.Random, bill: OpenBill, products: list[ProductInfo]) -> None:
    """One change a cashier makes: a scan (more of a line, when it is on the bill already), or
    a new quantity for a line."""
    if bill.items and rng.random() < 0.3:
        bill.set_quantity(rng.randrange(len(bill.items)), Decimal(rng.randint(1, 9)))
    else:
        scan(bill, rng.choice(products), Decimal(rng.randint(1, 3)))


def tenders(
    rng: random.Random, style: str, total: Decimal, customer_attached: bool
) -> list[Tender]:
    """What the customer hands over for a bill of `total`, in one of TENDER_STYLES."""
    if style in ("credit", "part credit") and not customer_attached:
        style = "cash"
    if style == "cash" or (style == "split" and total < Decimal(1)):
        # Rounded up to the next 10, 50 or 100 note: the rest comes back as change.
        note = Decimal(rng.choice((10, 50, 100)))
        handed = ((total / note).to_integral_value(rounding="ROUND_CEILING")) * note
        return [Tender(CASH, max(handed, total).quantize(CENT))]
    if style == "split":
        upi = (total * Decimal(rng.uniform(0.2, 0.8))).quantize(CENT)
        return [Tender("upi", upi, f"UPI-{rng.randint(1000, 9999)}"), Tender(CASH, total - upi)]
    if style == "credit":
        return [Tender(CREDIT, total)]
    cash = (total * Decimal(rng.uniform(0.1, 0.6))).quantize(CENT)
    return [Tender(CASH, cash)] if cash > 0 else []  # the rest goes on credit


def total_due(bill: OpenBill, settings: StoreSettings) -> Decimal:
    return bill.totals(settings.prices_include_tax, settings.cash_rounding).total_due
