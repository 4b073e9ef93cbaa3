"""Reports benchmark: every report and the dashboard over a busy shop's two years.

The store is the shop_history generator's (about 250,000 documents and 2,000,000 sale lines
over 730 days, ending today), built once per generator version and cached (shop_store): on
SQLite always, and on PostgreSQL too when POSTERM_TEST_PG names a server.

For every report of `posterm.services.reports.REPORTS`, over the last full calendar month and
over the last 365 days, `reports.run_report` (what the reports screen and `posterm report`
call) is timed against its floor in report_floors: hand-written SQL doing the same work on
the same connection, turned into the same rows. One warm-up call of each, whose results are
compared row by row (a difference stops the benchmark, so the floor is known to do the
whole job), then `runs` timed calls of each, alternating (3 at most when a call takes over a
second), medians compared. The dashboard (`reports.dashboard` of the data's last day)
is timed the same way against the floor's queries for its figures. Target: <= 1.5x.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from report_floors import Floors
from shop_store import postgres_shop, sqlite_shop
from startup import BenchmarkError

from posterm.data.database import is_postgres
from posterm.data.fields import utc_now
from posterm.data.models import Sale, database
from posterm.domain.permissions import command_line_actor
from posterm.services import reports, stock, system
from posterm.services.settings import load_settings

TARGET = 1.5
SLOW_SECONDS = 1.0  # a call slower than this is timed 3 times at most
Figures = dict[str, Any]
Row = tuple[str, str, str, str, str]


def _ranges(last_day: date) -> list[tuple[str, date, date]]:
    month_end = last_day.replace(day=1) - timedelta(days=1)
    return [
        ("month", month_end.replace(day=1), month_end),
        ("year", last_day - timedelta(days=364), last_day),
    ]


def _same(cell_a: Any, cell_b: Any) -> bool:
    if isinstance(cell_a, (Decimal, int)) and isinstance(cell_b, (Decimal, int)):
        return Decimal(cell_a) == Decimal(cell_b)
    return cell_a == cell_b


def _agree(what: str, ours: Sequence[Sequence[Any]], floor: Sequence[Sequence[Any]]) -> None:
    if len(ours) != len(floor):
        raise BenchmarkError(f"{what}: posterm gave {len(ours)} rows, the floor {len(floor)}")
    for mine, least in zip(ours, floor, strict=True):
        if len(mine) != len(least) or not all(map(_same, mine, least)):
            raise BenchmarkError(f"{what}: posterm's row {tuple(mine)} but the floor's {least}")


def _dashboard_agree(ours: reports.Dashboard, floor: Mapping[str, Any]) -> None:
    mine = asdict(ours)
    for key, value in floor.items():
        left, right = mine[key], value
        if isinstance(right, tuple):
            _agree(f"dashboard {key}", [_flat(x) for x in left], [_flat(x) for x in right])
        elif not _same(left, right):
            raise BenchmarkError(f"dashboard {key}: posterm {left}, the floor {right}")


def _flat(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _time(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _warm(ours: Callable[[], Any], floor: Callable[[], Any]) -> tuple[Any, Any, float]:
    """One call of each (the warm-up, whose results are compared): results, slower time."""
    started = time.perf_counter()
    mine = ours()
    middle = time.perf_counter()
    least = floor()
    return mine, least, max(middle - started, time.perf_counter() - middle)


def _measure(runs: int, ours: Callable[[], Any], floor: Callable[[], Any], warm: float) -> Figures:
    mine: list[float] = []
    least: list[float] = []
    count = runs if warm < SLOW_SECONDS else min(runs, 3)
    for index in range(count):
        pair = [(mine, ours), (least, floor)]
        for times, call in pair if index % 2 == 0 else reversed(pair):
            times.append(_time(call))
    posterm, lowest = statistics.median(mine), statistics.median(least)
    ratio = round(posterm / lowest, 2) if lowest > 0 else float("inf")
    return {
        "posterm_ms": round(posterm, 2),
        "floor_ms": round(lowest, 2),
        "ratio": ratio,
        "runs": count,
        "met": ratio <= TARGET,
    }


def _last_day(zone: ZoneInfo) -> date:
    latest = Sale.select(Sale.created_at).order_by(Sale.created_at.desc()).first()
    if latest is None:
        raise BenchmarkError("the shop's store holds no sales")
    return latest.created_at.astimezone(zone).date()


def bench_database(url: str, runs: int, progress: Callable[[str], None]) -> Figures:
    system.open_store(url)
    try:
        kind = "PostgreSQL" if is_postgres() else "SQLite"
        zone = ZoneInfo(load_settings().timezone)
        actor = command_line_actor("bench", "bench-till")
        last_day = _last_day(zone)
        # Reorder sums what sold in the last days up to now: one pinned "now" for posterm and
        # the floor, or a sale falling out of the window between their calls would differ.
        now = utc_now()
        stock.utc_now = lambda: now
        floors = Floors(database.connection(), is_postgres(), zone, now)
        results: Figures = {"last_day": last_day.isoformat(), "reports": {}}
        for name in reports.REPORTS:
            for label, first, last in _ranges(last_day):
                progress(f"reports: {kind}: {name} over the {label}")

                def ours(name=name, first=first, last=last) -> Any:
                    return reports.run_report(actor, name, first, last)

                def floor(name=name, first=first, last=last) -> Any:
                    with database.atomic():  # one snapshot, as run_report takes
                        return floors.report(name)(first, last)

                report, rows, warm = _warm(ours, floor)
                _agree(f"{kind} {name} ({label})", report.rows, rows)
                results["reports"][f"{name} ({label})"] = _measure(runs, ours, floor, warm)
        progress(f"reports: {kind}: dashboard")

        def dashboard() -> reports.Dashboard:
            return reports.dashboard(actor, today=last_day)

        def dashboard_floor() -> Any:
            with database.atomic():
                return floors.dashboard(last_day)

        board, figures, warm = _warm(dashboard, dashboard_floor)
        _dashboard_agree(board, figures)
        results["reports"]["dashboard (today)"] = _measure(runs, dashboard, dashboard_floor, warm)
        counts = {
            table: database.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            for table in ("sale", "sale_line", "payment", "stock_movement")
        }
        results["rows"] = counts
    finally:
        stock.utc_now = utc_now
        system.close()
    return results


def run_reports(runs: int, progress: Callable[[str], None] = lambda _: None) -> Figures:
    figures: Figures = {"databases": {}, "built_seconds": {}}
    url, built = sqlite_shop(progress)
    figures["built_seconds"]["SQLite"] = built and round(built)
    figures["databases"]["SQLite"] = bench_database(url, runs, progress)
    pg_url = os.environ.get("POSTERM_TEST_PG", "")
    if pg_url:
        url, built = postgres_shop(pg_url, progress)
        figures["built_seconds"]["PostgreSQL"] = built and round(built)
        figures["databases"]["PostgreSQL"] = bench_database(url, runs, progress)
    figures["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return figures


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


def reports_rows(figures: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for kind, data in figures["databases"].items():
        lines = data["rows"]["sale_line"]
        for name, result in data["reports"].items():
            rows.append(
                (
                    f"{kind}: {name}",
                    _ms(result["posterm_ms"]),
                    _ms(result["floor_ms"]),
                    f"{result['ratio']:.2f}",
                    f"<= {TARGET:g}x" + ("" if result["met"] else "  MISSED"),
                )
            )
        seconds = figures["built_seconds"][kind]
        ready = "cached" if seconds is None else f"built in {seconds} s"
        rows.append(
            (f"{kind}: the shop's store ({lines:,} sale lines)", ready, "", "", "information")
        )
    return rows
