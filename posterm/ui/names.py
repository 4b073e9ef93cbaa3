"""Product names cut to a table column without losing what tells two products apart."""

from __future__ import annotations


def short_name(name: str, width: int) -> str:
    """`name` in at most `width` characters. A longer name keeps its last word (the pack
    size of "Annapurna Gold Sona Masoori Rice 1kg" and "... 5kg") after an ellipsis, so
    two sizes of one product never read the same once cut."""
    if len(name) <= width:
        return name
    head, _, last = name.rpartition(" ")
    if head and 0 < len(last) <= width // 3:
        keep = width - len(last) - 2  # "…" and the space before the last word
        return f"{head[:keep].rstrip()}… {last}"
    return f"{name[: width - 1].rstrip()}…"


def count_of(number: int, singular: str, plural: str | None = None) -> str:
    """ "1 entry", "2 entries": a count with its noun in the right number."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
