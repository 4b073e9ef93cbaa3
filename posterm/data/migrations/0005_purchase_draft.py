"""The goods being received on each till, saved as they are typed (a draft purchase).

One row per till, written on every change and deleted in the purchase's own transaction, so
closing the app (or a dropped SSH link) mid-entry loses nothing and a posted purchase never
comes back as a draft.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField, UUIDField


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "app_user"

    class PurchaseDraft(Model):
        created_at = DateTimeField()
        updated_at = DateTimeField()
        uuid = UUIDField(unique=True)
        terminal = CharField(unique=True, max_length=32)
        user = ForeignKeyField(User)
        draft = TextField()

        class Meta:
            database = db
            table_name = "purchase_draft"

    db.create_tables([PurchaseDraft], safe=False)


def down(migrator, db):
    migrator.migrate(migrator.drop_table("purchase_draft"))
