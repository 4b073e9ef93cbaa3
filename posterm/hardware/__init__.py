"""Counter hardware behind small protocols: printer, scanner, scale, display, drawer."""
