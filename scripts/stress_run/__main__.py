"""posterm under load, crashes, printer faults and outages: runs each scenario on each
database, prints a summary table, and exits 1 when anything broke (an invariant, or an error
no rule explains).

    scripts/stress [--short] [--db sqlite|postgresql ...] [--only SCENARIO ...]
        [--seconds S] [--tills-pg N] [--tills-sqlite N] [--kills N] [--prints N]
        [--outages N] [--pg URL] [--seed N] [--json PATH]

Scenarios: concurrency (tills in parallel processes), crash (kill -9 of a till in a checkout
loop, then restart and check), printer (faults of the fake network printer during
checkouts), outage (PostgreSQL only: a private server stopped and started again under a
till, which must carry on by itself). PostgreSQL runs in a schema of its own, created and
dropped here, on the server named by --pg or POSTERM_TEST_PG (default
postgresql://postgres@127.0.0.1:5432/test).
The outage scenario needs initdb and pg_ctl (it never touches the --pg server).
Everything is bounded: each scenario runs for a set time or a set count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from . import concurrency, crash, outage, printer_faults, stores
from .results import ScenarioResult, format_findings, format_table

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
SCENARIOS = ("concurrency", "crash", "printer", "outage")
DATABASES = ("sqlite", "postgresql")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/stress",
        description="posterm under concurrent tills, kill -9 and printer faults.",
    )
    parser.add_argument(
        "--short", action="store_true", help="the quick version CI runs (seconds, not minutes)"
    )
    parser.add_argument("--db", action="append", choices=DATABASES, help="default: both")
    parser.add_argument("--only", action="append", choices=SCENARIOS, help="default: all")
    parser.add_argument(
        "--seconds", type=_seconds, metavar="S", help="concurrency: seconds (60; short 2)"
    )
    parser.add_argument(
        "--tills-pg", type=_positive, default=8, metavar="N", help="tills on PostgreSQL (8)"
    )
    parser.add_argument(
        "--tills-sqlite", type=_positive, default=4, metavar="N", help="tills on SQLite (4)"
    )
    parser.add_argument(
        "--kills", type=_positive, metavar="N", help="crash: kill -9s per database (120; short 8)"
    )
    parser.add_argument(
        "--prints", type=_positive, metavar="N", help="printer: sales per database (70; short 7)"
    )
    parser.add_argument(
        "--outages",
        type=_positive,
        metavar="N",
        help="outage: server stops and starts (5; short 2)",
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("POSTERM_TEST_PG") or DEFAULT_PG,
        metavar="URL",
        help=f"PostgreSQL server for the schemas (POSTERM_TEST_PG, else {DEFAULT_PG})",
    )
    parser.add_argument("--seed", type=int, help="random seed (default: from the clock)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (2 if args.short else 60)
    kills = args.kills if args.kills is not None else (8 if args.short else 120)
    prints = args.prints if args.prints is not None else (7 if args.short else 70)
    outages = args.outages if args.outages is not None else (2 if args.short else 5)
    down_seconds = (0.5, 1.0) if args.short else (1.0, 4.0)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    databases = args.db or list(DATABASES)
    scenarios = args.only or list(SCENARIOS)
    print(f"posterm stress: seed {seed}", file=sys.stderr, flush=True)

    results: list[ScenarioResult] = []
    with tempfile.TemporaryDirectory(prefix="posterm-stress-work-") as work:
        for database in databases:
            for scenario in scenarios:
                if scenario == "outage":
                    if database != "postgresql":
                        continue  # a SQLite file has no server to lose
                    if not outage.available():
                        _progress("outage on postgresql: skipped (initdb, pg_ctl not installed)")
                        continue
                    _progress("outage on postgresql (a private server)…")
                    results.append(outage.run(outages, seed, down_seconds))
                    _report(results[-1])
                    continue
                _progress(f"{scenario} on {database}…")
                with _store(database, args.pg, scenario) as url:
                    tmp = Path(work) / f"{database}-{scenario}"
                    tmp.mkdir()
                    if scenario == "concurrency":
                        tills = args.tills_pg if database == "postgresql" else args.tills_sqlite
                        result = concurrency.run(url, database, tills, seconds, seed, tmp)
                    elif scenario == "crash":
                        result = crash.run(url, database, kills, seed, tmp)
                    else:
                        result = printer_faults.run(url, database, prints, seed)
                results.append(result)
                _report(result)
    print(format_table(results))
    print()
    print(format_findings(results))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"seed": seed, "results": [r.as_json() for r in results]}, indent=2, default=str
            )
        )
    return 1 if any(r.failed for r in results) else 0


@contextlib.contextmanager
def _store(database: str, pg_url: str, scenario: str):
    if database == "sqlite":
        with stores.sqlite_store() as url:
            yield url
    else:
        with stores.postgres_store(pg_url, scenario) as url:
            yield url


def _report(result: ScenarioResult) -> None:
    _progress(
        f"  {result.operations} operations, {result.faults} faults, "
        f"{len(result.errors)} errors, {len(result.violations)} violations "
        f"({result.seconds:.1f} s)"
    )


def _progress(text: str) -> None:
    # Progress goes to stderr so stdout holds only the table and the findings.
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
