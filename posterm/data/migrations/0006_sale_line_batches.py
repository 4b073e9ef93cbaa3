"""FIFO cost of goods: `sale_line_batch` records which batches each sale line drew from.

A return or void puts its quantity back into the same batches and records that here too
(negative quantities, like its lines), so its cost is the cost the sale took.
"""

from peewee import BigIntegerField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class SaleLine(Model):
        class Meta:
            database = db
            table_name = "sale_line"

    class Batch(Model):
        class Meta:
            database = db
            table_name = "batch"

    class SaleLineBatch(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        sale_line = ForeignKeyField(SaleLine)
        batch = ForeignKeyField(Batch, null=True)
        quantity = BigIntegerField()
        unit_cost = BigIntegerField()
        cost_total = BigIntegerField()

        class Meta:
            database = db
            table_name = "sale_line_batch"

    db.create_tables([SaleLineBatch], safe=False)


def down(migrator, db):
    migrator.migrate(migrator.drop_table("sale_line_batch"))
