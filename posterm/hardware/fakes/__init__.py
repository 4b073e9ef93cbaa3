"""Fake counter hardware that speaks the real protocols, for tests and demos.

`scripts/fake_printer.py` and `scripts/fake_serial.py` run them by hand; the tests use them
in-process. Nothing here runs in the till itself.
"""
