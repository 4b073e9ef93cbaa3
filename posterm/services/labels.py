"""Printing product labels on the receipt printer (the stock screen's Labels key).

Reads the products, lays the labels out (`domain.labels`) and sends them in one write.
Runs in a worker and never inside a transaction: a slow printer holds no database locks.
"""

from __future__ import annotations

from collections.abc import Sequence

from posterm.data.models import Product
from posterm.domain.errors import NotFound, PrinterError, ValidationError
from posterm.domain.labels import MAX_LABELS, LabelItem, build_labels
from posterm.domain.receipt import ReceiptDocument, fallback_symbol
from posterm.hardware.printer import NullPrinter, ReceiptPrinter, printable
from posterm.services.settings import load_settings


def label_items(wanted: Sequence[tuple[int, int]]) -> list[LabelItem]:
    """(product id, count) pairs as label items, in the order given."""
    for _, count in wanted:
        if not 1 <= count <= MAX_LABELS:
            raise ValidationError("count", f"from 1 to {MAX_LABELS} labels per product")
    ids = [product_id for product_id, _ in wanted]
    found = {p.id: p for p in Product.select().where(Product.id.in_(ids))}
    items = []
    for product_id, count in wanted:
        product = found.get(product_id)
        if product is None:
            raise NotFound(f"No product with id {product_id}.")
        items.append(
            LabelItem(
                product.name,
                product.code,
                product.barcode or "",
                product.price,
                product.unit,
                count,
            )
        )
    return items


def labels_document(
    wanted: Sequence[tuple[int, int]], columns: int, *, currency_fallback: str | None = None
) -> ReceiptDocument:
    settings = load_settings()
    symbol = currency_fallback if currency_fallback is not None else settings.currency_symbol
    return build_labels(label_items(wanted), columns, symbol)


def print_labels(wanted: Sequence[tuple[int, int]], printer: ReceiptPrinter, columns: int) -> int:
    """Prints the labels; returns how many. Raises PrinterError when the printer fails (or
    when there is none)."""
    if not wanted:
        raise ValidationError("labels", "choose at least one product")
    if isinstance(printer, NullPrinter):
        raise PrinterError("no printer is configured (set printer in posterm.toml)")
    settings = load_settings()
    fallback = None
    if not printable(printer, settings.currency_symbol):
        fallback = fallback_symbol(settings.currency_symbol, settings.currency_code)
    doc = labels_document(wanted, columns, currency_fallback=fallback)
    try:
        printer.print_document(doc)
    except OSError as exc:
        raise PrinterError(f"printer failed: {exc.strerror or exc}") from None
    return sum(count for _, count in wanted)
