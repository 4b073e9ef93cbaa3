"""A fake network receipt printer: TCP on 127.0.0.1 that speaks ESC/POS like an Epson.

It answers the real-time status queries (DLE EOT 1 and 4) with the bytes a real printer
sends, and decodes each job (one connection) into text lines and events: cuts, drawer kicks,
barcodes, QR codes, images. It can be told to run out of paper (now, or part-way through a
job), go offline, stay silent (a printer that reports no status), drop the connection
part-way through a job, or become unreachable (connecting to it times out).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from posterm.hardware.fakes.escpos_decode import Decoded, decode, describe

_ONLINE, _OFFLINE = 0x12, 0x1A  # DLE EOT 1: bit 3 is "offline"
_PAPER = {"ok": 0x12, "low": 0x1E, "out": 0x72}  # DLE EOT 4: bits 2-3 near end, 5-6 paper end


@dataclass
class Job:
    peer: str
    data: bytes
    decoded: Decoded | None
    dropped: bool = False
    error: str = ""


class FakeNetworkPrinter:
    """`with FakeNetworkPrinter() as fake:` listens on 127.0.0.1:`fake.port` until closed."""

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        profile: str | None = None,
        on_job: Callable[[Job], None] | None = None,
    ) -> None:
        self.profile = profile
        self.on_job = on_job
        self.paper = "ok"
        self.online = True
        self.silent = False  # never answer status queries
        self.drop_after: int | None = None  # bytes of a job after which the link is cut
        # Bytes of a job after which the roll runs out (paper then stays "out" until reset).
        self.paper_out_after: int | None = None
        self._unreachable = False
        self._reach_applied = threading.Event()  # the serving thread has acted on the switch
        self._plug: socket.socket | None = None  # fills the accept queue while unreachable
        self._plug_peer: tuple | None = None
        self.jobs: list[Job] = []
        self.status_queries = 0
        self._changed = threading.Condition()
        self._server = socket.create_server((host, port), reuse_port=False)
        self._server.settimeout(0.2)
        self.host, self.port = self._server.getsockname()[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)

    def __enter__(self) -> FakeNetworkPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def unreachable(self) -> bool:
        """True: answers no connection, so a till's connect times out, as with a printer
        unplugged from the network. Setting it waits until it is in effect (between jobs)."""
        return self._unreachable

    @unreachable.setter
    def unreachable(self, value: bool) -> None:
        self._reach_applied.clear()
        self._unreachable = value
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._reach_applied.wait(timeout=5)

    @property
    def address(self) -> str:
        """The till's `printer` value for this fake."""
        return f"network:{self.host}:{self.port}"

    def start(self) -> FakeNetworkPrinter:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._thread.join()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        if self._plug is not None:
            self._plug.close()
        self._server.close()

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> bool:
        """Waits until `count` jobs with data have arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.printed_jobs) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    @property
    def printed_jobs(self) -> list[Job]:
        """Jobs that carried more than status queries."""
        return [job for job in self.jobs if job.decoded is not None and _has_content(job.decoded)]

    # --- serving --------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            if self._unreachable:
                self._block()
                self._reach_applied.set()
                self._stop.wait(0.05)
                continue
            self._unblock()
            self._reach_applied.set()
            try:
                client, peer = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if peer == self._plug_peer:
                self._plug_peer = None
                client.close()
                continue
            # One job at a time, as a real printer on port 9100 takes them.
            self._take_job(client, f"{peer[0]}:{peer[1]}")

    def _block(self) -> None:
        """Stops taking connections: with a backlog of 0 and one connection of our own queued,
        the kernel drops every new SYN, so a till's connect times out."""
        if self._plug is not None:
            return
        self._server.listen(0)
        plug = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        plug.settimeout(0.5)
        try:
            plug.connect((self.host, self.port))
            self._plug_peer = plug.getsockname()[:2]
        except OSError:
            pass  # the queue is full already: blocked all the same
        self._plug = plug

    def _unblock(self) -> None:
        if self._plug is None:
            return
        self._server.listen(socket.SOMAXCONN)
        self._plug.close()
        self._plug = None

    def _take_job(self, client: socket.socket, peer: str) -> None:
        data = bytearray()
        dropped = False
        client.settimeout(0.2)
        with client:
            while not self._stop.is_set():
                try:
                    chunk = client.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                start = max(len(data) - 2, 0)
                data.extend(chunk)
                if self.paper_out_after is not None and len(data) >= self.paper_out_after:
                    self.paper = "out"
                if self.drop_after is not None and len(data) >= self.drop_after:
                    del data[self.drop_after :]
                    # An abortive close (RST), as a printer that loses power does.
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    dropped = True
                    break
                self._answer_status(client, data, start)
        job = Job(peer, bytes(data), None, dropped)
        try:
            job.decoded = decode(job.data, self.profile)
        except (ValueError, IndexError) as exc:
            job.error = f"cannot decode: {exc}"
        with self._changed:
            self.jobs.append(job)
            self._changed.notify_all()
        if self.on_job is not None:
            self.on_job(job)

    def _answer_status(self, client: socket.socket, data: bytearray, start: int) -> None:
        at = data.find(b"\x10\x04", start)
        # A query whose last byte is still on its way is found again with the next chunk.
        while at != -1 and at + 2 < len(data):
            n = data[at + 2]
            self.status_queries += 1
            if not self.silent and n in (1, 2, 3, 4):
                answer = _PAPER[self.paper] if n == 4 else _ONLINE if self.online else _OFFLINE
                with contextlib.suppress(OSError):
                    client.sendall(bytes([answer]))
            at = data.find(b"\x10\x04", at + 3)


def _has_content(decoded: Decoded) -> bool:
    return bool(decoded.lines) or any(e[0] not in ("status", "init") for e in decoded.events)


def format_job(job: Job, number: int) -> list[str]:
    """A job as the lines the fake prints: what the paper shows and what the printer did."""
    head = f"--- job {number} from {job.peer}: {len(job.data)} bytes"
    if job.dropped:
        head += " (connection dropped mid-job)"
    out = [head]
    if job.decoded is None:
        out.append(f"    {job.error}")
        return out
    for item in job.decoded.sequence:
        if isinstance(item, tuple):
            if item[0] in ("bold", "init", "feed", "status"):
                continue
            out.append(f"    {describe(item)}")
        else:
            width = "2x " if item.double_width else "   "
            bold = "B" if item.bold else " "
            out.append(f"  {bold}{width}|{item.text}")
    return out
