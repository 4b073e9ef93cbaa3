"""The first schema of posterm: every table of the data model.

Generated from posterm.data.models by playhouse.migrations, then frozen: money, quantity and
rate columns are BIGINT scaled integers (see posterm.data.fields); times are naive UTC.
"""
from peewee import *


def up(migrator, db):
    class User(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        status = CharField(index=True, max_length=16, default='active')
        deleted_at = DateTimeField(null=True)
        username = CharField(unique=True, max_length=32)
        full_name = CharField(max_length=80, default='')
        role = CharField(max_length=16)
        password_hash = CharField(max_length=80)
        pin_hash = CharField(null=True, max_length=80)
        failed_logins = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        last_login_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'app_user'
    db.create_tables([User])

    class AuditEvent(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        user = ForeignKeyField(User, null=True)
        username = CharField(max_length=64)
        approved_by = ForeignKeyField(User, null=True)
        action = CharField(index=True, max_length=48)
        entity = CharField(max_length=32, default='')
        entity_id = CharField(max_length=64, default='')
        reason = TextField(default='')
        details = TextField(default='{}')
        terminal = CharField(max_length=32, default='')
        prev_hash = CharField(max_length=64)
        hash = CharField(unique=True, max_length=64)
        class Meta:
            database = db
            table_name = 'audit_event'
    db.create_tables([AuditEvent])

    class Category(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        status = CharField(index=True, max_length=16, default='active')
        deleted_at = DateTimeField(null=True)
        name = CharField(unique=True, max_length=80)
        parent = ForeignKeyField('self', null=True)
        class Meta:
            database = db
            table_name = 'category'
    db.create_tables([Category])

    class TaxRate(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        status = CharField(index=True, max_length=16, default='active')
        deleted_at = DateTimeField(null=True)
        name = CharField(unique=True, max_length=40)
        rate = BigIntegerField()
        class Meta:
            database = db
            table_name = 'tax_rate'
    db.create_tables([TaxRate])

    class Product(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        status = CharField(index=True, max_length=16, default='active')
        deleted_at = DateTimeField(null=True)
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=120)
        search_name = CharField(index=True, max_length=160)
        barcode = CharField(unique=True, null=True, max_length=32)
        category = ForeignKeyField(Category, null=True)
        tax_rate = ForeignKeyField(TaxRate, null=True)
        hsn_code = CharField(max_length=16, default='')
        unit = CharField(max_length=8, default='pcs')
        sold_by_weight = BooleanField(default=False)
        price = BigIntegerField()
        cost = BigIntegerField(default=0)
        stock = BigIntegerField(default=0)
        min_stock = BigIntegerField(default=0)
        reorder_qty = BigIntegerField(default=0)
        track_expiry = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'product'
    db.create_tables([Product])

    class Supplier(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        status = CharField(index=True, max_length=16, default='active')
        deleted_at = DateTimeField(null=True)
        name = CharField(unique=True, max_length=120)
        contact_name = CharField(max_length=80, default='')
        phone = CharField(max_length=20, default='')
        email = CharField(max_length=120, default='')
        address = TextField(default='')
        tax_id = CharField(max_length=32, default='')
        balance = BigIntegerField(default=0)
        notes = TextField(default='')
        class Meta:
            database = db
            table_name = 'supplier'
    db.create_tables([Supplier])

    class Purchase(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        supplier = ForeignKeyField(Supplier)
        invoice_number = CharField(max_length=40)
        invoice_date = DateField()
        subtotal = BigIntegerField(default=0)
        tax_total = BigIntegerField(default=0)
        total = BigIntegerField(default=0)
        paid = BigIntegerField(default=0)
        user = ForeignKeyField(User)
        notes = TextField(default='')
        class Meta:
            database = db
            table_name = 'purchase'
            indexes = ((('supplier', 'invoice_number'), True),)
    db.create_tables([Purchase])

    class PurchaseLine(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        purchase = ForeignKeyField(Purchase)
        product = ForeignKeyField(Product)
        quantity = BigIntegerField()
        unit_cost = BigIntegerField()
        tax_rate = BigIntegerField(default=0)
        tax_amount = BigIntegerField(default=0)
        line_total = BigIntegerField()
        batch_number = CharField(max_length=40, default='')
        expiry_date = DateField(null=True)
        class Meta:
            database = db
            table_name = 'purchase_line'
    db.create_tables([PurchaseLine])

    class Batch(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        product = ForeignKeyField(Product)
        purchase_line = ForeignKeyField(PurchaseLine, null=True)
        batch_number = CharField(max_length=40, default='')
        expiry_date = DateField(index=True, null=True)
        unit_cost = BigIntegerField()
        quantity_received = BigIntegerField()
        quantity_remaining = BigIntegerField()
        class Meta:
            database = db
            table_name = 'batch'
    db.create_tables([Batch])

    class Shift(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        terminal = CharField(index=True, max_length=32)
        user = ForeignKeyField(User)
        status = CharField(max_length=8, default='open')
        opened_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        closed_by = ForeignKeyField(User, null=True)
        opening_float = BigIntegerField(default=0)
        expected_cash = BigIntegerField(null=True)
        counted_cash = BigIntegerField(null=True)
        variance = BigIntegerField(null=True)
        denominations = TextField(default='{}')
        z_report = TextField(default='')
        class Meta:
            database = db
            table_name = 'shift'
    db.create_tables([Shift])

    class CashMovement(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        shift = ForeignKeyField(Shift)
        kind = CharField(max_length=16)
        amount = BigIntegerField()
        category = CharField(max_length=40, default='')
        reason = TextField(default='')
        user = ForeignKeyField(User)
        approved_by = ForeignKeyField(User, null=True)
        class Meta:
            database = db
            table_name = 'cash_movement'
    db.create_tables([CashMovement])

    class Counter(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        name = CharField(unique=True, max_length=48)
        value = BigIntegerField(default=0)
        class Meta:
            database = db
            table_name = 'counter'
    db.create_tables([Counter])

    class Customer(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        status = CharField(index=True, max_length=16, default='active')
        deleted_at = DateTimeField(null=True)
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=120)
        search_name = CharField(index=True, max_length=160)
        phone = CharField(unique=True, null=True, max_length=20)
        email = CharField(max_length=120, default='')
        address = TextField(default='')
        tax_id = CharField(max_length=32, default='')
        card_barcode = CharField(unique=True, null=True, max_length=32)
        credit_limit = BigIntegerField(default=0)
        balance = BigIntegerField(default=0)
        loyalty_points = BigIntegerField(default=0)
        notes = TextField(default='')
        class Meta:
            database = db
            table_name = 'customer'
    db.create_tables([Customer])

    class Sale(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        uuid = UUIDField(unique=True)
        kind = CharField(max_length=8, default='sale')
        original = ForeignKeyField('self', null=True)
        bill_number = CharField(unique=True, max_length=40)
        series = CharField(max_length=40)
        sequence = BigIntegerField()
        terminal = CharField(max_length=32)
        user = ForeignKeyField(User)
        approved_by = ForeignKeyField(User, null=True)
        customer = ForeignKeyField(Customer, null=True)
        shift = ForeignKeyField(Shift, null=True)
        prices_include_tax = BooleanField()
        item_count = BigIntegerField(default=0)
        subtotal = BigIntegerField(default=0)
        discount_total = BigIntegerField(default=0)
        tax_total = BigIntegerField(default=0)
        round_off = BigIntegerField(default=0)
        total = BigIntegerField(default=0)
        paid_total = BigIntegerField(default=0)
        change_given = BigIntegerField(default=0)
        credit_amount = BigIntegerField(default=0)
        loyalty_earned = BigIntegerField(default=0)
        loyalty_redeemed = BigIntegerField(default=0)
        printed = BooleanField(default=False)
        printed_at = DateTimeField(null=True)
        reason = TextField(default='')
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'sale'
            indexes = ((('series', 'sequence'), True),)
    db.create_tables([Sale])

    class Payment(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        sale = ForeignKeyField(Sale, null=True)
        customer = ForeignKeyField(Customer, null=True)
        shift = ForeignKeyField(Shift, null=True)
        user = ForeignKeyField(User)
        terminal = CharField(max_length=32, default='')
        method = CharField(max_length=24)
        direction = CharField(max_length=3, default='in')
        amount = BigIntegerField()
        tendered = BigIntegerField(null=True)
        reference = CharField(max_length=64, default='')
        class Meta:
            database = db
            table_name = 'payment'
    db.create_tables([Payment])

    class CreditEntry(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        customer = ForeignKeyField(Customer)
        kind = CharField(max_length=16)
        amount = BigIntegerField()
        balance_after = BigIntegerField()
        sale = ForeignKeyField(Sale, null=True)
        payment = ForeignKeyField(Payment, null=True)
        user = ForeignKeyField(User)
        approved_by = ForeignKeyField(User, null=True)
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'credit_entry'
    db.create_tables([CreditEntry])

    class HeldSale(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        uuid = UUIDField(unique=True)
        terminal = CharField(index=True, max_length=32)
        user = ForeignKeyField(User)
        status = CharField(max_length=8, default='open')
        note = CharField(max_length=120, default='')
        customer = ForeignKeyField(Customer, null=True)
        cart = TextField()
        total = BigIntegerField(default=0)
        class Meta:
            database = db
            table_name = 'held_sale'
    db.create_tables([HeldSale])

    class LoyaltyEntry(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        customer = ForeignKeyField(Customer)
        kind = CharField(max_length=16)
        points = BigIntegerField()
        balance_after = BigIntegerField()
        sale = ForeignKeyField(Sale, null=True)
        user = ForeignKeyField(User)
        class Meta:
            database = db
            table_name = 'loyalty_entry'
    db.create_tables([LoyaltyEntry])

    class ProductBarcode(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        product = ForeignKeyField(Product)
        barcode = CharField(unique=True, max_length=32)
        class Meta:
            database = db
            table_name = 'product_extra_barcode'
    db.create_tables([ProductBarcode])

    class SaleLine(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        sale = ForeignKeyField(Sale)
        line_no = IntegerField()
        product = ForeignKeyField(Product, null=True)
        original_line = ForeignKeyField('self', null=True)
        name = CharField(max_length=120)
        code = CharField(max_length=32, default='')
        barcode = CharField(max_length=32, default='')
        hsn_code = CharField(max_length=16, default='')
        unit = CharField(max_length=8, default='pcs')
        quantity = BigIntegerField()
        unit_price = BigIntegerField()
        price_overridden = BooleanField(default=False)
        gross = BigIntegerField()
        line_discount = BigIntegerField(default=0)
        bill_discount = BigIntegerField(default=0)
        tax_rate = BigIntegerField(default=0)
        taxable_value = BigIntegerField()
        tax_amount = BigIntegerField()
        line_total = BigIntegerField()
        unit_cost = BigIntegerField(default=0)
        cost_total = BigIntegerField(default=0)
        restocked = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'sale_line'
            indexes = ((('sale', 'line_no'), True),)
    db.create_tables([SaleLine])

    class Setting(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        key = CharField(unique=True, max_length=64)
        value = TextField()
        updated_by = ForeignKeyField(User, null=True)
        class Meta:
            database = db
            table_name = 'setting'
    db.create_tables([Setting])

    class StockMovement(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        product = ForeignKeyField(Product)
        kind = CharField(max_length=16)
        quantity = BigIntegerField()
        stock_after = BigIntegerField()
        unit_cost = BigIntegerField(default=0)
        reason = CharField(max_length=32, default='')
        note = TextField(default='')
        sale = ForeignKeyField(Sale, null=True)
        purchase = ForeignKeyField(Purchase, null=True)
        batch = ForeignKeyField(Batch, null=True)
        user = ForeignKeyField(User)
        terminal = CharField(max_length=32, default='')
        class Meta:
            database = db
            table_name = 'stock_movement'
    db.create_tables([StockMovement])

    class SupplierEntry(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        supplier = ForeignKeyField(Supplier)
        kind = CharField(max_length=16)
        amount = BigIntegerField()
        balance_after = BigIntegerField()
        purchase = ForeignKeyField(Purchase, null=True)
        method = CharField(max_length=24, default='')
        reference = CharField(max_length=64, default='')
        user = ForeignKeyField(User)
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'supplier_entry'
    db.create_tables([SupplierEntry])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('supplier_entry'))
    migrator.migrate(migrator.drop_table('stock_movement'))
    migrator.migrate(migrator.drop_table('setting'))
    migrator.migrate(migrator.drop_table('sale_line'))
    migrator.migrate(migrator.drop_table('product_extra_barcode'))
    migrator.migrate(migrator.drop_table('loyalty_entry'))
    migrator.migrate(migrator.drop_table('held_sale'))
    migrator.migrate(migrator.drop_table('credit_entry'))
    migrator.migrate(migrator.drop_table('payment'))
    migrator.migrate(migrator.drop_table('sale'))
    migrator.migrate(migrator.drop_table('customer'))
    migrator.migrate(migrator.drop_table('counter'))
    migrator.migrate(migrator.drop_table('cash_movement'))
    migrator.migrate(migrator.drop_table('shift'))
    migrator.migrate(migrator.drop_table('batch'))
    migrator.migrate(migrator.drop_table('purchase_line'))
    migrator.migrate(migrator.drop_table('purchase'))
    migrator.migrate(migrator.drop_table('supplier'))
    migrator.migrate(migrator.drop_table('product'))
    migrator.migrate(migrator.drop_table('tax_rate'))
    migrator.migrate(migrator.drop_table('category'))
    migrator.migrate(migrator.drop_table('audit_event'))
    migrator.migrate(migrator.drop_table('app_user'))
