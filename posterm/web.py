"""`posterm serve`: the till in a web browser, through textual-serve.

Each browser tab gets its own posterm process, started exactly as `posterm run` would be on
this machine (same config, same database). textual-serve adds no login of its own: whoever
reaches the port sees posterm's login screen. So it listens on 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys

from textual_serve.server import Server

_WILDCARDS = ("0.0.0.0", "::", "")


def till_command(config_path: str | None = None) -> str:
    """The shell command textual-serve runs for each browser: this Python's posterm."""
    command = [sys.executable, "-m", "posterm"]
    if config_path:
        command += ["--config", os.path.abspath(os.path.expanduser(config_path))]
    return " ".join(shlex.quote(part) for part in [*command, "run"])


def build_server(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    config_path: str | None = None,
    database_url: str | None = None,
    public_url: str | None = None,
) -> Server:
    if not 1 <= port <= 65535:
        from posterm.domain.errors import ValidationError

        raise ValidationError("port", "must be between 1 and 65535")
    if database_url:
        # Through the environment, not the command line: `ps` shows every argument.
        os.environ["POSTERM_DATABASE_URL"] = database_url
    if public_url is None and host in _WILDCARDS:
        public_url = f"http://{socket.gethostname()}:{port}"  # 0.0.0.0 is no browser's address
    return Server(
        till_command(config_path), host=host, port=port, title="posterm", public_url=public_url
    )


def warning(host: str, public_url: str) -> str:
    where = (
        "this machine only (127.0.0.1)"
        if host in ("127.0.0.1", "localhost", "::1")
        else f"every network this machine is on ({host})"
    )
    return (
        f"posterm serve: listening for {where}; open {public_url}\n"
        "posterm serve has no login of its own beyond posterm's: anyone who reaches this "
        "port gets the login screen. Keep it on a trusted shop LAN, or put it behind a "
        "proxy with TLS and its own authentication."
    )
