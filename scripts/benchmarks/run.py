"""Runs posterm's benchmarks and prints each figure as a ratio to a floor measured in the same run.

Absolute times depend on the machine, so nothing here asserts one: every benchmark times posterm
and a floor (the least any program could do for the same job) back to back, and reports the
ratio next to its target. A missed target is printed as MISSED but the exit code stays 0, since
this is a report, not a test. `scripts/bench` runs this file inside the project's .venv.

A benchmark is a function taking the number of runs and returning a dict of figures (written as
is under its name by --json), plus a function turning that dict into table rows; add both to
BENCHMARKS to plug in a new one (scan-to-line, search, checkout, import, ...).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from billing import billing_rows, run_billing
from catalog import catalog_rows, run_catalog
from credit import credit_rows, run_credit
from csv_import import csv_import_rows, run_csv_import
from reports import reports_rows, run_reports
from startup import BenchmarkError, run_startup, startup_rows
from stock import run_stock, stock_rows

Figures = dict[str, Any]
Row = tuple[str, str, str, str, str]  # measure, posterm, floor, ratio, target


@dataclass(frozen=True)
class Benchmark:
    floor: str  # what posterm is compared with, for the heading
    run: Callable[[int, Callable[[str], None]], Figures]
    rows: Callable[[Mapping[str, Any]], list[Row]]


BENCHMARKS: dict[str, Benchmark] = {
    "startup": Benchmark(
        floor="a bare Textual app (Header, Input, DataTable, Footer)",
        run=run_startup,
        rows=startup_rows,
    ),
    "billing": Benchmark(
        floor="raw SQL on the same database; a bare Textual app (Input, DataTable)",
        run=run_billing,
        rows=billing_rows,
    ),
    "catalog": Benchmark(
        floor="raw SQL on the same connection (barcode = ?; a prefix range of search_name)",
        run=run_catalog,
        rows=catalog_rows,
    ),
    "import": Benchmark(
        floor="raw SQL bulk insert of the same products and opening movements",
        run=run_csv_import,
        rows=csv_import_rows,
    ),
    "credit": Benchmark(
        floor="raw SQL: the payment's writes in one transaction; one page of customers",
        run=run_credit,
        rows=credit_rows,
    ),
    "stock": Benchmark(
        floor="raw SQL on the same connection (a keyset page of the sort; a search_name range)",
        run=run_stock,
        rows=stock_rows,
    ),
    "reports": Benchmark(
        floor="hand-written SQL doing each report's work on the same connection, same rows",
        run=run_reports,
        rows=reports_rows,
    ),
}

HEADINGS: Row = ("measure", "posterm", "floor", "ratio", "target")


def _progress(text: str) -> None:
    # Progress goes to stderr so stdout holds only the table.
    print(f"  {text}", file=sys.stderr, flush=True)


def format_table(rows: Sequence[Row]) -> str:
    """A plain-text table: text columns left-aligned, figures right-aligned."""
    widths = [max(len(row[i]) for row in [HEADINGS, *rows]) for i in range(len(HEADINGS))]
    lines = []
    for row in [HEADINGS, *rows]:
        cells = [
            cell.ljust(width) if i in (0, 4) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="posterm's performance figures, as ratios to a floor measured in the same run.",
    )
    parser.add_argument(
        "--runs",
        type=_positive,
        default=7,
        metavar="N",
        help="timed runs of each program after one warm-up (default 7)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(BENCHMARKS),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    names = [name for name in BENCHMARKS if not args.only or name in args.only]
    results: dict[str, Figures] = {}
    for name in names:
        benchmark = BENCHMARKS[name]
        print(f"{name}: {args.runs} runs, floor: {benchmark.floor}", file=sys.stderr, flush=True)
        try:
            results[name] = benchmark.run(args.runs, _progress)
        except BenchmarkError as exc:
            print(f"bench: {name}: {exc}", file=sys.stderr)
            return 1
        print(f"\n{name} (floor: {benchmark.floor}; {args.runs} runs)")
        print(format_table(benchmark.rows(results[name])))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
