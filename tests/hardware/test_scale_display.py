"""Toledo 8217 scale and 2x20 pole display round trips against pty fakes."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from posterm.hardware import display
from posterm.hardware.display import DisplayError, PoleDisplay
from posterm.hardware.fakes.serial_devices import FakeDisplay, FakeScale
from posterm.hardware.scale import Reading, ScaleError, ToledoScale, parse_reply


def test_toledo_replies():
    assert parse_reply(b"\x0201.234\r") == Reading(Decimal("1.234"))
    assert parse_reply(b"\x02?\x41\r").message == "scale in motion: wait for it to settle"
    assert "over capacity" in parse_reply(b"\x02?\x42\r").message
    assert "negative" in parse_reply(b"\x02?\x44\r").message
    with pytest.raises(ScaleError, match="not a Toledo 8217 weight"):
        parse_reply(b"garbage\r")


def test_the_scale_round_trip(tmp_path: Path):
    path = tmp_path / "ttyScale"
    with FakeScale(path) as fake:
        scale = ToledoScale(str(path), timeout=1)
        fake.weight = Decimal("0.750")
        reading = scale.read()
        assert reading.stable and reading.weight == Decimal("0.750")
        fake.motion = True
        assert not scale.read().stable and "motion" in scale.read().message
        fake.motion, fake.weight = False, Decimal("-0.020")
        assert "negative" in scale.read().message
        fake.weight, fake.over_capacity = Decimal("31"), True
        assert "over capacity" in scale.read().message
        assert fake.requests == 5
        fake.unplug()
        with pytest.raises(ScaleError, match=r"^scale .*ttyScale: "):
            scale.read()
        fake.plug()
        fake.over_capacity, fake.weight = False, Decimal("2.5")
        assert scale.read().weight == Decimal("2.500")  # back by itself
        scale.close()


@pytest.mark.parametrize("protocol", ["cd5220", "epson"])
def test_the_display_round_trip(tmp_path: Path, protocol: str):
    path = tmp_path / f"ttyPole-{protocol}"
    with FakeDisplay(path) as fake:
        pole = PoleDisplay(str(path), protocol=protocol)
        pole.show(*display.item_lines("Annapurna Atta 5kg", Decimal("285"), Decimal("1313.5")))
        assert fake.wait_for(lambda: fake.text[1].startswith("TOTAL"))
        assert fake.text == ("Annapurna Att 285.00", "TOTAL       1,313.50")
        pole.show(*display.change_lines(Decimal("313"), Decimal("187")))
        assert fake.wait_for(lambda: fake.text[1].startswith("CHANGE"))
        assert fake.text == ("TOTAL         313.00", "CHANGE        187.00")
        pole.show(*display.idle_lines("WELCOME|Sharma Stores"))
        assert fake.wait_for(lambda: fake.text[0].strip() == "WELCOME")
        assert fake.text[1] == "   Sharma Stores    "
        pole.close()


def test_display_text_is_twenty_plain_characters():
    assert display.fit("Crème brûlée ₹10") == "Creme brulee Rs10".ljust(20)
    assert len(display.two_columns("A very long product name indeed", "1,234.50")) == 20
    assert display.two_columns("A very long product name", "1,234.50").endswith(" 1,234.50")


def test_an_unplugged_display_is_one_line(tmp_path: Path):
    with pytest.raises(DisplayError, match=r"^display .*ttyNone: "):
        PoleDisplay(str(tmp_path / "ttyNone")).show("x")
