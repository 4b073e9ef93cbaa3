"""Reports over a date range read only the rows of the range, at two years of a busy shop.

Each report cuts its rows by `created_at` (the local days of the range, in UTC): an index on
it lets a month's report find that month's documents, payments, stock movements and cash
movements instead of reading every row of the two years; the sale lines of those documents
are then found through `sale_line.sale_id`.
"""

TABLES = ("sale", "payment", "stock_movement", "cash_movement")


def up(migrator, db):
    migrator.migrate(*(migrator.add_index(table, ("created_at",), False) for table in TABLES))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_index(table, f"{table}_created_at") for table in TABLES))
