"""posterm: a keyboard-first point of sale for the terminal."""

__version__ = "0.1.0"
