"""Hostile input for the fuzz tests: text people (and scanners, files, env vars) may hand us.

Shared by tests/unit/test_fuzz_*.py and tests/services/test_fuzz_*.py. The property every
parser and validator must keep: return a valid value, or raise the project's ValidationError
(ConfigError for the terminal's config) with a message; never any other exception.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from posterm.domain.errors import ValidationError

T = TypeVar("T")

# Profiles: "fuzz" (default) keeps the whole fuzz set well under a minute on the 2-core CI box;
# POSTERM_FUZZ_PROFILE=deep runs many more examples by hand.
settings.register_profile(
    "fuzz-unit",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz-unit-deep",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_DEEP = os.environ.get("POSTERM_FUZZ_PROFILE") == "deep"
UNIT = settings(settings.get_profile("fuzz-unit-deep" if _DEEP else "fuzz-unit"))


def service_settings(*, postgres: bool) -> settings:
    """Examples for one service property: fewer on PostgreSQL, whose round trips cost more."""
    examples = (150 if postgres else 400) if _DEEP else (15 if postgres else 30)
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,  # each run starts from a fresh store; replayed examples would not fit
    )


NASTY_NUMBERS = (
    "",
    " ",
    "0",
    "-0",
    "+0",
    "00",
    ".",
    "-",
    "+",
    "+-1",
    "--1",
    "1.",
    ".5",
    "-.5",
    "1,2",
    "1,234.50",
    "12,34,567",
    "1,,234",
    "1.2.3",
    "1e3",
    "1E+5",
    "1e-7",
    "1e999999999",
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "0x1F",
    "1_000",
    "9" * 40,
    "9" * 400,
    "9" * 5000,  # beyond int()'s default 4300-digit limit
    "0." + "0" * 60 + "1",
    "99999999.99",
    "99999999.999",
    "100000000",
    "99999.999",
    "100000",
    "0.0005",
    "12.500",
    "²",
    "½",
    "٣",  # Arabic-Indic three
    "१२",  # Devanagari twelve
    "１２",  # full-width twelve
    "\u200b1",
    "1\x00",
    "\x00",
    " 7 ",
    "\t3\n",
    "3*",
    "0.250*",
    "%",
    "10%",
    "-10%",
    "101%",
)

number_text = st.one_of(
    st.sampled_from(NASTY_NUMBERS),
    st.from_regex(r"[+-]?[0-9,]{0,14}(\.[0-9]{0,6})?[%*]?", fullmatch=True),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(repr),
)

hostile_text = st.one_of(
    number_text,
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(("yes", "no", "true", "false", "auto", "none", "active", "pcs", "kg")),
)

hostile_decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("-Infinity"),
            Decimal("Infinity"),
            Decimal("1E+999999"),
            Decimal("-1E+999999"),
            Decimal("1E-999999"),
            Decimal("-0"),
            Decimal("0"),
            Decimal("0.0001"),
            Decimal("0.001"),
            Decimal("99999999.99"),
            Decimal("100000000"),
            Decimal("99999.999"),
        ]
    ),
)


def table_fingerprint() -> dict[str, list[str]]:
    """Every row of every table, as text: a refused call must leave all of it as it was."""
    from posterm.data.models import ALL_MODELS, database

    found = {}
    for model in ALL_MODELS:
        table = model._meta.table_name
        rows = database.execute_sql(f'SELECT * FROM "{table}"').fetchall()
        found[table] = sorted(map(repr, rows))
    return found


def valid_or_refused(call: Callable[[], T]) -> T | None:
    """Runs `call`: its value, or None when it raised ValidationError with a message.

    Any other exception escapes, and hypothesis reports the input that caused it.
    """
    try:
        return call()
    except ValidationError as error:
        assert str(error).strip(), "a ValidationError without a message"
        assert error.message.strip(), f"{error.field}: no message"
        return None
