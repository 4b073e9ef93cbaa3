"""Themes as data files: the shipped `themes/*.toml` plus the user's own in the config dir.

A file that does not parse or names a bad colour is skipped with a notice, never a crash.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "warning",
    "error",
    "success",
)


@dataclass(frozen=True)
class LoadedThemes:
    themes: dict[str, Theme]
    problems: list[str]


def theme_from_data(data: dict[str, Any]) -> Theme:
    """Checks one theme file's keys and colours; raises ValueError naming the bad key."""
    unknown = set(data) - {"name", "dark", *COLOUR_KEYS}
    if unknown:
        raise ValueError(f"{sorted(unknown)[0]}: unknown key")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise ValueError("name: required")
    if not isinstance(data.get("dark", True), bool):
        raise ValueError("dark: must be true or false")
    if "primary" not in data:
        raise ValueError("primary: required")
    for key in COLOUR_KEYS:
        if key in data:
            try:
                Color.parse(data[key])
            except (ColorParseError, TypeError):
                raise ValueError(f"{key}: '{data[key]}' is not a colour") from None
    return Theme(**data)


def load_themes(*directories: Path) -> LoadedThemes:
    """Reads every `*.toml` in the directories in order; later files replace earlier names."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = theme_from_data(tomllib.loads(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                problems.append(f"theme {path.name}: cannot be read ({exc})")
                continue
            except ValueError as exc:
                problems.append(f"theme {path.name}: {exc}")
                continue
            themes[theme.name] = theme
    return LoadedThemes(themes, problems)
