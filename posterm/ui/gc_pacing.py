"""Garbage collection paced to the till's quiet moments, not in the middle of a scan.

CPython collects whenever enough objects were allocated, so a collection used to land inside
one scan in twenty, and a collection of the older generations costs more than the whole scan
(measured: young collections of 5-15 ms, full ones of hundreds, on the bench's 2-core machine).
Once the billing screen is up, what the program holds for good (screens, styles, the catalog
cache) is frozen out of the collector's view, the automatic thresholds are raised so that a
scan almost never starts one, and the young generations are collected after each change of
the bill has been drawn and saved, while the cashier reaches for the next item.
"""

from __future__ import annotations

import gc

# Allocations before CPython collects on its own: a scan makes a few thousand objects, so
# the automatic collection stays a safety net for screens that never reach a quiet moment.
AUTOMATIC_THRESHOLDS = (50_000, 20, 100)

_settled = False


def settle() -> None:
    """Once per process, when the till is ready to sell: everything alive now is long-lived."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*AUTOMATIC_THRESHOLDS)


def quiet_moment() -> None:
    """The bill is on screen and saved: collect what the last change left behind."""
    if _settled:
        gc.collect(1)
