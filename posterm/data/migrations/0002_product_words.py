"""Product search by the start of any word, through an index, on both databases.

- `product_word` holds each word of every active product's search_name, with the search_name
  itself, keyed (word, sort_name, product_id): a search reads one range of that key. Triggers
  on `product` keep it, whoever writes products (services, imports, the demo, bulk inserts),
  and the rows of existing products are filled in here. It has no foreign key and no other
  index (each would cost as much again as the table, ~100 MB at 300k products).
- On PostgreSQL the search columns compare in the "C" collation (code point order, as SQLite's
  binary one), so `search_name >= 'ab' AND search_name < 'ac'` is exactly "starts with ab" and
  uses the index whatever locale the server was created with.

Words are split at spaces and at ( ) [ ] , / - + & ' " (posterm.domain.products.WORD_SEPARATORS,
copied here so this migration never changes).
"""

from peewee import CharField, CompositeKey, IntegerField, Model, PostgresqlDatabase

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

    class ProductWord(Model):
        word = CharField(max_length=160)
        sort_name = CharField(max_length=160)
        # No foreign key: its check (and an index for it) would cost a scan or 100 MB at 300k
        # products; the triggers keep the rows, the delete trigger included.
        product_id = IntegerField()

        class Meta:
            database = db
            table_name = "product_word"
            primary_key = CompositeKey("word", "sort_name", "product_id")
            without_rowid = not postgres

    db.create_tables([ProductWord], safe=False)
    if postgres:
        _postgres(db)
    else:
        _sqlite(db)


def _sqlite(db):
    new_words = _sqlite_split("NEW.search_name")
    insert = (
        "INSERT OR IGNORE INTO product_word (word, sort_name, product_id) "
        f"SELECT j.value, NEW.search_name, NEW.id FROM {new_words} AS j "
        "WHERE j.value <> '' AND NEW.status = 'active';"
    )
    # Deleted by primary key, the old words being known: no index on product_id is needed.
    delete = (
        "DELETE FROM product_word WHERE product_id = OLD.id AND sort_name = OLD.search_name "
        f"AND word IN (SELECT j.value FROM {_sqlite_split('OLD.search_name')} AS j);"
    )
    db.execute_sql(f"CREATE TRIGGER product_word_insert AFTER INSERT ON product BEGIN {insert} END")
    db.execute_sql(
        "CREATE TRIGGER product_word_update AFTER UPDATE OF search_name, status ON product "
        "WHEN OLD.search_name IS NOT NEW.search_name OR OLD.status IS NOT NEW.status "
        f"BEGIN {delete} {insert} END"
    )
    db.execute_sql(f"CREATE TRIGGER product_word_delete AFTER DELETE ON product BEGIN {delete} END")
    db.execute_sql(
        "INSERT OR IGNORE INTO product_word (word, sort_name, product_id) "
        f"SELECT j.value, p.search_name, p.id FROM product AS p, {_sqlite_split('p.search_name')} "
        "AS j WHERE j.value <> '' AND p.status = 'active'"
    )


def _postgres(db):
    for table, column in (
        ("product", "search_name"),
        ("customer", "search_name"),
        ("product_word", "word"),
        ("product_word", "sort_name"),
    ):
        db.execute_sql(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR(160) COLLATE "C"')
    db.execute_sql(
        "CREATE FUNCTION product_word_sync() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  IF TG_OP <> 'INSERT' THEN\n"
        "    DELETE FROM product_word\n"
        "    WHERE product_id = OLD.id AND sort_name = OLD.search_name\n"
        f"      AND word IN (SELECT w FROM {_postgres_split('OLD.search_name')} AS w);\n"
        "  END IF;\n"
        "  IF TG_OP <> 'DELETE' AND NEW.status = 'active' THEN\n"
        "    INSERT INTO product_word (word, sort_name, product_id)\n"
        "    SELECT DISTINCT w, NEW.search_name, NEW.id\n"
        f"    FROM {_postgres_split('NEW.search_name')} AS w WHERE w <> ''\n"
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
    db.execute_sql(
        "CREATE TRIGGER product_word_delete AFTER DELETE ON product "
        "FOR EACH ROW EXECUTE FUNCTION product_word_sync()"
    )
    db.execute_sql(
        "INSERT INTO product_word (word, sort_name, product_id) "
        f"SELECT DISTINCT w, p.search_name, p.id FROM product AS p, "
        f"{_postgres_split('p.search_name')} AS w WHERE w <> '' AND p.status = 'active'"
    )


def down(migrator, db):
    postgres = isinstance(db, PostgresqlDatabase)
    for trigger in ("product_word_update", "product_word_insert", "product_word_delete"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON product" if postgres else ""))
    if postgres:
        db.execute_sql("DROP FUNCTION IF EXISTS product_word_sync()")
    migrator.migrate(migrator.drop_table("product_word"))
