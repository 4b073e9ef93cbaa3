"""Start-up benchmark: cold start of posterm to its login screen, against a bare Textual app.

Both programs are measured from the outside, exactly as a user starts them: each is spawned in
an 80x24 pseudo-terminal and timed until a marker that only exists once the first screen has
been painted shows up in what it writes. Nothing in the product is hooked or patched. The
result is a ratio to the bare app (`bare_app.py`) started the same way in the same run, so it
means the same thing on a fast laptop and on a slow CI runner.

The pty helper (`time_to_screen`) is shared with later benchmarks that drive the app.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
BARE_APP = Path(__file__).resolve().with_name("bare_app.py")

ROWS, COLUMNS = 24, 80
START_TIMEOUT = 30.0
TERMINATE_GRACE = 2.0
TARGET_RATIO = 1.3

# What each program shows only once its first real screen is up. posterm first paints an empty
# default screen and pushes the login screen from on_mount, so both labels are needed.
POSTERM_MARKERS = ("Username", "Password")
# Shown on the login screen once the database is open; nothing else on it says "Bench".
STORE_NAME = "Bench"
BARE_MARKERS = ("Scan or type",)

# Escape sequences to strip before looking for a marker: a styled span (the Input's cursor
# sits on the placeholder's first letter, for one) splits the plain text with SGR codes.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, colours, modes
    r"|\x1b[\]P_^][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC, DCS, APC, PM strings
    r"|\x1b[@-Z\\-_=>]"  # two-byte escapes
)
_TAIL_CHARS = 600
_OVERLAP_BYTES = 8192


class BenchmarkError(RuntimeError):
    """A benchmark could not produce a figure (the program failed, hung or never painted)."""


@dataclass(frozen=True)
class Start:
    """One start of one program: seconds to first screen and peak RSS up to that moment."""

    seconds: float
    peak_rss_kib: int


def screen_text(raw: bytes) -> str:
    """The printable text of terminal output, escape sequences removed."""
    return _ESCAPES.sub("", raw.decode("utf-8", errors="replace"))


def peak_rss_kib(pid: int) -> int:
    """VmHWM (the high-water mark of resident memory) of a live process, in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise BenchmarkError(f"no VmHWM in /proc/{pid}/status")


def _read_master(master: int, timeout: float) -> bytes | None:
    """Whatever the child wrote within `timeout` (b"" if nothing); None once it has gone.

    Linux reports EIO on the master when every slave end is closed, i.e. the child exited.
    """
    ready, _, _ = select.select([master], [], [], max(timeout, 0.0))
    if not ready:
        return b""
    try:
        data = os.read(master, 65536)
    except OSError as exc:
        if exc.errno == errno.EIO:
            return None
        raise
    return data or None


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    # The child leads its own process group (start_new_session), so this reaches anything it
    # spawned too, and nothing else.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signum)


def _stop(proc: subprocess.Popen[bytes], master: int) -> None:
    """SIGTERM, then SIGKILL after the grace period; drains the pty meanwhile and reaps."""
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + TERMINATE_GRACE
        # Keep reading: a child blocked on a full pty buffer could not act on SIGTERM.
        while proc.poll() is None and time.monotonic() < deadline:
            if _read_master(master, min(0.05, deadline - time.monotonic())) is None:
                break
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
    proc.wait()


def time_to_screen(
    argv: Sequence[str],
    markers: Sequence[str],
    *,
    env: Mapping[str, str],
    name: str = "",
    cwd: Path = REPO_ROOT,
    timeout: float = START_TIMEOUT,
) -> Start:
    """Starts `argv` in an 80x24 pty and times it until every marker has been painted.

    The process is terminated and reaped before returning, whatever happens. `name` labels
    it in errors (default: the command line).
    """
    name = name or " ".join(argv)
    master, slave = os.openpty()
    # The size must be set before the child starts: Textual reads it once to lay out the
    # first frame, and a resize afterwards would cost a second layout inside the timing.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    proc: subprocess.Popen[bytes] | None = None
    found: set[str] = set()
    # The last few KiB already searched, kept so a marker or an escape sequence that straddles
    # two reads is still seen whole, without searching everything again on every read.
    tail = b""
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            cwd=cwd,
            close_fds=True,
            # Its own session: a Ctrl+C meant for the bench does not reach the child.
            start_new_session=True,
        )
        # Only the child holds the slave now, so its exit shows up as EIO on the master.
        os.close(slave)
        slave = -1
        deadline = started + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise BenchmarkError(
                    f"{name} did not show {' and '.join(map(repr, markers))} within "
                    f"{timeout:g} s; last output: {screen_text(tail)[-_TAIL_CHARS:]!r}"
                )
            data = _read_master(master, remaining)
            now = time.perf_counter()
            if data is None:
                code = proc.wait()
                raise BenchmarkError(
                    f"{name} exited with code {code} before its first screen; "
                    f"last output: {screen_text(tail)[-_TAIL_CHARS:]!r}"
                )
            if not data:
                continue
            window = tail + data
            text = screen_text(window)
            found.update(marker for marker in markers if marker in text)
            tail = window[-_OVERLAP_BYTES:]
            # `now` was taken before the search, so its cost is not in the figure.
            if found.issuperset(markers):
                return Start(seconds=now - started, peak_rss_kib=peak_rss_kib(proc.pid))
    finally:
        if proc is not None:
            _stop(proc, master)
        if slave >= 0:
            os.close(slave)
        os.close(master)


def _environment(home: Path) -> dict[str, str]:
    """The environment for both programs: ours, minus anything that changes what they do."""
    env = {
        key: value
        for key, value in os.environ.items()
        # COLUMNS/LINES would override the pty size; TEXTUAL* turns on devtools or debug
        # output; POSTERM_* could point posterm at the user's own database or config.
        if key not in {"COLUMNS", "LINES"} and not key.startswith(("TEXTUAL", "POSTERM_"))
    }
    env["TERM"] = "xterm-256color"
    # Config, data, logs and caches all live in the temp dir: the user's files are untouched.
    for variable, folder in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        (home / folder).mkdir(exist_ok=True)
        env[variable] = str(home / folder)
    return env


def _create_store(database_url: str, env: Mapping[str, str]) -> None:
    """Runs `posterm init` once (not timed) so the app opens straight onto its login screen."""
    argv = [sys.executable, "-m", "posterm", "--database", database_url, "init"]
    argv += ["--store-name", STORE_NAME, "--owner", "owner", "--password", "benchpass"]
    done = subprocess.run(
        argv,
        env=dict(env),
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(
            f"could not create the bench store (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()}"
        )


def _mib(kib: float) -> float:
    return round(kib / 1024, 1)


def run_startup(runs: int, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Warms each program up once, then alternates them `runs` times; returns the figures.

    Times are in milliseconds and RSS in MiB; the ratios are posterm's median over the bare
    app's median.
    """
    with tempfile.TemporaryDirectory(prefix="posterm-bench-") as tmp:
        home = Path(tmp)
        env = _environment(home)
        database_url = f"sqlite:///{home / 'bench.db'}"
        _create_store(database_url, env)
        programs: dict[str, tuple[list[str], Sequence[str]]] = {
            "posterm": (
                [sys.executable, "-m", "posterm", "--database", database_url],
                POSTERM_MARKERS,
            ),
            "bare": ([sys.executable, str(BARE_APP)], BARE_MARKERS),
            # The login screen paints before the database is open; this run also waits for
            # the store's name, i.e. the database opened and read behind the screen.
            "posterm_loaded": (
                [sys.executable, "-m", "posterm", "--database", database_url],
                (*POSTERM_MARKERS, STORE_NAME),
            ),
        }
        # The warm-up fills the OS page cache and writes the .pyc files; it is not counted.
        for name, (argv, markers) in programs.items():
            progress(f"startup: warming up {name}")
            time_to_screen(argv, markers, env=env, name=name)
        starts: dict[str, list[Start]] = {name: [] for name in programs}
        # Alternating spreads any drift in machine load over both programs evenly.
        for run in range(1, runs + 1):
            progress(f"startup: run {run}/{runs}")
            for name, (argv, markers) in programs.items():
                starts[name].append(time_to_screen(argv, markers, env=env, name=name))

    def median_ms(name: str) -> float:
        return statistics.median(start.seconds for start in starts[name]) * 1000

    def min_ms(name: str) -> float:
        return min(start.seconds for start in starts[name]) * 1000

    def median_rss(name: str) -> float:
        return statistics.median(start.peak_rss_kib for start in starts[name])

    # Judged on the rounded ratio, so a printed 1.30 never shows as MISSED.
    ratio = round(median_ms("posterm") / median_ms("bare"), 2)
    return {
        "runs": runs,
        "posterm_ms": round(median_ms("posterm"), 1),
        "posterm_min_ms": round(min_ms("posterm"), 1),
        "bare_ms": round(median_ms("bare"), 1),
        "bare_min_ms": round(min_ms("bare"), 1),
        "ratio": ratio,
        "min_ratio": round(min_ms("posterm") / min_ms("bare"), 2),
        "target": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
        "posterm_rss_mb": _mib(median_rss("posterm")),
        "bare_rss_mb": _mib(median_rss("bare")),
        "rss_ratio": round(median_rss("posterm") / median_rss("bare"), 2),
        "loaded_ms": round(median_ms("posterm_loaded"), 1),
        "loaded_ratio": round(median_ms("posterm_loaded") / median_ms("bare"), 2),
        "loaded_rss_mb": _mib(median_rss("posterm_loaded")),
        "loaded_rss_ratio": round(median_rss("posterm_loaded") / median_rss("bare"), 2),
    }


def startup_rows(figures: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Table rows (measure, posterm, floor, ratio, target) for the figures of `run_startup`."""
    target = f"<= {figures['target']:.2f}" + ("" if figures["met"] else "  MISSED")
    return [
        (
            "cold start to login, median",
            f"{figures['posterm_ms']:.1f} ms",
            f"{figures['bare_ms']:.1f} ms",
            f"{figures['ratio']:.2f}",
            target,
        ),
        (
            "cold start to login, min",
            f"{figures['posterm_min_ms']:.1f} ms",
            f"{figures['bare_min_ms']:.1f} ms",
            f"{figures['min_ratio']:.2f}",
            "",
        ),
        (
            "start to store loaded, median",
            f"{figures['loaded_ms']:.1f} ms",
            f"{figures['bare_ms']:.1f} ms",
            f"{figures['loaded_ratio']:.2f}",
            "",
        ),
        (
            "peak RSS, store loaded",
            f"{figures['loaded_rss_mb']:.1f} MiB",
            f"{figures['bare_rss_mb']:.1f} MiB",
            f"{figures['loaded_rss_ratio']:.2f}",
            "",
        ),
        (
            "peak RSS (VmHWM), median",
            f"{figures['posterm_rss_mb']:.1f} MiB",
            f"{figures['bare_rss_mb']:.1f} MiB",
            f"{figures['rss_ratio']:.2f}",
            "",
        ),
    ]
