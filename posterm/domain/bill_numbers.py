"""Bill number formats: `BILL-YYYY-NNNNNN` style patterns, and the series a number belongs to.

YYYY (or YY) is the year and MM the month of the sale in the store's timezone; a run of N is
the sequence, zero-padded to its length. Numbers are gap-free within a series, and the series
is the format with its date parts filled in, so `BILL-YYYY-NNNNNN` starts again each year.
"""

from __future__ import annotations

import re
from datetime import date

from posterm.domain.errors import ValidationError

DEFAULT_FORMAT = "BILL-YYYY-NNNNNN"
_SEQUENCE = re.compile(r"N+")


def validate_format(pattern: str) -> str:
    pattern = pattern.strip()
    runs = _SEQUENCE.findall(pattern)
    if len(runs) != 1:
        raise ValidationError("bill_number_format", "needs exactly one run of N (e.g. NNNNNN)")
    if len(runs[0]) < 3:
        raise ValidationError("bill_number_format", "the run of N needs at least 3 digits")
    if not re.fullmatch(r"[A-Za-z0-9/_\-. ]{1,30}", pattern):
        raise ValidationError(
            "bill_number_format", "use 1 to 30 letters, digits, '/', '-', '_', '.' or spaces"
        )
    return pattern


def series_for(pattern: str, day: date) -> str:
    """The pattern with its date parts filled in and the sequence left as a run of N."""
    return (
        pattern.replace("YYYY", f"{day.year:04d}")
        .replace("YY", f"{day.year % 100:02d}")
        .replace("MM", f"{day.month:02d}")
    )


def bill_number(series: str, sequence: int) -> str:
    run = _SEQUENCE.search(series)
    if run is None:
        raise ValidationError("bill_number_format", "has no run of N")
    digits = f"{sequence:0{len(run.group())}d}"
    return series[: run.start()] + digits + series[run.end() :]
