"""What one scenario on one database found, and the summary table that prints them all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_LISTED = 20  # violations and errors shown per scenario; the rest are counted


@dataclass
class ScenarioResult:
    """Operations that completed, refusals the shop's rules gave (expected: out of stock, over
    the credit limit ...), faults injected, errors nobody expected, and broken invariants."""

    scenario: str
    database: str
    operations: int = 0
    refusals: int = 0
    faults: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    details: Counter = field(default_factory=Counter)  # figures behind the table's cells

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.violations)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["details"] = dict(self.details)
        return data


HEADINGS = (
    "scenario",
    "database",
    "operations",
    "refused",
    "failures injected",
    "unexpected errors",
    "violations",
    "seconds",
)


def format_table(results: Sequence[ScenarioResult]) -> str:
    """A plain-text table: names left-aligned, figures right-aligned."""
    rows = [HEADINGS] + [
        (
            r.scenario,
            r.database,
            str(r.operations),
            str(r.refusals),
            str(r.faults),
            str(len(r.errors)),
            str(len(r.violations)),
            f"{r.seconds:.1f}",
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADINGS))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_findings(results: Sequence[ScenarioResult]) -> str:
    """Each scenario's breakdown, then every error and violation (the first MAX_LISTED)."""
    out = []
    for r in results:
        figures = ", ".join(f"{key} {value}" for key, value in sorted(r.details.items()))
        out.append(f"{r.scenario} / {r.database}: {figures or 'no details'}")
        for label, items in (("unexpected error", r.errors), ("VIOLATION", r.violations)):
            for item in items[:MAX_LISTED]:
                out.append(f"  {label}: {item}")
            if len(items) > MAX_LISTED:
                out.append(f"  ... and {len(items) - MAX_LISTED} more")
    return "\n".join(out)
