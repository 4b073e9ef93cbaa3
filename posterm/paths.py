"""Where posterm keeps its files on this terminal (platformdirs), and where shipped data lives.

Nothing here touches the disk at import time: callers create directories when they write.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "posterm"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_config_file() -> Path:
    return config_dir() / "posterm.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'posterm.db'}"


def demo_database_url() -> str:
    return f"sqlite:///{data_dir() / 'demo.db'}"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def shipped_dir(name: str) -> Path:
    """`db/` or `themes/`: inside the wheel when installed, else at the top of the source tree."""
    package_dir = Path(__file__).resolve().parent
    installed = package_dir / "_shipped" / name
    if installed.is_dir():
        return installed
    return package_dir.parent / name
