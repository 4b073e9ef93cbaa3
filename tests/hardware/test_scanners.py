"""Keyboard-wedge bursts against typing (injected key timestamps), and the serial scanner
thread against a pty scanner that is unplugged and plugged back in."""

from __future__ import annotations

from pathlib import Path

from posterm.hardware.fakes.serial_devices import FakeScanner
from posterm.hardware.scanner import BurstDetector, SerialScanner, WedgeSettings, wait_until

EAN = "8901000000017"


def feed(detector: BurstDetector, text: str, gaps_ms, start: float = 100.0, end: str = "enter"):
    """Keys of `text` then `end`, `gaps_ms` apart (one number, or one per key); the verdicts."""
    gaps = gaps_ms if isinstance(gaps_ms, list) else [gaps_ms] * (len(text) + 1)
    at, verdicts = start, []
    for char, gap in zip(text, gaps, strict=False):
        at += gap / 1000
        verdicts.append(detector.feed(char, char, at))
    at += gaps[len(text)] / 1000
    verdicts.append(detector.feed(end, None, at))
    return verdicts


def test_a_scanner_burst_is_a_scan():
    detector = BurstDetector()
    verdicts = feed(detector, EAN, 4)  # 4 ms a key, as a USB wedge types
    assert verdicts[0].kind == "start" and {v.kind for v in verdicts[1:-1]} == {"more"}
    scan = verdicts[-1]
    assert (scan.kind, scan.code, scan.length) == ("scan", EAN, 13)
    assert len(scan.gaps) == 13 and max(scan.gaps) < 0.005


def test_human_typing_is_never_a_scan():
    detector = BurstDetector()
    # A fast typist: 80-150 ms a key; even a quick Enter after it.
    assert (
        feed(detector, EAN, [120, 90, 150, 80, 110, 95, 130, 85, 100, 140, 90, 120, 100, 10])[
            -1
        ].kind
        == "pass"
    )
    # A burst with one human pause in it is typing from the pause on: too short to be a scan.
    gaps = [4] * 14
    gaps[10] = 200
    assert feed(detector, EAN, gaps)[-1].kind == "pass"


def test_short_bursts_and_bursts_without_a_terminator_are_not_scans():
    detector = BurstDetector()
    assert feed(detector, "12345", 3)[-1].kind == "pass"  # below the 6-character minimum
    assert feed(detector, EAN, 3, end="f2")[-1].kind == "pass"
    # The terminator must come as quickly as the keys: Enter pressed 300 ms later is a person.
    assert feed(detector, EAN, [3] * 13 + [300])[-1].kind == "pass"


def test_tab_and_lf_terminators_and_the_settings():
    detector = BurstDetector(WedgeSettings(min_length=8, max_gap=0.050, terminators=("tab",)))
    assert feed(detector, EAN, 40, end="tab")[-1].code == EAN
    assert feed(detector, EAN, 40, end="enter")[-1].kind == "pass"
    assert feed(detector, "1234567", 5, end="tab")[-1].kind == "pass"
    lf = BurstDetector(WedgeSettings(terminators=("lf",)))
    assert feed(lf, EAN, 5, end="ctrl+j")[-1].code == EAN


def test_prefix_and_suffix_mark_scans_and_are_taken_off():
    detector = BurstDetector(WedgeSettings(prefix="~", suffix="#"))
    assert feed(detector, f"~{EAN}#", 3)[-1].code == EAN
    assert feed(detector, EAN, 3)[-1].kind == "pass"  # without the prefix: not the scanner


def test_keys_bunched_by_a_slow_ssh_link_may_look_like_a_burst():
    """Over SSH, typed keys arrive in clumps with ~0 ms between them. A clump of six or more
    ending in Enter reads as a burst: the scan path behind it guards it (a GTIN needs its
    check digit, anything else must be a code in the catalogue), as for typed text."""
    detector = BurstDetector()
    clump = feed(detector, "8901000000018", 0)  # typed with a wrong last digit, sent at once
    assert clump[-1].kind == "scan" and clump[-1].code == "8901000000018"
    from posterm.domain.barcodes import BarcodeKind, classify

    assert classify(clump[-1].code) is BarcodeKind.INVALID_CHECK
    # Clumps with gaps between them (the usual SSH pattern) are typing.
    gaps = [0, 0, 0, 180, 0, 0, 0, 200, 0, 0, 0, 150, 0, 0]
    assert feed(detector, EAN, gaps)[-1].kind == "pass"


def test_the_serial_scanner_recovers_when_unplugged_and_plugged_back(tmp_path: Path):
    path = tmp_path / "ttyACM0"
    codes: list[str] = []
    states: list[tuple[str, bool]] = []
    with FakeScanner(path) as fake:
        scanner = SerialScanner(
            str(path),
            on_code=codes.append,
            on_state=lambda text, ok: states.append((text, ok)),
            prefix="]E0",
            retry_seconds=0.05,
        ).start()
        try:
            assert wait_until(lambda: scanner.connected)
            fake.scan("]E0" + EAN)
            fake.scan("ATTA5", b"\r\n")
            assert wait_until(lambda: len(codes) == 2)
            assert codes == [EAN, "ATTA5"]

            fake.unplug()
            assert wait_until(lambda: not scanner.connected)
            assert wait_until(lambda: any(not ok for _, ok in states))
            fake.plug()
            assert wait_until(lambda: scanner.connected)
            fake.scan("12345678")
            assert wait_until(lambda: len(codes) == 3) and codes[-1] == "12345678"
        finally:
            scanner.stop()
    texts = [text for text, _ in states]
    assert texts[0].endswith("connected") and "disconnected" in texts[1]
    assert texts[-1].endswith("connected") and all("\n" not in text for text in texts)


def test_a_serial_scanner_that_is_not_there_is_retried(tmp_path: Path):
    path = tmp_path / "ttyACM1"
    codes: list[str] = []
    states: list[tuple[str, bool]] = []
    scanner = SerialScanner(
        str(path),
        on_code=codes.append,
        on_state=lambda t, ok: states.append((t, ok)),
        retry_seconds=0.05,
    ).start()
    try:
        assert wait_until(lambda: bool(states))
        assert states[0][1] is False and "retrying" in states[0][0]
        with FakeScanner(path) as fake:  # plugged in later
            assert wait_until(lambda: scanner.connected)
            fake.scan(EAN)
            assert wait_until(lambda: codes == [EAN])
    finally:
        scanner.stop()
    assert len([s for s in states if not s[1]]) >= 1
