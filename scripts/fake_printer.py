#!/usr/bin/env python3
"""A fake network receipt printer for demos and tests: prints each job it receives, decoded.

    .venv/bin/python scripts/fake_printer.py [--port 9100] [--paper ok|low|out] [--offline]
        [--silent] [--drop-after BYTES] [--paper-out-after BYTES] [--unreachable]

then point a till at it: POSTERM_PRINTER=network:127.0.0.1:9100 posterm. Each job shows as
text lines with the events the printer acted on: [cut], [drawer kick], [barcode], [qr].
Type `paper out`, `paper ok`, `offline`, `online`, `unreachable`, `reachable` + Enter while it
runs to change its state (unreachable: connecting times out, as with an unplugged printer).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from posterm.hardware.fakes.printer import FakeNetworkPrinter, Job, format_job


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9100, help="TCP port on 127.0.0.1")
    parser.add_argument("--paper", choices=("ok", "low", "out"), default="ok")
    parser.add_argument("--offline", action="store_true", help="report offline (cover open)")
    parser.add_argument("--silent", action="store_true", help="answer no status queries")
    parser.add_argument("--drop-after", type=int, metavar="BYTES", help="cut each job short")
    parser.add_argument(
        "--paper-out-after", type=int, metavar="BYTES", help="the roll ends part-way through a job"
    )
    parser.add_argument(
        "--unreachable", action="store_true", help="answer no connection (connects time out)"
    )
    parser.add_argument("--profile", default=None, help="python-escpos profile for code pages")
    args = parser.parse_args()

    count = 0

    def show(job: Job) -> None:
        nonlocal count
        if job.decoded is not None and not job.decoded.lines and len(job.data) <= 12:
            return  # a status check only
        count += 1
        print("\n".join(format_job(job, count)), flush=True)

    try:
        fake = FakeNetworkPrinter(args.port, profile=args.profile, on_job=show)
    except OSError as exc:
        print(
            f"fake_printer: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr
        )
        return 1
    fake.paper, fake.online, fake.silent = args.paper, not args.offline, args.silent
    fake.drop_after = args.drop_after
    fake.paper_out_after, fake.unreachable = args.paper_out_after, args.unreachable
    fake.start()
    print(
        f'fake printer listening on 127.0.0.1:{fake.port} (printer = "{fake.address}")', flush=True
    )
    try:
        for line in sys.stdin:
            command = line.strip().lower()
            if command in ("paper out", "paper low", "paper ok"):
                fake.paper = command.split()[1]
            elif command in ("offline", "online"):
                fake.online = command == "online"
            elif command in ("unreachable", "reachable"):
                fake.unreachable = command == "unreachable"
            elif command:
                print(
                    "commands: paper out|low|ok, offline, online, unreachable, reachable",
                    flush=True,
                )
                continue
            state = "online" if fake.online else "offline"
            reach = ", unreachable" if fake.unreachable else ""
            print(f"state: paper {fake.paper}, {state}{reach}", flush=True)
        # stdin closed (e.g. run in the background): keep serving until interrupted
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
