"""The stock screen's product list sorted by stock or by price, a page at a time at 300k.

Each sort reads its index in order and stops at the page (keyset pagination continues after
the last (value, id) shown), instead of sorting the whole table for every page. Sorting by
name already has the search_name index.
"""


def up(migrator, db):
    migrator.migrate(
        migrator.add_index("product", ("stock", "id"), False),
        migrator.add_index("product", ("price", "id"), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("product", "product_stock_id"),
        migrator.drop_index("product", "product_price_id"),
    )
