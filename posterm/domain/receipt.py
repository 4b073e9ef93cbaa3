"""The receipt as a document: styled lines, the bill number's barcode and a cut.

Pure and printer-free. `build_receipt` lays a completed sale out for a roll of 32, 42 or 48
columns; `render_text` turns the document into the plain text of the on-screen preview (and of
the tests); `posterm.hardware.printer` turns the same document into ESC/POS bytes.

Every line fits its roll: a line's `width` (twice its length when printed double) is never more
than the document's columns. Text too long for a line is wrapped, an amount that does not fit
beside its label goes on the next line, right-aligned.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from posterm.domain.money import format_money, format_quantity
from posterm.domain.sale import CASH, CREDIT, CompletedSale
from posterm.domain.store_settings import StoreSettings

Align = Literal["left", "center", "right"]

RECEIPT_COLUMNS: tuple[int, ...] = (32, 42, 48)
MIN_COLUMNS = 24

# Symbols no common receipt printer code page holds, and what to print instead.
SYMBOL_FALLBACKS: dict[str, str] = {"₹": "Rs.", "₨": "Rs.", "৳": "Tk.", "₦": "N", "₱": "P"}

_METHOD_LABELS = {
    CASH: "Cash",
    "upi": "UPI",
    "card": "Card",
    CREDIT: "On credit",
    "loyalty": "Points",
}


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One printed line; `double` prints it double height and width (half as many columns)."""

    text: str
    align: Align = "left"
    bold: bool = False
    double: bool = False
    underline: bool = False

    @property
    def width(self) -> int:
        """The columns the line takes on paper."""
        return len(self.text) * (2 if self.double else 1)


@dataclass(frozen=True, slots=True)
class Barcode:
    """A barcode with its text printed below it (the bill number, as CODE128)."""

    data: str
    symbology: str = "CODE128"


@dataclass(frozen=True, slots=True)
class QrCode:
    data: str


@dataclass(frozen=True, slots=True)
class Cut:
    """Feed the paper past the cutter and cut."""


ReceiptElement = ReceiptLine | Barcode | QrCode | Cut


@dataclass(frozen=True)
class ReceiptDocument:
    columns: int
    elements: tuple[ReceiptElement, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "elements", tuple(self.elements))
        if self.columns < MIN_COLUMNS:
            raise ValueError(f"a receipt needs at least {MIN_COLUMNS} columns")

    @property
    def lines(self) -> tuple[ReceiptLine, ...]:
        return tuple(e for e in self.elements if isinstance(e, ReceiptLine))


def fallback_symbol(symbol: str, currency_code: str = "") -> str:
    """What to print for a currency symbol the printer lacks: "Rs." for ₹, else the code."""
    if symbol in SYMBOL_FALLBACKS:
        return SYMBOL_FALLBACKS[symbol]
    return f"{currency_code} " if currency_code else ""


# --- layout helpers ----------------------------------------------------------------------------


def _wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` characters; long words are broken."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(
            textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False) or [""]
        )
    return lines


def _pair(left: str, right: str, width: int) -> list[str]:
    """`left` and `right` on one line; when they do not fit, `right` goes below, right-aligned."""
    indent = len(left) - len(left.lstrip())
    left = " " * indent + " ".join(left.split()) if left.strip() else ""
    if len(left) + 1 + len(right) <= width:
        return [left + " " * (width - len(left) - len(right)) + right]
    lines = [" " * indent + line for line in _wrap(left, width - indent)] if left else []
    return lines + [line.rjust(width) for line in _wrap(right, width)]


class _Builder:
    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.elements: list[ReceiptElement] = []

    def line(self, text: str = "", align: Align = "left", **style: bool) -> None:
        self.elements.append(ReceiptLine(text, align, **style))

    def text(self, text: str, align: Align = "left", indent: int = 0, **style: bool) -> None:
        """Wrapped text; `double` text wraps at half the columns."""
        width = self.columns // 2 if style.get("double") else self.columns
        for part in _wrap(text, width - indent):
            self.line(" " * indent + part if part else "", align, **style)

    def pair(self, left: str, right: str, **style: bool) -> None:
        for text in _pair(left, right, self.columns):
            self.line(text, **style)

    def pair_or_lines(self, left: str, right: str) -> None:
        """Two facts on one line when both fit with a gap, else one per line."""
        if len(left) + 2 + len(right) <= self.columns:
            self.pair(left, right)
        else:
            self.text(left)
            self.text(right)

    def big_pair(self, left: str, right: str) -> None:
        """A bold pair printed double when it fits in half the columns, else normal size."""
        half = self.columns // 2
        if len(left) + 1 + len(right) <= half:
            self.line(_pair(left, right, half)[0], bold=True, double=True)
        else:
            self.pair(left, right, bold=True)

    def rule(self, char: str = "-") -> None:
        self.line(char * self.columns)


# --- the receipt -------------------------------------------------------------------------------


def build_receipt(
    sale: CompletedSale,
    store: StoreSettings,
    columns: int,
    *,
    reprint: bool = False,
    currency_fallback: str | None = None,
    original_bill_number: str | None = None,
) -> ReceiptDocument:
    """Lays out the receipt of `sale` for a roll of `columns` characters.

    `currency_fallback` ("Rs.") is printed instead of the store's currency symbol, for printers
    that lack its glyph. `original_bill_number` names the bill a return or void reverses (when
    not given, an `original_bill_number` attribute of the sale is used if it has one).
    """
    if columns < MIN_COLUMNS:
        raise ValueError(f"a receipt needs at least {MIN_COLUMNS} columns")
    symbol = currency_fallback if currency_fallback is not None else store.currency_symbol
    original = original_bill_number or getattr(sale, "original_bill_number", "") or ""

    def money(value: Decimal) -> str:
        return format_money(value, symbol)

    b = _Builder(columns)
    _header(b, store)
    _title(b, sale.kind, original, reprint)
    _bill_details(b, sale)
    b.rule()
    for line in sale.lines:
        b.text(line.name)
        unit = f" {line.unit}" if line.unit and line.unit != "pcs" else ""
        b.pair(
            f"  {format_quantity(line.quantity)}{unit} x {format_money(line.unit_price)}",
            format_money(line.gross),
        )
        if line.hsn_code:
            b.text(f"HSN {line.hsn_code}", indent=2)
        if line.line_discount:
            b.pair("  Discount", format_money(-line.line_discount))
    b.rule()
    _totals(b, sale, money)
    _payments(b, sale, money)
    if sale.note:
        b.line()
        b.text(f"Note: {sale.note}")
    footer = store.receipt_footer
    if footer:
        b.line()
        for part in footer.splitlines():
            b.text(part.strip(), "center")
    b.line()
    b.elements.append(Barcode(sale.bill_number))
    b.elements.append(Cut())
    return ReceiptDocument(columns, tuple(b.elements))


def _header(b: _Builder, store: StoreSettings) -> None:
    b.text(store.store_name, "center", bold=True, double=True)
    for part in store.store_address.splitlines():
        if part.strip():
            b.text(part.strip(), "center")
    if store.store_phone:
        b.text(f"Ph: {store.store_phone}", "center")
    if store.store_tax_id:
        label = "GSTIN" if store.currency_code == "INR" else "Tax ID"
        b.text(f"{label}: {store.store_tax_id}", "center")
    if store.receipt_header:
        for part in store.receipt_header.splitlines():
            b.text(part.strip(), "center")
    b.rule("=")


def _title(b: _Builder, kind: str, original: str, reprint: bool) -> None:
    if kind == "return":
        b.text(f"RETURN – against {original}" if original else "RETURN", "center", bold=True)
    elif kind == "void":
        b.text(f"VOID – cancels {original}" if original else "VOID", "center", bold=True)
    if reprint:
        b.text("*** REPRINT ***", "center", bold=True)


def _bill_details(b: _Builder, sale: CompletedSale) -> None:
    b.pair_or_lines(f"Bill: {sale.bill_number}", f"{sale.sold_at_local:%d-%m-%Y %H:%M}")
    b.pair_or_lines(f"Cashier: {sale.cashier}", f"Till: {sale.terminal}")
    if sale.approved_by:
        b.text(f"Approved by: {sale.approved_by}")
    if sale.customer_name:
        b.text(f"Customer: {sale.customer_name}")


def _rate(rate: Decimal) -> str:
    text = f"{rate:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _totals(b: _Builder, sale: CompletedSale, money: Callable[[Decimal], str]) -> None:
    count = len(sale.lines)
    b.text(f"Items: {count}  Qty: {format_quantity(sale.item_count)}")
    b.pair("Subtotal", format_money(sale.subtotal))
    if sale.discount_total:
        b.pair("Discount", format_money(-sale.discount_total))
    _tax_summary(b, sale)
    if sale.round_off:
        b.pair("Round off", format_money(sale.round_off))
    b.rule()
    b.big_pair("TOTAL", money(sale.total))
    b.rule()


def _tax_summary(b: _Builder, sale: CompletedSale) -> None:
    rows = [r for r in sale.tax_summary if r.rate or r.tax_amount]
    if not rows and not sale.tax_total:
        return  # a store that charges no tax prints no tax table
    incl = " (incl.)" if sale.prices_include_tax else ""
    table = [("Rate", "Taxable", "Tax")] + [
        (_rate(r.rate), format_money(r.taxable_value), format_money(r.tax_amount))
        for r in sale.tax_summary
    ]
    tax_width = max(len(row[2]) for row in table)
    taxable_width = max(len(row[1]) for row in table)
    rate_width = b.columns - tax_width - taxable_width - 4
    if all(len(row[0]) <= rate_width for row in table):
        for rate, taxable, tax in table:
            b.line(f"{rate:<{rate_width}}  {taxable:>{taxable_width}}  {tax:>{tax_width}}")
    else:  # amounts too wide for one row each: a rate, then its two amounts
        for rate, taxable, tax in table[1:]:
            b.text(f"Tax {rate}")
            b.pair("  Taxable", taxable)
            b.pair("  Tax", tax)
    b.pair(f"Total tax{incl}", format_money(sale.tax_total))


def _payments(b: _Builder, sale: CompletedSale, money: Callable[[Decimal], str]) -> None:
    for payment in sale.payments:
        label = _METHOD_LABELS.get(payment.method, payment.method.replace("_", " ").title())
        if payment.amount < 0:  # given back by a return or a void
            label = "Off the credit balance" if payment.method == CREDIT else f"{label} refund"
        if payment.reference:
            label = f"{label} ({payment.reference})"
        b.pair(label, money(payment.amount))
        if payment.method == CASH and payment.tendered not in (None, payment.amount):
            b.pair("  Cash tendered", money(payment.tendered))
    if sale.change:
        b.pair("Change", money(sale.change), bold=True)
    if sale.customer_balance is not None and sale.credit_amount:
        balance = sale.customer_balance
        if balance >= 0:
            b.pair("Balance due now", money(balance), bold=True)
        else:
            b.pair("Advance held now", money(-balance), bold=True)
    _loyalty(b, sale)


def _loyalty(b: _Builder, sale: CompletedSale) -> None:
    """Loyalty points the bill earned (or a return took back) and the customer's points now."""
    if sale.loyalty_balance is None:
        return
    if sale.loyalty_earned > 0:
        b.pair("Points earned", format_money(sale.loyalty_earned))
    elif sale.loyalty_earned < 0:
        b.pair("Points taken back", format_money(-sale.loyalty_earned))
    if sale.loyalty_redeemed > 0:
        b.pair("Points used", format_money(sale.loyalty_redeemed))
    elif sale.loyalty_redeemed < 0:
        b.pair("Points given back", format_money(-sale.loyalty_redeemed))
    b.pair("Points balance", format_money(sale.loyalty_balance))


# --- plain text --------------------------------------------------------------------------------


def _place(text: str, align: Align, columns: int) -> str:
    if align == "center":
        return text.center(columns).rstrip()
    if align == "right":
        return text.rjust(columns)
    return text.rstrip()


def render_text(doc: ReceiptDocument) -> str:
    """The receipt as plain text, `doc.columns` wide: the on-screen preview.

    Double-size lines show at normal size; a double label/amount pair is spread over the full
    width as it is on paper. The barcode shows as `|| BILL-... ||` and the cut as a dashed line.
    """
    columns = doc.columns
    out: list[str] = []
    for element in doc.elements:
        if isinstance(element, ReceiptLine):
            text = element.text
            if element.double and element.align == "left" and "  " in text.strip():
                left, _, right = text.strip().partition("  ")
                text = _pair(left, right.strip(), columns)[0]
            out.append(_place(text, element.align, columns))
        elif isinstance(element, Barcode):
            shown = f"|| {element.data} ||"
            if len(shown) > columns:
                out.extend(_wrap(element.data, columns))
            else:
                out.append(_place(shown, "center", columns))
        elif isinstance(element, QrCode):
            out.extend(_wrap(f"[QR: {element.data}]", columns))
        elif isinstance(element, Cut):
            out.append(("- " * columns)[:columns].rstrip())
    return "\n".join(out) + "\n"
