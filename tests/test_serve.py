"""`posterm serve`: textual-serve on 127.0.0.1 unless told otherwise, with a clear warning."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from posterm import cli, web
from posterm.domain.errors import ValidationError


def test_the_server_listens_on_loopback_and_runs_this_posterm(monkeypatch, tmp_path):
    monkeypatch.setenv("POSTERM_DATABASE_URL", "")  # restored after the test
    config = tmp_path / "till.toml"
    url = "postgresql://till:pw@db.lan/shop"
    server = web.build_server(port=8123, config_path=str(config), database_url=url)

    assert (server.host, server.port) == ("127.0.0.1", 8123)
    assert server.public_url == "http://127.0.0.1:8123"
    command = shlex.split(server.command)
    assert command == [sys.executable, "-m", "posterm", "--config", str(config), "run"]
    assert "pw" not in server.command  # the URL goes by the environment, not `ps`
    assert os.environ["POSTERM_DATABASE_URL"] == url


def test_every_interface_only_when_asked_and_the_browser_gets_a_real_address():
    server = web.build_server(host="0.0.0.0", port=8124)
    assert server.host == "0.0.0.0"
    assert server.public_url == f"http://{socket.gethostname()}:8124"
    note = web.warning("0.0.0.0", server.public_url)
    assert "every network" in note and "no login of its own" in note
    assert "this machine only" in web.warning("127.0.0.1", "http://127.0.0.1:8000")


def test_command_line_defaults():
    args = cli.build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.public_url) == ("127.0.0.1", 8000, None)
    assert cli.build_parser().parse_args(["serve", "--port", "9000"]).port == 9000
    with pytest.raises(ValidationError, match="port"):
        web.build_server(port=70000)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_a_browser_on_loopback(tmp_path, _isolated_dirs):
    port = _free_port()
    env = {**os.environ, "POSTERM_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "posterm", "serve", "--port", str(port)],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                    page = reply.read().decode()
            except OSError:
                time.sleep(0.2)
        assert f"ws://127.0.0.1:{port}/ws" in page  # the page the browser gets
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=10)
    assert "no login of its own beyond posterm's" in err
    assert "this machine only (127.0.0.1)" in err
