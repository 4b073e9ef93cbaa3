"""Persistence: peewee tables, the database binding, migrations and the schema version."""
