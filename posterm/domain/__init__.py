"""Pure rules of the shop: money, tax, carts, barcodes, permissions; no I/O, no UI."""
