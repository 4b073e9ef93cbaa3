"""The receipt layout (posterm.domain.receipt): every line fits the roll, every total is there."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posterm.domain.cart import TaxRateTotal
from posterm.domain.receipt import (
    RECEIPT_COLUMNS,
    Barcode,
    Cut,
    ReceiptDocument,
    ReceiptLine,
    build_receipt,
    fallback_symbol,
    render_text,
)
from posterm.domain.sale import AppliedPayment, CompletedSale, SoldLine
from posterm.domain.store_settings import StoreSettings

D = Decimal


def store(**texts: str) -> StoreSettings:
    base = {
        "store_name": "Sharma General Store",
        "store_address": "12, MG Road\nIndiranagar, Bengaluru 560038",
        "store_phone": "080 4123 4567",
        "store_tax_id": "29ABCDE1234F1Z5",
        "receipt_header": "Fresh groceries daily",
        "receipt_footer": "Thank you! Visit again.\nGoods once sold are exchanged in 7 days.",
    }
    base.update(texts)
    return StoreSettings.from_texts(base)


def line(n: int, name: str, qty: str, price: str, rate: str, **over) -> SoldLine:
    quantity, unit_price, tax_rate = D(qty), D(price), D(rate)
    gross = (quantity * unit_price).quantize(D("0.01"))
    discount = D(over.pop("line_discount", "0.00"))
    net = gross - discount
    tax = (net * tax_rate / (100 + tax_rate)).quantize(D("0.01"))
    values = dict(
        line_no=n,
        product_id=n,
        name=name,
        code=f"P{n}",
        barcode="",
        hsn_code="1006",
        unit="pcs",
        quantity=quantity,
        unit_price=unit_price,
        price_overridden=False,
        gross=gross,
        line_discount=discount,
        bill_discount=D("0.00"),
        tax_rate=tax_rate,
        taxable_value=net - tax,
        tax_amount=tax,
        line_total=net,
    )
    values.update(over)
    return SoldLine(**values)


def sale(**over) -> CompletedSale:
    lines = (
        line(1, "Tata Salt 1kg", "2", "28.00", "5"),
        line(
            2,
            "Fortune Sunflower Refined Oil 1 litre pouch (pack of 1)",
            "1",
            "165.00",
            "5",
            line_discount="10.00",
        ),
        line(3, "Lux Soap 100g", "3", "118.00", "18"),
        line(4, "Loose Toor Dal", "0.750", "141.00", "0", unit="kg", hsn_code=""),
    )
    subtotal = sum((x.gross for x in lines), D("0.00"))
    discount = sum((x.line_discount for x in lines), D("0.00"))
    by_rate: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for x in lines:
        taxable, tax = by_rate.get(x.tax_rate, (D(0), D(0)))
        by_rate[x.tax_rate] = (taxable + x.taxable_value, tax + x.tax_amount)
    before = sum((x.line_total for x in lines), D("0.00"))
    total = before.quantize(D(1))
    when = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
    values = dict(
        id=7,
        cart_id=uuid4(),
        bill_number="BILL-2025-000123",
        kind="sale",
        sold_at=when,
        sold_at_local=when.astimezone(ZoneInfo("Asia/Kolkata")),
        terminal="till-1",
        cashier_id=2,
        cashier="Asha Kumari",
        approved_by="",
        customer_id=5,
        customer_name="Ramesh Gupta",
        customer_balance=D("1250.00"),
        prices_include_tax=True,
        lines=lines,
        item_count=D("6.750"),
        subtotal=subtotal,
        discount_total=discount,
        tax_total=sum((x.tax_amount for x in lines), D("0.00")),
        round_off=total - before,
        total=total,
        tax_summary=tuple(TaxRateTotal(r, t, x) for r, (t, x) in sorted(by_rate.items())),
        payments=(
            AppliedPayment("upi", D("100.00"), None, "UPI-4471"),
            AppliedPayment("credit", D("300.00")),
            AppliedPayment("cash", total - D("400.00"), D("500.00")),
        ),
        tendered_total=D("600.00"),
        change=D("500.00") - (total - D("400.00")),
        credit_amount=D("300.00"),
    )
    values.update(over)
    return CompletedSale(**values)


def assert_fits(doc: ReceiptDocument) -> None:
    for element in doc.elements:
        if isinstance(element, ReceiptLine):
            assert element.width <= doc.columns, element
    for text in render_text(doc).splitlines():
        assert len(text) <= doc.columns, text


@pytest.mark.parametrize("columns", RECEIPT_COLUMNS)
def test_a_full_sale_fits_every_roll_and_shows_every_total(columns: int) -> None:
    the_sale = sale()
    doc = build_receipt(the_sale, store(), columns)
    assert_fits(doc)
    text = render_text(doc)
    assert doc.columns == columns
    # Header
    assert "Sharma General Store" in text or "Sharma General" in text
    assert "GSTIN: 29ABCDE1234F1Z5" in text and "Ph: 080 4123 4567" in text
    assert "Fresh groceries daily" in text
    # Bill details, local time (09:00 UTC is 14:30 in Kolkata)
    assert "BILL-2025-000123" in text and "05-03-2025 14:30" in text
    assert "Cashier: Asha Kumari" in text and "Till: till-1" in text
    assert "Customer: Ramesh Gupta" in text
    # Lines
    assert "2 x 28.00" in text and "0.750 kg x 141.00" in text
    assert "HSN 1006" in text and "Discount" in text
    assert "Fortune" in text and "pouch" in text
    # Totals, tax per rate, tenders, change and balance
    lines = text.splitlines()
    assert any(
        x.startswith("5%") and x.endswith(f"{the_sale.tax_summary[1].tax_amount}") for x in lines
    )
    assert any(x.startswith("18%") for x in lines)
    assert "Total tax (incl.)" in text
    assert "Round off" in text
    assert any(x.startswith("TOTAL") and x.endswith(f"₹{the_sale.total:,.2f}") for x in lines)
    assert "UPI (UPI-4471)" in text and "On credit" in text
    assert "Cash tendered" in text and "₹500.00" in text
    assert any(x.startswith("Change") and x.endswith(f"₹{the_sale.change:.2f}") for x in lines)
    assert any(x.startswith("Balance due now") and x.endswith("₹1,250.00") for x in lines)
    assert "Goods once sold" in text
    assert "REPRINT" not in text
    assert "|| BILL-2025-000123 ||" in text
    assert doc.elements[-2:] == (Barcode("BILL-2025-000123"), Cut())


def test_the_store_name_and_total_print_double_and_bold() -> None:
    doc = build_receipt(sale(), store(store_name="Sharma Stores"), 42)
    name = doc.lines[0]
    assert (name.text, name.double, name.bold, name.align) == (
        "Sharma Stores",
        True,
        True,
        "center",
    )
    total = next(x for x in doc.lines if x.text.startswith("TOTAL"))
    assert total.bold and total.double and total.width <= 42


def test_a_total_too_wide_for_double_size_prints_bold_at_normal_size() -> None:
    big = sale(total=D("12345678.00"), customer_balance=None)
    doc = build_receipt(big, store(), 32, currency_fallback="Rs.")
    total = next(x for x in doc.lines if x.text.startswith("TOTAL"))
    assert total.bold and not total.double
    assert total.text.endswith("Rs.12,345,678.00")
    assert_fits(doc)


def test_tax_exclusive_prices_show_plain_tax_and_no_balance_for_walk_ins() -> None:
    doc = build_receipt(
        sale(prices_include_tax=False, customer_id=None, customer_name="", customer_balance=None),
        store(),
        42,
    )
    text = render_text(doc)
    assert "(incl.)" not in text and "Total tax" in text
    assert "Customer:" not in text and "Balance" not in text


def test_a_store_without_tax_prints_no_tax_table() -> None:
    no_tax = sale(
        lines=(line(1, "Bread", "1", "40.00", "0"),),
        tax_summary=(TaxRateTotal(D(0), D("40.00"), D("0.00")),),
        tax_total=D("0.00"),
    )
    text = render_text(build_receipt(no_tax, store(), 32))
    assert "Total tax" not in text and "Rate" not in text


def test_returns_and_voids_say_what_they_reverse() -> None:
    returned = sale(
        kind="return", total=D("-56.00"), payments=(AppliedPayment("cash", D("-56.00")),)
    )
    for columns in RECEIPT_COLUMNS:
        doc = build_receipt(returned, store(), columns, original_bill_number="BILL-2025-000100")
        assert_fits(doc)
        text = " ".join(render_text(doc).split())
        assert "RETURN – against BILL-2025-000100" in text
        assert "-₹56.00" in text and "Cash refund" in text
    void = build_receipt(sale(kind="void"), store(), 32, original_bill_number="BILL-2025-000100")
    assert "VOID – cancels BILL-2025-000100" in " ".join(render_text(void).split())
    assert "RETURN" in render_text(build_receipt(returned, store(), 42))


def test_a_reprint_is_marked() -> None:
    doc = build_receipt(sale(), store(), 42, reprint=True)
    marker = next(x for x in doc.lines if "REPRINT" in x.text)
    assert marker.bold and marker.align == "center"


def test_the_currency_fallback_replaces_the_symbol_everywhere() -> None:
    text = render_text(build_receipt(sale(), store(), 42, currency_fallback="Rs."))
    assert "₹" not in text and "Rs.500.00" in text
    assert fallback_symbol("₹", "INR") == "Rs."
    assert fallback_symbol("৳", "BDT") == "Tk."
    assert fallback_symbol("¤", "XYZ") == "XYZ "


def test_the_preview_shows_the_cut_as_a_dashed_line() -> None:
    text = render_text(ReceiptDocument(32, (ReceiptLine("x"), Cut())))
    assert text.splitlines()[-1].startswith("- - -")


@settings(max_examples=60, deadline=None)
@given(
    columns=st.sampled_from(RECEIPT_COLUMNS),
    name=st.text(
        st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), min_size=1, max_size=120
    ),
    store_name=st.text(st.characters(categories=["L", "Zs"]), min_size=1, max_size=60),
    qty=st.decimals(D("0.001"), D("99999.999"), places=3),
    price=st.decimals(D("0.00"), D("99999999.99"), places=2),
    customer=st.text(st.characters(categories=["L", "Zs"]), max_size=120),
)
def test_nothing_ever_overflows_the_roll(columns, name, store_name, qty, price, customer) -> None:
    big = line(1, name, str(qty), str(price), "28", unit="kg", hsn_code="99999999")
    the_sale = sale(
        lines=(big,),
        customer_name=customer,
        cashier="Kumari " * 10,
        terminal="t" * 32,
        bill_number="INV/" + "9" * 26 + "-NNNNNNNNN",
        total=D("-99999999.99"),
        customer_balance=D("-99999999.99"),
        note="a note " * 30,
    )
    doc = build_receipt(
        the_sale,
        store(store_name=store_name.strip() or "x", store_tax_id="X" * 30),
        columns,
        reprint=True,
        currency_fallback="Rs.",
        original_bill_number="Y" * 40,
    )
    assert_fits(doc)
