"""realpolitik: make a geopolitical analysis runnable."""

__version__ = "0.1.0"
