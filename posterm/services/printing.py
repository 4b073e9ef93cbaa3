"""Printing a sale's receipt after checkout, and reprinting it (DESIGN.md, "Checkout").

The sale is committed before anything here runs; printing only ever changes its `printed` and
`printed_at` columns. Call it from a worker after `checkout()` has returned: it refuses to run
inside a transaction, where a slow or stuck printer would hold the database's locks.
"""

from __future__ import annotations

from posterm.data.database import write_transaction
from posterm.data.fields import utc_now
from posterm.data.models import Sale, database
from posterm.domain.errors import PrinterError
from posterm.domain.receipt import ReceiptDocument, build_receipt, fallback_symbol, render_text
from posterm.domain.sale import CompletedSale
from posterm.domain.store_settings import StoreSettings
from posterm.hardware.printer import NullPrinter, ReceiptPrinter, printable
from posterm.services.checkout import get_sale
from posterm.services.settings import load_settings


def print_sale(
    sale_id: int, printer: ReceiptPrinter, columns: int, *, reprint: bool = False
) -> None:
    """Prints the receipt of sale `sale_id` and marks the sale printed.

    `reprint` asks for a copy: the receipt says REPRINT when an earlier print of this sale
    succeeded (a retry after a failed first print is the customer's original, unmarked).
    On failure raises PrinterError (a printer that raises OSError is reported the same way);
    a sale never printed stays `printed=False`, one printed before keeps its mark.
    A NullPrinter (printer "none") prints nothing and marks nothing.
    """
    if database.in_transaction():
        raise RuntimeError("print_sale runs after checkout commits, never inside a transaction")
    sale = get_sale(sale_id)
    if isinstance(printer, NullPrinter):
        return
    settings = load_settings()
    fallback = None
    if not printable(printer, settings.currency_symbol):
        fallback = fallback_symbol(settings.currency_symbol, settings.currency_code)
    doc = _document(
        sale,
        settings,
        columns,
        reprint=reprint and sale.printed,
        currency_fallback=fallback,
    )
    try:
        try:
            printer.print_document(doc)
        except OSError as exc:
            raise PrinterError(f"printer failed: {exc.strerror or exc}") from None
    except PrinterError:
        if not sale.printed:
            _mark(sale_id, printed=False)
        raise
    _mark(sale_id, printed=True)


def receipt_preview(sale_id: int, columns: int) -> str:
    """The receipt of sale `sale_id` as plain text, `columns` wide, for the screen."""
    return render_text(receipt_document(sale_id, columns))


def receipt_document(
    sale_id: int, columns: int, *, reprint: bool = False, currency_fallback: str | None = None
) -> ReceiptDocument:
    """The receipt document of sale `sale_id` (for a preview, or a printer of one's own)."""
    return _document(
        get_sale(sale_id),
        load_settings(),
        columns,
        reprint=reprint,
        currency_fallback=currency_fallback,
    )


def _document(
    sale: CompletedSale,
    settings: StoreSettings,
    columns: int,
    *,
    reprint: bool,
    currency_fallback: str | None,
) -> ReceiptDocument:
    return build_receipt(
        sale,
        settings,
        columns,
        reprint=reprint,
        currency_fallback=currency_fallback,
        original_bill_number=_original_bill_number(sale.id),
    )


def _original_bill_number(sale_id: int) -> str:
    """The bill a return or void reverses ("" for a sale)."""
    row = Sale.select(Sale.original).where(Sale.id == sale_id).first()
    if row is None or row.original_id is None:
        return ""
    original = Sale.select(Sale.bill_number).where(Sale.id == row.original_id).first()
    return original.bill_number if original is not None else ""


def _mark(sale_id: int, *, printed: bool) -> None:
    changes = {Sale.printed: printed}
    if printed:
        changes[Sale.printed_at] = utc_now()
    with write_transaction():
        Sale.update(changes).where(Sale.id == sale_id).execute()
