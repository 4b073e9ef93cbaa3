"""Stock counts (physical inventory) kept in the database while they are in progress.

A count is typed in over minutes or hours; keeping each entered quantity in a row means a
crash or a closed terminal loses nothing. Posting a count writes one stock movement (kind
`count`) per difference, each pointing back at its count through `stock_movement.stock_count`.
"""

from peewee import BigIntegerField, CharField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "app_user"

    class Category(Model):
        class Meta:
            database = db
            table_name = "category"

    class Product(Model):
        class Meta:
            database = db
            table_name = "product"

    class StockCount(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        title = CharField(max_length=80)
        status = CharField(max_length=16, default="open", index=True)
        category = ForeignKeyField(Category, null=True)
        user = ForeignKeyField(User)
        posted_at = DateTimeField(null=True)
        posted_by = ForeignKeyField(User, null=True)
        note = TextField(default="")

        class Meta:
            database = db
            table_name = "stock_count"

    class StockCountLine(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        count = ForeignKeyField(StockCount)
        product = ForeignKeyField(Product)
        counted = BigIntegerField(null=True)

        class Meta:
            database = db
            table_name = "stock_count_line"
            indexes = ((("count", "product"), True),)

    db.create_tables([StockCount, StockCountLine])
    migrator.migrate(
        migrator.add_column(
            "stock_movement",
            "stock_count_id",
            ForeignKeyField(StockCount, null=True, field=StockCount.id),
        )
    )


def down(migrator, db):
    # SQLite refuses to drop an indexed column: the index goes first.
    migrator.migrate(migrator.drop_index("stock_movement", "stock_movement_stock_count_id"))
    migrator.migrate(migrator.drop_column("stock_movement", "stock_count_id"))
    migrator.migrate(migrator.drop_table("stock_count_line"))
    migrator.migrate(migrator.drop_table("stock_count"))
