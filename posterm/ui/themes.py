"""Themes as data files: the shipped `themes/*.toml` plus the user's own in the config dir.

A file that does not parse or names a bad colour is skipped with a notice, never a crash.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme


class ThemeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None

    @field_validator(
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
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"'{value}' is not a colour") from None
        return value


@dataclass(frozen=True)
class LoadedThemes:
    themes: dict[str, Theme]
    problems: list[str]


def load_themes(*directories: Path) -> LoadedThemes:
    """Reads every `*.toml` in the directories in order; later files replace earlier names."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                data = ThemeFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                problems.append(f"theme {path.name}: cannot be read ({exc})")
                continue
            except ValidationError as exc:
                error = exc.errors()[0]
                key = ".".join(str(part) for part in error["loc"])
                problems.append(f"theme {path.name}: {key}: {error['msg']}")
                continue
            themes[data.name] = Theme(**data.model_dump())
    return LoadedThemes(themes, problems)
