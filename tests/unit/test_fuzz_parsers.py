"""Hypothesis over every text parser of the till: a valid value or ValidationError, nothing else.

Money and quantities, cash rounding, barcodes (GTIN check digits, weight/price labels and
their layout), phone numbers, bill-number formats, denominations and the shift count, store
settings, dates for reports, the scan field's "3*" syntax, discounts, stock changes, users.
Each property also checks that what is accepted is a sane value (finite, in range).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from posterm.domain import barcodes, bill_numbers, phones, shifts, stock, users
from posterm.domain.money import (
    MAX_MONEY,
    MAX_QUANTITY,
    CashRounding,
    parse_money,
    parse_quantity,
)
from posterm.domain.permissions import Role
from posterm.domain.purchases import parse_day, parse_invoice_number
from posterm.domain.returns import check_reason
from posterm.domain.sale import parse_tender_methods
from posterm.domain.store_settings import SPECS, StoreSettings, spec_for
from posterm.ui.modals.labels import parse_count as parse_label_count
from posterm.ui.modals.stock_filter import parse_days
from posterm.ui.screens.billing import parse_discount
from posterm.ui.screens.sales import parse_day_range
from posterm.ui.widgets.product_search import QUANTITY_PREFIX
from tests.fuzz_inputs import UNIT, hostile_decimals, hostile_text, number_text, valid_or_refused

digits = st.text(alphabet="0123456789", min_size=0, max_size=16)


# --- money and quantities ----------------------------------------------------------------------


@UNIT
@given(number_text, st.integers(0, 4), st.booleans())
def test_parse_money_gives_a_bounded_amount_or_refuses(text, places, negative):
    value = valid_or_refused(lambda: parse_money(text, places=places, allow_negative=negative))
    if value is not None:
        assert value.is_finite()
        assert -MAX_MONEY <= value <= MAX_MONEY
        assert value.as_tuple().exponent == -places
        assert negative or value >= 0


@UNIT
@given(number_text, st.booleans(), st.booleans())
def test_parse_quantity_gives_three_decimals_or_refuses(text, zero, negative):
    value = valid_or_refused(lambda: parse_quantity(text, allow_zero=zero, allow_negative=negative))
    if value is not None:
        assert value.is_finite()
        assert abs(value) <= MAX_QUANTITY
        assert value.as_tuple().exponent == -3
        assert zero or value != 0


@UNIT
@given(hostile_text)
def test_cash_rounding_parses_or_refuses(text):
    rounding = valid_or_refused(lambda: CashRounding.parse(text))
    assert rounding is None or isinstance(rounding, CashRounding)


# --- barcodes ----------------------------------------------------------------------------------


@UNIT
@given(st.one_of(digits, hostile_text))
def test_gtin_checks_never_fail_on_any_code(code):
    kind = barcodes.classify(code)
    assert barcodes.is_valid_gtin(code) == (kind not in _NOT_GTIN)
    assert code in barcodes.equivalent_codes(code)
    valid_or_refused(lambda: barcodes.ean_check_digit(code))
    made = valid_or_refused(lambda: barcodes.make_ean13(code))
    if made is not None:
        assert barcodes.is_valid_gtin(made)


_NOT_GTIN = (barcodes.BarcodeKind.OTHER, barcodes.BarcodeKind.INVALID_CHECK)

_layout_text = st.one_of(
    hostile_text,
    st.lists(
        st.tuples(
            st.sampled_from(
                ["weight", "price", "item", "value", "weight_decimals", "price_decimals", "x"]
            ),
            st.one_of(
                st.from_regex(r"2[0-9](,2[0-9]){0,3}", fullmatch=True),
                st.integers(-2, 12).map(str),
                hostile_text,
            ),
        ),
        max_size=6,
    ).map(lambda parts: ";".join(f"{key}={value}" for key, value in parts)),
)


@UNIT
@given(_layout_text, st.one_of(st.from_regex(r"2[0-9]{11}", fullmatch=True), digits))
def test_embedded_label_layouts_and_codes(text, body):
    layout = valid_or_refused(lambda: barcodes.EmbeddedLayout.parse(text))
    if layout is None:
        return
    assert barcodes.EmbeddedLayout.parse(layout.to_text()) == layout
    code = body + str(barcodes.ean_check_digit(body)) if len(body) == 12 else body
    decoded = barcodes.decode_embedded(code, layout)
    if decoded is not None:
        assert decoded.value >= 0 and decoded.value.is_finite()
        assert code.startswith(decoded.item_code)


# --- phones, bill numbers, tender methods ------------------------------------------------------


@UNIT
@given(
    st.one_of(hostile_text, st.from_regex(r"(\+|00)?[0-9 ()\-./]{0,20}", fullmatch=True)),
    st.sampled_from(["91", "1", "44", "", "880"]),
)
@example("+", "91")
@example("00", "91")
@example("+91", "91")
@example("9191234567890", "91")  # 11 national digits that start with the country code
@example("+44 4412345678901", "44")
def test_phone_numbers_normalise_or_refuse(text, country):
    stored = valid_or_refused(lambda: phones.normalise_phone(text, country))
    if stored is not None:
        digits_only = stored.removeprefix("+")
        assert digits_only.isascii() and digits_only.isdigit()
        assert phones.MIN_DIGITS <= len(digits_only) <= phones.MAX_DIGITS
        # One spelling per number: the stored form reads back as itself.
        assert phones.normalise_phone(stored, country) == stored
        assert phones.format_phone(stored)


@UNIT
@given(
    st.one_of(
        hostile_text, st.from_regex(r"[A-Z/\-]{0,6}(YYYY|YY|MM|-){0,3}N{0,8}", fullmatch=True)
    ),
    st.dates(),
    st.integers(1, 10**7),
)
def test_bill_number_formats(text, day, sequence):
    pattern = valid_or_refused(lambda: bill_numbers.validate_format(text))
    if pattern is None:
        return
    number = bill_numbers.bill_number(bill_numbers.series_for(pattern, day), sequence)
    assert str(sequence) in number


@UNIT
@given(hostile_text)
def test_tender_methods_and_invoice_numbers(text):
    methods = valid_or_refused(lambda: parse_tender_methods(text))
    if methods is not None:
        assert all(m and m == m.lower() for m in methods)
    invoice = valid_or_refused(lambda: parse_invoice_number(text))
    if invoice is not None:
        assert invoice.strip() and len(invoice) <= 60


# --- shifts: denominations, the blind count, cash movements ------------------------------------


@UNIT
@given(st.one_of(hostile_text, st.lists(number_text, max_size=8).map(",".join)))
def test_denominations_parse_or_refuse(text):
    values = valid_or_refused(lambda: shifts.parse_denominations("cash_denominations", text))
    if values is not None:
        assert values and all(v > 0 and v.is_finite() for v in values)
        assert list(values) == sorted(set(values), reverse=True)
        again = shifts.parse_denominations("k", shifts.denominations_text(values))
        assert again == values


@UNIT
@given(st.dictionaries(st.sampled_from(["2000", "500", "10", "1", "3", "x"]), hostile_text))
@example({"500": "²"})
@example({"10": "٣"})
@example({"2000": "9" * 5000})
def test_shift_count_reads_whole_pieces_or_refuses(counts):
    denominations = (Decimal(2000), Decimal(500), Decimal(10), Decimal(1))
    found = valid_or_refused(lambda: shifts.parse_count(denominations, counts))
    if found is not None:
        pieces, total = found
        assert all(isinstance(n, int) and 0 < n <= shifts.MAX_PIECES for n in pieces.values())
        assert total == sum(Decimal(k) * n for k, n in pieces.items())


@UNIT
@given(
    st.sampled_from(["cash_in", "cash_out", "payout", "expense", "refund", ""]),
    st.one_of(hostile_text, hostile_decimals),
    hostile_text,
    hostile_text,
)
def test_cash_movements_check_or_refuse(kind, amount, category, reason):
    found = valid_or_refused(lambda: shifts.check_movement(kind, amount, category, reason))
    if found is not None:
        assert 0 < found.amount <= MAX_MONEY
    valid_or_refused(lambda: shifts.parse_float(amount if isinstance(amount, str) else ""))
    valid_or_refused(lambda: shifts.parse_sale_needs_shift("sale_needs_shift", category))


# --- store settings ----------------------------------------------------------------------------


@UNIT
@given(st.sampled_from(SPECS), hostile_text)
def test_every_store_setting_parses_or_refuses(spec, text):
    value = valid_or_refused(lambda: spec.parse(text))
    if value is not None:
        # What is stored reads back as the same value.
        assert spec.parse(spec.to_text(value)) == value


@UNIT
@given(st.dictionaries(st.sampled_from([s.key for s in SPECS] + ["junk"]), hostile_text))
def test_store_settings_from_any_stored_texts_never_stop_the_till(stored):
    loaded = StoreSettings.from_texts(stored)
    assert set(loaded.values) == {s.key for s in SPECS}


@UNIT
@given(hostile_text)
def test_unknown_setting_keys_are_refused(key):
    valid_or_refused(lambda: spec_for(key))


# --- dates (reports, sales, purchases, expiry) -------------------------------------------------


@UNIT
@given(
    st.one_of(
        hostile_text,
        st.dates().map(lambda d: d.strftime("%d-%m-%Y")),
        st.tuples(st.dates(), st.dates()).map(lambda ds: f"{ds[0]:%d-%m-%Y} to {ds[1]:%d-%m-%Y}"),
    ),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
)
@example("²", date(2026, 1, 1))
@example("9" * 5000, date(2026, 1, 1))
def test_report_day_ranges_parse_or_refuse(text, today):
    found = valid_or_refused(lambda: parse_day_range(text, today))
    if found is not None:
        first, last = found
        assert first <= last


@UNIT
@given(st.one_of(hostile_text, st.dates().map(lambda d: d.strftime("%d/%m/%y"))))
def test_calendar_days_parse_or_refuse(text):
    valid_or_refused(lambda: parse_day(text, "expiry"))


@UNIT
@given(hostile_text)
@example("²")
@example("9" * 5000)
def test_day_counts_and_label_counts_parse_or_refuse(text):
    days = valid_or_refused(lambda: parse_days(text))
    assert days is None or 0 <= days <= 3660
    count = valid_or_refused(lambda: parse_label_count(text))
    assert count is None or count >= 0


# --- the scan field, discounts, stock changes --------------------------------------------------


@UNIT
@given(
    st.one_of(
        hostile_text,
        st.tuples(number_text, st.sampled_from(["*", "*8901234567890", "* 123", "**"])).map(
            "".join
        ),
    )
)
@example("3*")
@example("0.250*")
@example("99999999999*8901234567890")
@example("0*")
def test_scan_field_quantity_prefix(text):
    # What billing does with "3*" or "0.250*8901…" before the code is looked up.
    match = QUANTITY_PREFIX.fullmatch(text.strip())
    if match is None:
        return
    quantity = valid_or_refused(lambda: parse_quantity(match[1]))
    if quantity is not None:
        assert 0 < quantity <= MAX_QUANTITY


@UNIT
@given(number_text)
def test_discounts_typed_at_the_till(text):
    discount = valid_or_refused(lambda: parse_discount(text))
    if discount is not None:
        assert discount.value > 0 and discount.value.is_finite()


@UNIT
@given(st.one_of(hostile_text, number_text.map(lambda t: "=" + t), number_text))
def test_stock_changes_parse_or_refuse(text):
    found = valid_or_refused(lambda: stock.parse_change(text))
    if found is not None:
        change, new_stock = found
        assert (change is None) != (new_stock is None)
    valid_or_refused(lambda: stock.AdjustReason.parse(text))


@UNIT
@given(st.sampled_from(list(stock.AdjustReason)), hostile_decimals, hostile_text)
@example(stock.AdjustReason.DAMAGED, Decimal("Infinity"), "")
@example(stock.AdjustReason.THEFT, Decimal("sNaN"), "")
@example(stock.AdjustReason.THEFT, Decimal("NaN"), "")
def test_stock_adjustment_checks(reason, change, note):
    valid_or_refused(lambda: stock.check_adjustment(reason, change, note))


# --- users, roles, reasons ---------------------------------------------------------------------


@UNIT
@given(hostile_text)
def test_user_fields_and_roles(text):
    valid_or_refused(lambda: users.validate_username(text))
    valid_or_refused(lambda: users.validate_password(text))
    valid_or_refused(lambda: users.validate_pin(text))
    valid_or_refused(lambda: Role.parse(text))
    valid_or_refused(lambda: check_reason(text, required=True))
