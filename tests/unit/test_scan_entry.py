from decimal import Decimal

import pytest

from posterm.domain.errors import ValidationError
from posterm.domain.money import parse_quantity
from posterm.domain.scan_entry import ScanEntry, split_quantity


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8901000000019", ScanEntry(None, "8901000000019")),
        ("  8901000000019 ", ScanEntry(None, "8901000000019")),
        ("3*8901000000019", ScanEntry(Decimal("3.000"), "8901000000019")),
        ("0.250* 8901000000019", ScanEntry(Decimal("0.250"), "8901000000019")),
        ("2*", ScanEntry(Decimal("2.000"), "")),
        ("atta", ScanEntry(None, "atta")),
        ("", ScanEntry(None, "")),
    ],
)
def test_a_typed_quantity_is_split_from_the_code(typed, expected):
    assert split_quantity(typed) == expected


def test_a_bad_quantity_is_refused_with_its_reason():
    with pytest.raises(ValidationError, match="more than zero"):
        split_quantity("0*8901000000019")


def test_the_screen_chooses_what_a_quantity_may_be():
    counted = split_quantity("0*8901000000019", lambda t: parse_quantity(t, allow_zero=True))
    assert counted == ScanEntry(Decimal("0.000"), "8901000000019")
