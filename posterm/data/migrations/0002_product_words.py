"""Product search by the start of any word, through an index, on both databases.

- `product_word` holds each word of every active product's search_name, with the search_name
  itself, keyed (word, sort_name, product_id): a search reads one range of that key, already in
  name order. Triggers on `product` keep it, whoever writes products (services, imports, the
  demo, bulk inserts), and the rows of existing products are filled in here.
- On PostgreSQL the search columns compare in the "C" collation (code point order, as SQLite's
  binary one), so `search_name >= 'ab' AND search_name < 'ac'` is exactly "starts with ab" and
  uses the index whatever locale the server was created with.

Words are split at spaces and at ( ) [ ] , / - + & ' " (posterm.domain.products.WORD_SEPARATORS,
copied here so this migration never changes).
"""

from peewee import CharField, CompositeKey, ForeignKeyField, Model, PostgresqlDatabase

SEPARATORS = "()[],/-+&'\""


def _sql_text(text):
    return "'" + text.replace("'", "''") + "'"


def _sqlite_split(column):
    """SQL: the words of `column` as a json_each() source (SQLite has no split function)."""
    expression = column
    for separator in SEPARATORS:
        expression = f"replace({expression}, {_sql_text(separator)}, ' ')"
    return f"json_each('[' || replace(json_quote({expression}), ' ', '\",\"') || ']')"


def _postgres_split(column):
    spaces = " " * len(SEPARATORS)
    return (
        f"unnest(string_to_array(translate({column}, {_sql_text(SEPARATORS)}, "
        f"{_sql_text(spaces)}), ' '))"
    )


def up(migrator, db):
    postgres = isinstance(db, PostgresqlDatabase)

    class Product(Model):
        class Meta:
            database = db
            table_name = 'product'

    class ProductWord(Model):
        word = CharField(max_length=160)
        sort_name = CharField(max_length=160)
        product = ForeignKeyField(Product, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'product_word'
            primary_key = CompositeKey('word', 'sort_name', 'product')
            without_rowid = not postgres
    db.create_tables([ProductWord], safe=False)

    if postgres:
        _postgres(db)
    else:
        _sqlite(db)


def _sqlite(db):
    words = _sqlite_split("NEW.search_name")
    insert = (
        "INSERT OR IGNORE INTO product_word (word, sort_name, product_id) "
        f"SELECT j.value, NEW.search_name, NEW.id FROM {words} AS j "
        "WHERE j.value <> '' AND NEW.status = 'active';"
    )
    db.execute_sql(
        "CREATE TRIGGER product_word_insert AFTER INSERT ON product "
        f"BEGIN {insert} END"
    )
    db.execute_sql(
        "CREATE TRIGGER product_word_update AFTER UPDATE OF search_name, status ON product "
        "WHEN OLD.search_name IS NOT NEW.search_name OR OLD.status IS NOT NEW.status "
        f"BEGIN DELETE FROM product_word WHERE product_id = OLD.id; {insert} END"
    )
    existing = _sqlite_split("p.search_name")
    db.execute_sql(
        "INSERT OR IGNORE INTO product_word (word, sort_name, product_id) "
        f"SELECT j.value, p.search_name, p.id FROM product AS p, {existing} AS j "
        "WHERE j.value <> '' AND p.status = 'active'"
    )


def _postgres(db):
    for table, column in (
        ("product", "search_name"),
        ("customer", "search_name"),
        ("product_word", "word"),
        ("product_word", "sort_name"),
    ):
        db.execute_sql(
            f'ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR(160) COLLATE "C"'
        )
    words = _postgres_split("NEW.search_name")
    db.execute_sql(
        "CREATE FUNCTION product_word_sync() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF TG_OP = 'UPDATE' THEN\n"
        "    DELETE FROM product_word WHERE product_id = OLD.id;\n"
        "  END IF;\n"
        "  IF NEW.status = 'active' THEN\n"
        "    INSERT INTO product_word (word, sort_name, product_id)\n"
        f"    SELECT DISTINCT w, NEW.search_name, NEW.id FROM {words} AS w WHERE w <> ''\n"
        "    ON CONFLICT DO NOTHING;\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END\n"
        "$$"
    )
    db.execute_sql(
        "CREATE TRIGGER product_word_insert AFTER INSERT ON product "
        "FOR EACH ROW EXECUTE FUNCTION product_word_sync()"
    )
    db.execute_sql(
        "CREATE TRIGGER product_word_update AFTER UPDATE OF search_name, status ON product "
        "FOR EACH ROW WHEN (OLD.search_name IS DISTINCT FROM NEW.search_name "
        "OR OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION product_word_sync()"
    )
    existing = _postgres_split("p.search_name")
    db.execute_sql(
        "INSERT INTO product_word (word, sort_name, product_id) "
        f"SELECT DISTINCT w, p.search_name, p.id FROM product AS p, {existing} AS w "
        "WHERE w <> '' AND p.status = 'active'"
    )


def down(migrator, db):
    postgres = isinstance(db, PostgresqlDatabase)
    for trigger in ("product_word_update", "product_word_insert"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON product" if postgres else ""))
    if postgres:
        db.execute_sql("DROP FUNCTION IF EXISTS product_word_sync()")
    migrator.migrate(migrator.drop_table("product_word"))
