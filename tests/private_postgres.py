"""A throwaway PostgreSQL server of the test's own, to stop and start at will (issue 8).

The shared server (POSTERM_TEST_PG) serves every helper and CI job at once and must never be
stopped; outage tests run `initdb` into a temporary directory and drive that cluster with
`pg_ctl`, listening on 127.0.0.1 at a free port. Run as root, the server runs as the
`postgres` user (PostgreSQL refuses to run as root).

Skipped, with the reason, only when the server binaries are not installed; when they are,
any failure to set the cluster up fails the test, POSTERM_REQUIRE_PG=1 or not.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from posterm.services import system

# The cluster itself is the stress script's (scripts/stress_run/private_pg.py), shared so the
# outage scenario and these tests drive the server the same way.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from stress_run.private_pg import PrivatePostgres, server_bin_dir

__all__ = ["PrivatePostgres", "outage_db_url", "private_postgres", "server_bin_dir"]


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running throwaway PostgreSQL server for this module's tests (never 127.0.0.1:5432)."""
    bin_dir = server_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        system.close()
        cluster.destroy()


@pytest.fixture
def outage_db_url(private_postgres: PrivatePostgres) -> Iterator[str]:
    """A freshly migrated, empty store on the private server, which is running at the start
    of each test whatever the last one left it in."""
    if not private_postgres.running:
        private_postgres.start()
    system.open_store(private_postgres.url, upgrade_schema=False)
    from posterm.data.models import database

    database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
    database.execute_sql("CREATE SCHEMA public")
    system.close()
    system.open_store(private_postgres.url)
    yield private_postgres.url
    if not private_postgres.running:
        private_postgres.start()
    system.close()
