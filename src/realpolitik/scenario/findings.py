"""The shape of a cross-reference finding and the two checks every section uses."""

from __future__ import annotations

from collections.abc import Iterator

from .quantities import as_dist

Finding = tuple[tuple, str, object, tuple]  # (path, message, value, valid options)


def ref(path, value, known, what) -> Iterator[Finding]:
    """An id that must be one of ``known``."""
    if value is not None and value not in known:
        yield (path, f"unknown {what} id", value, tuple(sorted(known)))


def bounded(path, q, low, high, what) -> Iterator[Finding]:
    """A quantity (or every value of a distribution's support) that must lie in [low, high]."""
    if q is None:
        return
    lo, hi = as_dist(q).bounds()
    if lo < low or hi > high:
        shown = f"{lo:g}" if lo == hi else f"a distribution on [{lo:g}, {hi:g}]"
        yield (path, f"{what} must lie in [{low:g}, {high:g}]", shown, ())
