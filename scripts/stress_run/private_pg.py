"""A throwaway PostgreSQL server of our own, to stop and start at will (issue 8).

The shared server (POSTERM_TEST_PG) serves every helper and CI job at once and must never be
stopped; the outage scenario and the outage tests run `initdb` into a temporary directory and
drive that cluster with `pg_ctl`, listening on 127.0.0.1 at a free port. Run as root, the
server runs as the `postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

_RUN_AS = "postgres"


def server_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live: POSTERM_PG_BIN, the newest /usr/lib/postgresql/N/bin,
    or the PATH."""
    candidates = [os.environ.get("POSTERM_PG_BIN", "")]
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )[::-1]
    found = shutil.which("initdb")
    candidates.append(str(Path(found).parent) if found else "")
    for candidate in filter(None, candidates):
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivatePostgres:
    """One cluster in a temporary directory; `url` reaches its `postgres` database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="posterm-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.running = False
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, _RUN_AS, _RUN_AS)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self._as_root:
            command = ["runuser", "-u", _RUN_AS, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session with "terminating connection due to administrator
        command", as `systemctl stop postgresql` does; `immediate` kills the server outright
        (it recovers from its WAL on the next start, as after a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False

    def destroy(self) -> None:
        if self.running:
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
