"""Backup and restore: a demo store comes back row for row, on either kind of database."""

from __future__ import annotations

import gzip
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator

import pytest

from posterm.data.models import ALL_MODELS, Sale
from posterm.domain.errors import Conflict, ValidationError
from posterm.domain.permissions import command_line_actor
from posterm.services import backup, system
from posterm.services.demo import build_demo
from tests.conftest import doctor_problems

CLI = command_line_actor("tester", "till-1")


def every_row() -> dict[str, list[list]]:
    return {m._meta.table_name: sorted(map(str, backup._orm_rows(m))) for m in ALL_MODELS}


def row_total() -> int:
    return sum(model.select().count() for model in ALL_MODELS)


def truncate_all() -> None:
    tables = ", ".join(f'"{model._meta.table_name}"' for model in ALL_MODELS)
    system.current_database().execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def empty_postgres(db_url) -> Iterator[Callable[[], str]]:
    """Opens an empty PostgreSQL store: the test's own emptied (same schema, for pg_dump files)
    when the test runs on PostgreSQL, else a schema of its own, dropped afterwards."""
    server = os.environ.get("POSTERM_TEST_PG", "")
    own_schema = f"posterm_backup_{os.getpid()}_{secrets.token_hex(3)}"
    created = []

    def open_it() -> str:
        system.close()
        if db_url.startswith("postgres"):
            system.open_store(db_url)
            truncate_all()
            return db_url
        if not server:
            if os.environ.get("POSTERM_REQUIRE_PG") == "1":
                pytest.fail("POSTERM_REQUIRE_PG=1 but POSTERM_TEST_PG is not set")
            pytest.skip("PostgreSQL not configured (set POSTERM_TEST_PG)")
        if not created:
            system.open_store(server, upgrade_schema=False)
            system.current_database().execute_sql(f"CREATE SCHEMA {own_schema}")
            system.close()
            created.append(own_schema)
        separator = "&" if "?" in server else "?"
        url = f"{server}{separator}options=-csearch_path%3D{own_schema}"
        system.open_store(url)
        truncate_all()
        return url

    yield open_it
    if created:
        system.close()
        system.open_store(server, upgrade_schema=False)
        system.current_database().execute_sql(f"DROP SCHEMA {own_schema} CASCADE")
        system.close()


@pytest.fixture
def open_empty(tmp_path, empty_postgres) -> Callable[[str], str]:
    def open_it(kind: str) -> str:
        if kind == "postgresql":
            return empty_postgres()
        system.close()
        url = f"sqlite:///{tmp_path / f'target-{secrets.token_hex(3)}.db'}"
        system.open_store(url)
        return url

    return open_it


@pytest.fixture
def demo_store(db_url, cli_actor) -> str:
    build_demo(cli_actor, days=2)
    return db_url


@pytest.mark.parametrize("portable", [False, True], ids=["native", "portable"])
def test_a_demo_store_restores_row_for_row_into_both_kinds(
    demo_store, tmp_path, portable, open_empty
):
    steps: list[tuple[str, int]] = []
    made = backup.backup(
        actor=CLI,
        path=tmp_path / "shop.backup",
        portable=portable,
        url=demo_store,
        progress=lambda table, rows, *_: steps.append((table, rows)),
    )
    before = every_row()
    assert made.rows == sum(len(rows) for rows in before.values()) > 1000
    assert [table for table, _ in steps] == [m._meta.table_name for m in ALL_MODELS]
    postgres_source = demo_store.startswith("postgres")
    assert made.format == ("portable" if portable else ("pg_dump" if postgres_source else "sqlite"))

    targets = ["sqlite", "postgresql"]
    if made.format == "pg_dump":
        targets = ["postgresql"]
    for kind in targets:
        url = open_empty(kind)
        restored = backup.restore(actor=CLI, path=made.path, url=url)
        assert every_row() == before, kind
        assert {t.table: t.rows for t in restored.tables} == {t.table: t.rows for t in made.tables}
        assert doctor_problems() == []
        assert Sale.select().count() > 0


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # a pg_dump needs PostgreSQL
def test_a_pg_dump_backup_is_refused_by_sqlite_with_nothing_written(
    db_url, cli_actor, tmp_path, open_empty
):
    if not shutil.which("pg_dump"):
        pytest.skip("needs pg_dump (installed with PostgreSQL's client)")
    build_demo(cli_actor, days=1)
    made = backup.backup(actor=CLI, path=tmp_path / "shop.pgdump", url=db_url)
    open_empty("sqlite")
    with pytest.raises(ValidationError, match="restore it into PostgreSQL"):
        backup.restore(actor=CLI, path=made.path)
    assert row_total() == 0


@pytest.mark.parametrize("portable", [False, True], ids=["native", "portable"])
def test_a_database_holding_data_is_refused_and_keeps_its_rows(demo_store, tmp_path, portable):
    made = backup.backup(
        actor=CLI, path=tmp_path / "shop.backup", portable=portable, url=demo_store
    )
    before = every_row()
    with pytest.raises(Conflict, match="already holds data"):
        backup.restore(actor=CLI, path=made.path, url=demo_store)
    assert every_row() == before


@pytest.mark.parametrize("portable", [False, True], ids=["native", "portable"])
def test_a_truncated_backup_is_refused_with_nothing_written(
    demo_store, tmp_path, portable, open_empty
):
    made = backup.backup(
        actor=CLI, path=tmp_path / "shop.backup", portable=portable, url=demo_store
    )
    cut = tmp_path / "cut.backup"
    data = made.path.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    kinds = ["postgresql"] if made.format == "pg_dump" else ["sqlite", "postgresql"]
    for kind in kinds:
        url = open_empty(kind)
        with pytest.raises(ValidationError) as refused:
            backup.restore(actor=CLI, path=cut, url=url)
        assert "\n" not in str(refused.value) and "backup" in str(refused.value)
        assert row_total() == 0


def test_a_changed_row_fails_the_checksum_and_nothing_is_written(demo_store, tmp_path, open_empty):
    made = backup.backup(actor=CLI, path=tmp_path / "shop.jsonl.gz", portable=True, url=demo_store)
    lines = gzip.decompress(made.path.read_bytes()).decode().splitlines()
    table, columns = None, []
    for index, line in enumerate(lines):
        item = json.loads(line)
        if isinstance(item, dict):
            table, columns = item.get("table"), item.get("columns", [])
        elif table == "sale":  # one sale's total off by the smallest stored unit
            item[columns.index("total")] += 1
            lines[index] = json.dumps(item)
            break
    tampered = tmp_path / "tampered.jsonl.gz"
    tampered.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    open_empty("sqlite")
    with pytest.raises(ValidationError, match=r"table sale: .* the backup recorded"):
        backup.restore(actor=CLI, path=tampered)
    assert row_total() == 0


def test_a_file_that_is_no_backup_is_refused(db_url, tmp_path):
    stray = tmp_path / "notes.txt"
    stray.write_text("not a backup\n")
    with pytest.raises(ValidationError, match="is not a posterm backup"):
        backup.restore(actor=CLI, path=stray, url=db_url)
    assert row_total() == 0
