"""The X report (mid-shift) and Z report (shift close), laid out for the receipt printer."""

from __future__ import annotations

from decimal import Decimal

from posterm.domain.money import format_money
from posterm.domain.receipt import Cut, ReceiptDocument, _Builder
from posterm.domain.shifts import MOVEMENT_LABELS, MOVEMENT_SIGNS, ShiftClose, ShiftFigures


def variance_words(variance: Decimal, symbol: str = "") -> str:
    if variance == 0:
        return "cash matches"
    word = "short" if variance < 0 else "over"
    return f"{format_money(abs(variance), symbol)} {word}"


def report_document(
    figures: ShiftFigures,
    store_name: str,
    columns: int,
    symbol: str = "",
    close: ShiftClose | None = None,
) -> ReceiptDocument:
    """The X report (no `close`) or the Z report of a shift, laid out for the receipt printer."""
    b = _Builder(columns)

    def money(value: Decimal) -> str:
        return format_money(value, symbol)

    b.text(store_name, "center", bold=True)
    b.text("Z REPORT (SHIFT CLOSE)" if close else "X REPORT (MID-SHIFT)", "center", bold=True)
    b.pair_or_lines(f"Shift {figures.shift_id}", f"Till {figures.terminal}")
    b.text(f"Cashier: {figures.cashier}")
    b.text(f"Opened {figures.opened_at:%d-%m-%Y %H:%M}")
    if close:
        b.text(f"Closed {close.closed_at:%d-%m-%Y %H:%M} by {close.closed_by}")
    b.rule()
    b.pair(f"Sales ({figures.sales_count})", money(figures.sales_total))
    b.pair(f"Returns/voids ({figures.refunds_count})", money(-figures.refunds_total))
    b.rule()
    b.text("By tender (taken / refunded)", bold=True)
    for line in figures.tenders:
        label = line.method.upper() if len(line.method) <= 4 else line.method.title()
        b.pair(f"  {label}", f"{money(line.taken)} / {money(line.refunded)}")
    if not figures.tenders:
        b.text("  none")
    b.rule()
    b.text("Cash drawer", bold=True)
    b.pair("  Opening float", money(figures.opening_float))
    b.pair("  Cash taken", money(figures.cash.taken))
    b.pair("  Cash refunded", money(-figures.cash.refunded))
    for kind, sign in MOVEMENT_SIGNS.items():
        b.pair(f"  {MOVEMENT_LABELS[kind]}", money(sign * figures.movements.get(kind, Decimal(0))))
    for category, amount in figures.expenses_by_category:
        b.pair(f"    {category}", money(-amount))
    b.pair("EXPECTED CASH", money(figures.expected_cash), bold=True)
    if close:
        b.rule()
        b.text("Counted", bold=True)
        for key, number in sorted(close.pieces.items(), key=lambda kv: -Decimal(kv[0])):
            b.pair(f"  {key} x {number}", money(Decimal(key) * number))
        b.pair("COUNTED CASH", money(close.counted), bold=True)
        variance = close.variance(figures.expected_cash)
        b.pair("VARIANCE", money(variance), bold=True)
        b.text(variance_words(variance, symbol), "right")
    b.line()
    b.elements.append(Cut())
    return ReceiptDocument(columns, tuple(b.elements))
