"""Terminal-local settings: `posterm.toml`, overridden by POSTERM_* variables, then the CLI.

Store-wide settings (store name, tax mode, ...) live in the database instead; see
`posterm.domain.store_settings`. This module is on the start-up path of every till, so it uses
tomllib and a dataclass rather than pydantic-settings, whose import alone took ~90 ms of a
~200 ms start (see scripts/bench).
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from posterm import paths
from posterm.domain.errors import ConfigError

ENV_PREFIX = "POSTERM_"
_SERIAL = r"serial:[^:\s]+(:\d+)?"


def _pattern(regex: str, expected: str) -> Callable[[Any], str]:
    compiled = re.compile(regex)

    def check(value: Any) -> str:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            raise ValueError(expected)
        return value

    return check


def _integer(minimum: int, maximum: int, allowed: tuple[int, ...] = ()) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("must be a whole number")
        if allowed and value not in allowed:
            raise ValueError(f"must be {', '.join(map(str, allowed[:-1]))} or {allowed[-1]}")
        if not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}")
        return value

    return check


def _keymap(value: Any) -> dict[str, str]:
    if isinstance(value, str):  # from the environment: "app.lock=f12,app.quit=ctrl+x"
        pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("write it as binding-id=keys, separated by commas")
        value = {key.strip(): keys.strip() for key, keys in pairs}
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(keys, str) and keys for key, keys in value.items()
    ):
        raise ValueError('a table of binding ids to keys, e.g. { "app.lock" = "f12" }')
    return dict(value)


def _font_path(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a path to a TrueType font file, or empty")
    try:
        found = not value or Path(value).expanduser().is_file()
    except (RuntimeError, ValueError, OSError):  # "~nobody/…", a NUL byte, a path too long
        found = False
    if not found:
        raise ValueError(f"no font file at {value}")
    return value


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "database_url": _pattern(
        r"sqlite:///.+|postgres(ql)?://.+",
        "use sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB",
    ),
    "terminal": _pattern(r"[\w.\-]{1,32}", "1 to 32 letters, digits, '.', '-' or '_'"),
    "printer": _pattern(
        rf"none|file:.+|network:[\w.\-]+(:\d+)?|usb:[0-9a-fA-F]{{4}}:[0-9a-fA-F]{{4}}"
        rf"(:[0-9a-fA-Fx]+:[0-9a-fA-Fx]+)?|{_SERIAL}|cups:\S+",
        "expected none, file:PATH, network:HOST[:PORT], usb:VID:PID[:IN_EP:OUT_EP], "
        "serial:DEVICE[:BAUD] or cups:NAME",
    ),
    "receipt_columns": _integer(32, 48, allowed=(32, 42, 48)),
    "scanner": _pattern(rf"none|keyboard|{_SERIAL}", "expected none, keyboard or serial:DEVICE"),
    "scale": _pattern(rf"none|{_SERIAL}", "expected none or serial:DEVICE[:BAUD]"),
    "display": _pattern(rf"none|{_SERIAL}", "expected none or serial:DEVICE[:BAUD]"),
    "theme": _pattern(r"[\w.\-]{1,40}", "a theme name such as dark, light or high-contrast"),
    "keymap": _keymap,
    "idle_lock_minutes": _integer(0, 24 * 60),
    # --- PostgreSQL logins (posterm/services/db_roles.py; README "PostgreSQL roles") ---
    "database_login": _pattern(r"app|per_staff", "expected app or per_staff"),
    "database_role_prefix": _pattern(
        r"[a-z][a-z0-9_]{0,39}", "a lower-case letter, then up to 39 letters, digits or '_'"
    ),
    # --- counter hardware (posterm/hardware) ---
    "printer_profile": _pattern(
        r"[\w.\-]{0,60}", "a python-escpos profile name such as TM-T88V, or empty for default"
    ),
    "printer_codepage": _pattern(
        r"[\w\-]{0,20}", "a code page name such as CP858, or empty to choose per character"
    ),
    "printer_fallback": _pattern(r"[ -~]{0,8}", "up to 8 plain ASCII characters, e.g. Rs."),
    "printer_font": _font_path,
    "printer_timeout": _integer(1, 120),
    "drawer_pin": _integer(2, 5, allowed=(2, 5)),
    "drawer_pulse_ms": _integer(2, 510),
    "scanner_min_length": _integer(3, 64),
    "scanner_max_gap_ms": _integer(1, 500),
    "scanner_prefix": _pattern(r"[ -~]{0,8}", "up to 8 plain ASCII characters"),
    "scanner_suffix": _pattern(r"[ -~]{0,8}", "up to 8 plain ASCII characters"),
    "scanner_terminators": _pattern(
        r"(enter|tab|lf)(,(enter|tab|lf))*", "a comma list of enter, tab and lf"
    ),
    "display_protocol": _pattern(r"cd5220|epson", "expected cd5220 or epson"),
    "display_idle": _pattern(
        r"[ -~]{0,20}(\|[ -~]{0,20})?", "two lines of up to 20 plain ASCII characters, split by |"
    ),
}


@dataclass(frozen=True)
class Config:
    """Everything this terminal needs to know before it can reach the database."""

    database_url: str = field(default_factory=paths.default_database_url)
    terminal: str = field(default_factory=lambda: socket.gethostname()[:32] or "till")
    printer: str = "none"
    receipt_columns: int = 42
    scanner: str = "keyboard"
    scale: str = "none"
    display: str = "none"
    theme: str = "dark"
    keymap: dict[str, str] = field(default_factory=dict)
    idle_lock_minutes: int = 10
    # "per_staff": each user's login opens PostgreSQL as that user's own role.
    database_login: str = "app"
    database_role_prefix: str = "posterm"
    # --- counter hardware (posterm/hardware; README "Hardware") ---
    printer_profile: str = ""
    printer_codepage: str = ""
    printer_fallback: str = ""
    printer_font: str = ""
    printer_timeout: int = 10
    drawer_pin: int = 2
    drawer_pulse_ms: int = 100
    scanner_min_length: int = 6
    scanner_max_gap_ms: int = 30
    scanner_prefix: str = ""
    scanner_suffix: str = ""
    scanner_terminators: str = "enter,tab,lf"
    display_protocol: str = "cd5220"
    display_idle: str = "WELCOME"

    def __post_init__(self) -> None:
        for item in fields(self):
            try:
                checked = _VALIDATORS[item.name](getattr(self, item.name))
            except ValueError as problem:
                raise ConfigError(f"config key '{item.name}': {problem}") from None
            object.__setattr__(self, item.name, checked)

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


def config_path(explicit: str | Path | None = None) -> tuple[Path, bool]:
    """The config file to read, and whether the user named it (then it must exist)."""
    if explicit:
        return Path(explicit).expanduser(), True
    if os.environ.get("POSTERM_CONFIG"):
        return Path(os.environ["POSTERM_CONFIG"]).expanduser(), True
    return paths.default_config_file(), False


def readable_password_warning(explicit_path: str | Path | None = None) -> str | None:
    """A warning line when the config file holds a database password that others may read."""
    path, _named = config_path(explicit_path)
    try:
        mode = path.stat().st_mode
        url = tomllib.loads(path.read_text(encoding="utf-8")).get("database_url", "")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # load_config reports an unreadable file itself
    if not isinstance(url, str) or not urlparse(url).password or not mode & 0o044:
        return None
    return (
        f"warning: {path} holds a database password and other users can read it; "
        f"run: chmod 600 {path}"
    )


def load_config(explicit_path: str | Path | None = None, **overrides: Any) -> Config:
    """Read the config: command-line overrides beat POSTERM_* variables, which beat the file.

    Raises ConfigError with one line naming the key (and where it came from) and the problem.
    """
    path, named = config_path(explicit_path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if named and not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    if path.is_file():
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path}: not valid TOML ({exc})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path}: cannot be read ({exc})") from None
        sources = dict.fromkeys(values, str(path))
    known = {item.name for item in fields(Config)}
    for key in values:
        if key not in known:
            raise ConfigError(f"config key '{key}' ({path}): unknown key")
    for key in known:
        variable = ENV_PREFIX + key.upper()
        if variable in os.environ:
            values[key], sources[key] = os.environ[variable], variable
    for key, value in overrides.items():
        if value is not None:
            values[key], sources[key] = value, "command line"
    try:
        return Config(**values)
    except ConfigError as error:
        key = str(error).split("'")[1]
        where = f" ({sources[key]})" if key in sources else ""
        raise ConfigError(str(error).replace(f"'{key}':", f"'{key}'{where}:", 1)) from None
