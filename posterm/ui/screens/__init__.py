"""One screen per feature."""
