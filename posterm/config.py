"""Terminal-local settings: `posterm.toml`, overridden by POSTERM_* variables, then the CLI.

Store-wide settings (store name, tax mode, ...) live in the database instead; see
`posterm.domain.store_settings`.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from posterm import paths
from posterm.domain.errors import ConfigError

_SERIAL = r"serial:[^:\s]+(:\d+)?"
_DEVICE_PATTERNS = {
    "printer": re.compile(
        rf"none|file:.+|network:[\w.\-]+(:\d+)?|usb:[0-9a-fA-F]{{4}}:[0-9a-fA-F]{{4}}"
        rf"(:[0-9a-fA-Fx]+:[0-9a-fA-Fx]+)?|{_SERIAL}|cups:\S+"
    ),
    "scanner": re.compile(rf"none|keyboard|{_SERIAL}"),
    "scale": re.compile(rf"none|{_SERIAL}"),
    "display": re.compile(rf"none|{_SERIAL}"),
}
_DEVICE_FORMS = {
    "printer": "none, file:PATH, network:HOST[:PORT], usb:VID:PID[:IN_EP:OUT_EP], "
    "serial:DEVICE[:BAUD] or cups:NAME",
    "scanner": "none, keyboard or serial:DEVICE[:BAUD]",
    "scale": "none or serial:DEVICE[:BAUD]",
    "display": "none or serial:DEVICE[:BAUD]",
}


class Config(BaseSettings):
    """Everything this terminal needs to know before it can reach the database."""

    model_config = SettingsConfigDict(env_prefix="POSTERM_", extra="forbid", frozen=True)

    database_url: str = Field(default_factory=paths.default_database_url)
    terminal: str = Field(default_factory=lambda: socket.gethostname()[:32] or "till")
    printer: str = "none"
    receipt_columns: int = 42
    scanner: str = "keyboard"
    scale: str = "none"
    display: str = "none"
    theme: str = "dark"
    keymap: dict[str, str] = Field(default_factory=dict)
    idle_lock_minutes: int = Field(default=10, ge=0, le=24 * 60)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not re.match(r"^(sqlite:///.+|postgres(ql)?://.+)$", url):
            raise ValueError("use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB")
        return url

    @field_validator("terminal")
    @classmethod
    def _terminal_name(cls, name: str) -> str:
        if not re.fullmatch(r"[\w.\-]{1,32}", name):
            raise ValueError("1 to 32 letters, digits, '.', '-' or '_'")
        return name

    @field_validator("printer", "scanner", "scale", "display")
    @classmethod
    def _device(cls, value: str, info: Any) -> str:
        if not _DEVICE_PATTERNS[info.field_name].fullmatch(value):
            raise ValueError(f"expected {_DEVICE_FORMS[info.field_name]}")
        return value

    @field_validator("receipt_columns")
    @classmethod
    def _columns(cls, columns: int) -> int:
        if columns not in (32, 42, 48):
            raise ValueError("must be 32, 42 or 48")
        return columns


def config_path(explicit: str | Path | None = None) -> tuple[Path, bool]:
    """The config file to read, and whether the user named it (then it must exist)."""
    if explicit:
        return Path(explicit).expanduser(), True
    if os.environ.get("POSTERM_CONFIG"):
        return Path(os.environ["POSTERM_CONFIG"]).expanduser(), True
    return paths.default_config_file(), False


def load_config(explicit_path: str | Path | None = None, **overrides: Any) -> Config:
    """Read the config: command-line overrides beat POSTERM_* variables, which beat the file.

    Raises ConfigError with one line naming the key and the problem.
    """
    path, named = config_path(explicit_path)
    if named and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")

    class _FromFile(Config):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, path))

    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        loaded = _FromFile(**given)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc, path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc})") from None
    return Config.model_construct(**loaded.model_dump())


def _one_line(exc: ValidationError, path: Path) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "config"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    source = f"POSTERM_{key.upper()}" if f"POSTERM_{key.upper()}" in os.environ else str(path)
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"config key '{key}' ({source}): {message}{more}"
