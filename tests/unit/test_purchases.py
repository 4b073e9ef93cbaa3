"""Purchase line arithmetic, the receiving draft's JSON and the supplier form's rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from posterm.domain.errors import ValidationError
from posterm.domain.purchases import (
    FieldErrors,
    LineAmounts,
    PurchaseLineRequest,
    PurchaseProduct,
    ReceivingDraft,
    SupplierInput,
    check_line,
    line_amounts,
    parse_day,
)

D = Decimal
OIL = PurchaseProduct(7, "OIL1", "Oil 1l", "pcs", False, D("140.00"), D(5), True, D(3))
DAL = PurchaseProduct(8, "TOOR", "Toor Dal", "kg", True, D("98.5"), D(0), False, D(0))


def test_amounts_round_per_line_half_up():
    # 3 x 33.3333 = 99.9999 -> 100.00; 5% of it is 5.00
    assert line_amounts(D(3), D("33.3333"), D(5)) == LineAmounts(D(100), D(5), D(105))
    # 0.250 kg x 98.50 = 24.625 -> 24.63; 18% = 4.4334 -> 4.43
    assert line_amounts(D("0.250"), D("98.50"), D(18)) == LineAmounts(
        D("24.63"), D("4.43"), D("29.06")
    )
    # The invoice's own tax amount wins over the rate.
    assert line_amounts(D(2), D(10), D(18), D("3.59")).total == D("23.59")


def test_line_rules_name_the_field_and_the_product():
    day = date(2026, 12, 1)
    ok = PurchaseLineRequest(7, D(2), D(130), D(5), expiry_date=date(2027, 1, 1))
    assert check_line(1, ok, OIL, day).total == D("273.00")
    for line, message in [
        (PurchaseLineRequest(7, D(0), D(130)), "quantity: must be more than zero on line 1"),
        (PurchaseLineRequest(7, D("1.5"), D(130)), "whole pcs"),
        (PurchaseLineRequest(7, D(1), D(0)), "unit_cost: must be more than zero"),
        (PurchaseLineRequest(7, D(1), D("1.00001")), "unit_cost: at most 4 decimal places"),
        (PurchaseLineRequest(7, D(1), D(1), D(101)), "tax_rate"),
        (PurchaseLineRequest(7, D(1), D(1)), "'Oil 1l' tracks expiry"),
        (
            PurchaseLineRequest(7, D(1), D(1), expiry_date=date(2026, 11, 30)),
            "before the invoice date",
        ),
    ]:
        with pytest.raises(ValidationError, match=message):
            check_line(1, line, OIL, day)
    loose = PurchaseLineRequest(8, D("12.345"), D("98.5"))
    assert check_line(2, loose, DAL, day).net == D("1215.98")


def test_the_draft_round_trips_through_json():
    draft = ReceivingDraft(supplier_id=3, supplier_name="Sharma", invoice_number="A/1")
    draft.invoice_date = date(2026, 12, 1)
    draft.add(OIL, D(2), D("131.25"))
    draft.add(DAL, D("0.5"), DAL.cost)
    draft.lines[1] = replace(draft.lines[1], tax_amount=D(1))
    again = ReceivingDraft.from_json(draft.to_json())
    assert again == draft
    assert again.totals() == (D("311.75"), D("14.13"), D("325.88"))
    assert again.lines[0].needs_expiry


def test_the_supplier_form_names_every_bad_field():
    with pytest.raises(FieldErrors) as caught:
        SupplierInput("", phone="abc", email="x@", tax_id="bad!").cleaned()
    assert set(caught.value.errors) == {"name", "phone", "email", "tax_id"}
    tidy = SupplierInput("  Sharma   Traders ", tax_id=" 08aabfs4100k1zf ").cleaned()
    assert (tidy.name, tidy.tax_id) == ("Sharma Traders", "08AABFS4100K1ZF")


def test_days_in_the_spellings_people_type():
    for text in ("01-12-2026", "1/12/2026", "01.12.2026", "2026-12-01", "01-12-26"):
        assert parse_day(text) == date(2026, 12, 1)
    with pytest.raises(ValidationError, match="dd-mm-yyyy"):
        parse_day("next friday")
    # Typed the right way but no such day: said so, not "use dd-mm-yyyy".
    with pytest.raises(ValidationError, match="31-02-2026 is not a date on the calendar"):
        parse_day("31-02-2026")
