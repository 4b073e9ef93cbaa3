"""What a cashier types in a scan field: an optional quantity ("3*", "0.250*") and a code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from posterm.domain.money import parse_quantity

# "3*" before a scan or a search sets the quantity of what is added next.
QUANTITY_PREFIX = re.compile(r"(\d+(?:\.\d+)?)\*(.*)")


@dataclass(frozen=True)
class ScanEntry:
    quantity: Decimal | None  # typed before the "*"; None when there was no prefix
    code: str  # what follows, stripped; empty when the quantity waits for the next scan


def split_quantity(text: str, parse: Callable[[str], Decimal] = parse_quantity) -> ScanEntry:
    """ "3*8901234567890" → 3 of that code; "0.250*" → a weight for the next scan.

    Raises ValidationError (from `parse`) when the quantity is not one.
    """
    text = text.strip()
    match = QUANTITY_PREFIX.fullmatch(text)
    if match is None:
        return ScanEntry(None, text)
    return ScanEntry(parse(match[1]), match[2].strip())
