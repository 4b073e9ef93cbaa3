"""The tables of posterm: the whole data model of DESIGN.md, bound to `database` at start.

Ledgers are the truth (stock_movement, credit_entry, supplier_entry, loyalty_entry); the
`stock`, `balance` and `points` columns are caches kept in the same transaction and checked by
`posterm doctor`. Completed sales are never edited: returns and voids are new sale rows.
Schema changes need a migration in `posterm/data/migrations/`.
"""

from __future__ import annotations

from typing import Any

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    DateField,
    ForeignKeyField,
    IntegerField,
    Model,
    UUIDField,
)

from posterm.data.fields import (
    CharField,
    MoneyField,
    QuantityField,
    RateField,
    TextField,
    UtcDateTimeField,
    utc_now,
)

database = DatabaseProxy()

ACTIVE = "active"


class BaseModel(Model):
    id = AutoField()
    created_at = UtcDateTimeField(default=utc_now)
    updated_at = UtcDateTimeField(default=utc_now)

    class Meta:
        database = database
        legacy_table_names = False

    def save(self, *args: Any, **kwargs: Any) -> Any:
        if self._pk is not None:
            self.updated_at = utc_now()
        return super().save(*args, **kwargs)


class MasterData(BaseModel):
    """Rows people edit; never hard-deleted, so history keeps pointing at them."""

    status = CharField(max_length=16, default=ACTIVE, index=True)
    deleted_at = UtcDateTimeField(null=True)


class User(MasterData):
    username = CharField(max_length=32, unique=True)
    full_name = CharField(max_length=80, default="")
    role = CharField(max_length=16)  # owner, manager, cashier, staff
    password_hash = CharField(max_length=80)
    pin_hash = CharField(max_length=80, null=True)
    failed_logins = IntegerField(default=0)
    locked_until = UtcDateTimeField(null=True)
    last_login_at = UtcDateTimeField(null=True)

    class Meta:
        table_name = "app_user"  # "user" is a reserved word in PostgreSQL


class AuditEvent(BaseModel):
    """Append-only; each row carries the hash of the previous one, so tampering shows."""

    user = ForeignKeyField(User, null=True, backref="audit_events")
    username = CharField(max_length=64)
    approved_by = ForeignKeyField(User, null=True, backref="approvals")
    action = CharField(max_length=48, index=True)
    entity = CharField(max_length=32, default="")
    entity_id = CharField(max_length=64, default="")
    reason = TextField(default="")
    details = TextField(default="{}")
    terminal = CharField(max_length=32, default="")
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64, unique=True)


class Setting(BaseModel):
    key = CharField(max_length=64, unique=True)
    value = TextField()
    updated_by = ForeignKeyField(User, null=True)


class Category(MasterData):
    name = CharField(max_length=80, unique=True)
    parent = ForeignKeyField("self", null=True, backref="children")


class TaxRate(MasterData):
    name = CharField(max_length=40, unique=True)
    rate = RateField()


class Product(MasterData):
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=120)
    # Lower-cased name and code, so a prefix search can use an index on both databases.
    search_name = CharField(max_length=160, index=True)
    barcode = CharField(max_length=32, unique=True, null=True)
    category = ForeignKeyField(Category, null=True, backref="products")
    tax_rate = ForeignKeyField(TaxRate, null=True, backref="products")
    hsn_code = CharField(max_length=16, default="")
    unit = CharField(max_length=8, default="pcs")
    sold_by_weight = BooleanField(default=False)
    price = MoneyField()
    cost = MoneyField(default=0)
    stock = QuantityField(default=0)
    min_stock = QuantityField(default=0)
    reorder_qty = QuantityField(default=0)
    track_expiry = BooleanField(default=False)

    class Meta:
        # The stock screen's list sorted by stock or by price, read a page at a time (0003).
        indexes = ((("stock", "id"), False), (("price", "id"), False))


class ProductBarcode(BaseModel):
    product = ForeignKeyField(Product, backref="extra_barcodes")
    barcode = CharField(max_length=32, unique=True)

    class Meta:
        # "product_barcode" would clash with the index on product.barcode.
        table_name = "product_extra_barcode"


class ProductWord(Model):
    """Each word of an active product's search_name, so "any word starts with" uses an index.

    Kept by database triggers on `product` (migration 0002): never write it from Python. The
    primary key (word, sort_name, product_id) is the one index, read by a search; no foreign key
    (its check would scan this table). On PostgreSQL the text columns use the "C" collation,
    on SQLite the table is WITHOUT ROWID.
    """

    word = CharField(max_length=160)
    sort_name = CharField(max_length=160)  # the product's search_name
    product_id = IntegerField()  # product.id

    class Meta:
        database = database
        legacy_table_names = False
        primary_key = CompositeKey("word", "sort_name", "product_id")


class Supplier(MasterData):
    name = CharField(max_length=120, unique=True)
    contact_name = CharField(max_length=80, default="")
    phone = CharField(max_length=20, default="")
    email = CharField(max_length=120, default="")
    address = TextField(default="")
    tax_id = CharField(max_length=32, default="")
    balance = MoneyField(default=0)  # what we owe them
    notes = TextField(default="")


class Customer(MasterData):
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=120)
    search_name = CharField(max_length=160, index=True)
    phone = CharField(max_length=20, unique=True, null=True)
    email = CharField(max_length=120, default="")
    address = TextField(default="")
    tax_id = CharField(max_length=32, default="")
    card_barcode = CharField(max_length=32, unique=True, null=True)
    credit_limit = MoneyField(default=0)
    balance = MoneyField(default=0)  # what they owe us; negative is an advance
    loyalty_points = MoneyField(default=0)
    notes = TextField(default="")


class Shift(BaseModel):
    terminal = CharField(max_length=32, index=True)
    user = ForeignKeyField(User, backref="shifts")
    status = CharField(max_length=8, default="open")  # open, closed
    opened_at = UtcDateTimeField(default=utc_now)
    closed_at = UtcDateTimeField(null=True)
    closed_by = ForeignKeyField(User, null=True)
    opening_float = MoneyField(default=0)
    expected_cash = MoneyField(null=True)
    counted_cash = MoneyField(null=True)
    variance = MoneyField(null=True)
    denominations = TextField(default="{}")
    z_report = TextField(default="")


class Sale(BaseModel):
    """A completed document: a sale, a return or a void. Never edited after commit."""

    uuid = UUIDField(unique=True)  # the cart's id: a retried checkout finds its sale
    kind = CharField(max_length=8, default="sale")  # sale, return, void
    original = ForeignKeyField("self", null=True, backref="reversals")
    bill_number = CharField(max_length=40, unique=True)
    series = CharField(max_length=40)
    sequence = BigIntegerField()
    terminal = CharField(max_length=32)
    user = ForeignKeyField(User, backref="sales")
    approved_by = ForeignKeyField(User, null=True)
    customer = ForeignKeyField(Customer, null=True, backref="sales")
    shift = ForeignKeyField(Shift, null=True, backref="sales")
    prices_include_tax = BooleanField()
    item_count = QuantityField(default=0)
    subtotal = MoneyField(default=0)
    discount_total = MoneyField(default=0)
    tax_total = MoneyField(default=0)
    round_off = MoneyField(default=0)
    total = MoneyField(default=0)
    paid_total = MoneyField(default=0)
    change_given = MoneyField(default=0)
    credit_amount = MoneyField(default=0)
    loyalty_earned = MoneyField(default=0)
    loyalty_redeemed = MoneyField(default=0)
    printed = BooleanField(default=False)
    printed_at = UtcDateTimeField(null=True)
    reason = TextField(default="")
    note = TextField(default="")

    class Meta:
        # created_at: reports read a range of days (0007).
        indexes = ((("series", "sequence"), True), (("created_at",), False))


class SaleLine(BaseModel):
    """A snapshot of what was sold, so later price or name changes never rewrite history."""

    sale = ForeignKeyField(Sale, backref="lines")
    line_no = IntegerField()
    product = ForeignKeyField(Product, null=True, backref="sale_lines")
    original_line = ForeignKeyField("self", null=True, backref="returned_by")
    name = CharField(max_length=120)
    code = CharField(max_length=32, default="")
    barcode = CharField(max_length=32, default="")
    hsn_code = CharField(max_length=16, default="")
    unit = CharField(max_length=8, default="pcs")
    quantity = QuantityField()
    unit_price = MoneyField()
    price_overridden = BooleanField(default=False)
    gross = MoneyField()
    line_discount = MoneyField(default=0)
    bill_discount = MoneyField(default=0)
    tax_rate = RateField(default=0)
    taxable_value = MoneyField()
    tax_amount = MoneyField()
    line_total = MoneyField()
    unit_cost = MoneyField(default=0)
    cost_total = MoneyField(default=0)
    restocked = BooleanField(default=True)  # a return marked damaged does not go back on the shelf

    class Meta:
        indexes = ((("sale", "line_no"), True),)


class Payment(BaseModel):
    """Money in or out: a tender on a sale, a refund, or a customer paying off credit."""

    sale = ForeignKeyField(Sale, null=True, backref="payments")
    customer = ForeignKeyField(Customer, null=True, backref="payments")
    shift = ForeignKeyField(Shift, null=True, backref="payments")
    user = ForeignKeyField(User)
    terminal = CharField(max_length=32, default="")
    method = CharField(max_length=24)  # cash, upi, card, credit, loyalty, or a configured one
    direction = CharField(max_length=3, default="in")  # in, out
    amount = MoneyField()
    tendered = MoneyField(null=True)  # cash handed over, before change
    reference = CharField(max_length=64, default="")

    class Meta:
        indexes = ((("created_at",), False),)  # reports read a range of days (0007)


class CreditEntry(BaseModel):
    """The udhaar ledger: positive amounts raise what the customer owes."""

    customer = ForeignKeyField(Customer, backref="credit_entries")
    kind = CharField(max_length=16)  # sale, payment, return, void, adjustment, write_off, opening
    amount = MoneyField()
    balance_after = MoneyField()
    sale = ForeignKeyField(Sale, null=True, backref="credit_entries")
    payment = ForeignKeyField(Payment, null=True)
    user = ForeignKeyField(User)
    approved_by = ForeignKeyField(User, null=True)
    note = TextField(default="")


class LoyaltyEntry(BaseModel):
    customer = ForeignKeyField(Customer, backref="loyalty_entries")
    kind = CharField(max_length=16)  # earn, redeem, reverse, adjustment
    points = MoneyField()
    balance_after = MoneyField()
    sale = ForeignKeyField(Sale, null=True)
    user = ForeignKeyField(User)


class Purchase(BaseModel):
    """Goods received from a supplier against their invoice."""

    supplier = ForeignKeyField(Supplier, backref="purchases")
    invoice_number = CharField(max_length=40)
    invoice_date = DateField()
    subtotal = MoneyField(default=0)
    tax_total = MoneyField(default=0)
    total = MoneyField(default=0)
    paid = MoneyField(default=0)
    user = ForeignKeyField(User)
    notes = TextField(default="")

    class Meta:
        indexes = ((("supplier", "invoice_number"), True),)


class PurchaseLine(BaseModel):
    purchase = ForeignKeyField(Purchase, backref="lines")
    product = ForeignKeyField(Product, backref="purchase_lines")
    quantity = QuantityField()
    unit_cost = MoneyField()
    tax_rate = RateField(default=0)
    tax_amount = MoneyField(default=0)
    line_total = MoneyField()
    batch_number = CharField(max_length=40, default="")
    expiry_date = DateField(null=True)


class Batch(BaseModel):
    """Stock received together at one cost: feeds FIFO cost of goods and expiry alerts."""

    product = ForeignKeyField(Product, backref="batches")
    purchase_line = ForeignKeyField(PurchaseLine, null=True, backref="batches")
    batch_number = CharField(max_length=40, default="")
    expiry_date = DateField(null=True, index=True)
    unit_cost = MoneyField()
    quantity_received = QuantityField()
    quantity_remaining = QuantityField()


class StockCount(BaseModel):
    """A physical inventory of a category or a list of products; its lines survive a crash."""

    title = CharField(max_length=80)
    status = CharField(max_length=16, default="open", index=True)  # open, posted, cancelled
    category = ForeignKeyField(Category, null=True, backref="stock_counts")
    user = ForeignKeyField(User, backref="stock_counts")
    posted_at = UtcDateTimeField(null=True)
    posted_by = ForeignKeyField(User, null=True)
    note = TextField(default="")


class StockCountLine(BaseModel):
    count = ForeignKeyField(StockCount, backref="lines")
    product = ForeignKeyField(Product, backref="count_lines")
    counted = QuantityField(null=True)  # None until the product is counted

    class Meta:
        indexes = ((("count", "product"), True),)


class SaleLineBatch(BaseModel):
    """What a sale line drew from each batch (FIFO cost), and what a return line put back.

    Signed like its line: a sale draws positive quantities, a return or void puts back negative
    ones into the same batches. `batch` is null for the part no batch covered (negative stock),
    costed at the product's cost of the day.
    """

    sale_line = ForeignKeyField(SaleLine, backref="batch_draws")
    batch = ForeignKeyField(Batch, null=True, backref="draws")
    quantity = QuantityField()
    unit_cost = MoneyField()
    cost_total = MoneyField()


class StockMovement(BaseModel):
    """The stock ledger (kardex): every change of a product's stock, signed."""

    product = ForeignKeyField(Product, backref="movements")
    kind = CharField(max_length=16)  # opening, sale, return, void, purchase, adjustment, count
    quantity = QuantityField()
    stock_after = QuantityField()
    unit_cost = MoneyField(default=0)
    reason = CharField(max_length=32, default="")
    note = TextField(default="")
    sale = ForeignKeyField(Sale, null=True, backref="stock_movements")
    purchase = ForeignKeyField(Purchase, null=True, backref="stock_movements")
    batch = ForeignKeyField(Batch, null=True)
    user = ForeignKeyField(User)
    terminal = CharField(max_length=32, default="")
    stock_count = ForeignKeyField(StockCount, null=True, backref="movements")

    class Meta:
        indexes = ((("created_at",), False),)  # reports read a range of days (0007)


class SupplierEntry(BaseModel):
    """What we owe each supplier: purchases raise it, payments lower it."""

    supplier = ForeignKeyField(Supplier, backref="entries")
    kind = CharField(max_length=16)  # purchase, payment, return, adjustment, opening
    amount = MoneyField()
    balance_after = MoneyField()
    purchase = ForeignKeyField(Purchase, null=True)
    method = CharField(max_length=24, default="")
    reference = CharField(max_length=64, default="")
    user = ForeignKeyField(User)
    note = TextField(default="")


class HeldSale(BaseModel):
    """A cart not yet paid: the open bill of a till (saved as it changes) or a parked one."""

    uuid = UUIDField(unique=True)
    terminal = CharField(max_length=32, index=True)
    user = ForeignKeyField(User)
    status = CharField(max_length=8, default="open")  # open (on the till), held (parked)
    note = CharField(max_length=120, default="")
    customer = ForeignKeyField(Customer, null=True)
    cart = TextField()  # JSON of the cart, enough to rebuild it exactly
    total = MoneyField(default=0)


class PurchaseDraft(BaseModel):
    """Goods being received on a till, saved as typed; the purchase deletes it (migration 0005)."""

    uuid = UUIDField(unique=True)
    terminal = CharField(max_length=32, unique=True)
    user = ForeignKeyField(User)
    draft = TextField()  # JSON of posterm.domain.purchases.ReceivingDraft


class CashMovement(BaseModel):
    """Cash in or out of a till's drawer that is not a sale: float, pay-ins, payouts, expenses."""

    shift = ForeignKeyField(Shift, backref="cash_movements")
    kind = CharField(max_length=16)  # cash_in, cash_out, payout, expense
    amount = MoneyField()
    category = CharField(max_length=40, default="")
    reason = TextField(default="")
    user = ForeignKeyField(User)
    approved_by = ForeignKeyField(User, null=True)

    class Meta:
        indexes = ((("created_at",), False),)  # reports read a range of days (0007)


class Counter(BaseModel):
    """The last number used in a series (bill numbers per format and year); locked to take one."""

    name = CharField(max_length=48, unique=True)
    value = BigIntegerField(default=0)


ALL_MODELS = [
    User,
    AuditEvent,
    Setting,
    Category,
    TaxRate,
    Product,
    ProductBarcode,
    ProductWord,
    Supplier,
    Customer,
    Shift,
    Sale,
    SaleLine,
    Payment,
    CreditEntry,
    LoyaltyEntry,
    Purchase,
    PurchaseLine,
    Batch,
    StockCount,
    StockCountLine,
    SaleLineBatch,
    StockMovement,
    SupplierEntry,
    HeldSale,
    CashMovement,
    Counter,
    PurchaseDraft,
]

__all__ = [model.__name__ for model in ALL_MODELS] + ["ALL_MODELS", "database"]
