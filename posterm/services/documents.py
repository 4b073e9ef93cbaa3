"""Printing documents that are not sales (payment slips, statements, customer cards).

Like receipts, they print after their transaction has committed and never inside one: a slow
printer must not hold the database's locks. A failure is one PrinterError line.
"""

from __future__ import annotations

from collections.abc import Callable

from posterm.data.models import database
from posterm.domain.errors import PrinterError
from posterm.domain.receipt import ReceiptDocument, fallback_symbol
from posterm.hardware.printer import NullPrinter, ReceiptPrinter, printable
from posterm.services.settings import load_settings


def currency_for(printer: ReceiptPrinter) -> str:
    """The store's currency symbol, or what to print instead when the printer lacks it."""
    settings = load_settings()
    if printable(printer, settings.currency_symbol):
        return settings.currency_symbol
    return getattr(printer, "currency_fallback", "") or fallback_symbol(
        settings.currency_symbol, settings.currency_code
    )


def print_document(
    printer: ReceiptPrinter, build: Callable[[str], ReceiptDocument]
) -> ReceiptDocument | None:
    """Builds the document (given the currency symbol to use) and prints it; None: no printer."""
    if database.in_transaction():
        raise RuntimeError("documents print after their transaction, never inside one")
    if isinstance(printer, NullPrinter):
        return None
    doc = build(currency_for(printer))
    try:
        printer.print_document(doc)
    except OSError as exc:
        raise PrinterError(f"printer failed: {exc.strerror or exc}") from None
    return doc
