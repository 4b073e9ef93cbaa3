#!/usr/bin/env python3
"""Fake serial devices on a pty for demos: a scanner, a Toledo 8217 scale or a pole display.

    .venv/bin/python scripts/fake_serial.py scanner /tmp/ttyScan   # a code + Enter: scanned
    .venv/bin/python scripts/fake_serial.py scale /tmp/ttyScale    # type 1.250, motion, over, -0.1
    .venv/bin/python scripts/fake_serial.py display /tmp/ttyPole   # shows the two lines it is sent

then point the till at the path: POSTERM_SCANNER=serial:/tmp/ttyScan (or POSTERM_SCALE,
POSTERM_DISPLAY). Type `unplug` / `plug` to pull the cable and put it back.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from posterm.hardware.fakes.serial_devices import (
    FakeDisplay,
    FakeScale,
    FakeScanner,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("scanner", "scale", "display"))
    parser.add_argument("path", help="where the device appears (a symlink to its pty)")
    args = parser.parse_args()
    device = {"scanner": FakeScanner, "scale": FakeScale, "display": FakeDisplay}[args.kind](
        args.path
    )
    device.plug()
    print(f"fake {args.kind} at {args.path}: use serial:{args.path}", flush=True)
    if isinstance(device, FakeDisplay):
        threading.Thread(target=_show_display, args=(device,), daemon=True).start()
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "unplug":
                device.unplug()
                print("unplugged", flush=True)
            elif command == "plug":
                device.plug()
                print("plugged in", flush=True)
            elif isinstance(device, FakeScanner) and command:
                device.scan(command)
            elif isinstance(device, FakeScale):
                _set_scale(device, command)
        while True:  # stdin closed (run in the background): keep the device until interrupted
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        device.unplug()
    return 0


def _set_scale(scale: FakeScale, command: str) -> None:
    scale.motion, scale.over_capacity = command == "motion", command == "over"
    if command not in ("motion", "over"):
        try:
            scale.weight = Decimal(command)
        except InvalidOperation:
            print("type a weight in kg (1.250, -0.1), motion or over", flush=True)
            return
    state = "in motion" if scale.motion else "over capacity" if scale.over_capacity else ""
    print(f"scale: {state or f'{scale.weight} kg'}", flush=True)


def _show_display(display: FakeDisplay) -> None:
    shown = None
    while True:
        time.sleep(0.1)
        if display.plugged and display.text != shown:
            shown = display.text
            print(f"[{shown[0]}]\n[{shown[1]}]", flush=True)


if __name__ == "__main__":
    sys.exit(main())
