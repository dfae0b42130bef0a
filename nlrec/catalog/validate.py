"""Checks on catalog cells: ids, years and descriptor caps (one-line errors, warnings naming the
track).

Rules (see the Catalog part of docs/architecture.md):

- A track id is any text without a tab, newline or other control character (those break TREC
  runs and the tab-separated output); such an id is refused, naming the row. Ids with spaces are
  allowed: TREC runs percent-encode whitespace and ``%`` in ids (:func:`nlrec.trec.trec_id`).
- A year is a finite number between -9999 and 9999.
- A track keeps at most :data:`MAX_DESCRIPTORS_PER_TRACK` descriptors of at most
  :data:`~nlrec.catalog.tracks.MAX_DESCRIPTOR_CHARS` characters; more is cut with a warning naming
  the track.
- Nested lists of descriptors are flattened (``[["jazz", "piano"], "calm"]`` is three
  descriptors); an object (``{"a": 1}``) is not a descriptor and is refused.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

from nlrec.errors import CatalogError

MAX_DESCRIPTORS_PER_TRACK = 256
MAX_WARNINGS = 5
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


class CatalogWarning(UserWarning):
    """A catalog row was accepted after a change (descriptors cut)."""


def check_id(track_id: str, source: str, lineno: int) -> str:
    """``track_id`` if it has no control character.

    Raises:
        CatalogError: naming the row.
    """
    m = _CONTROL.search(track_id)
    if m:
        raise CatalogError(
            f"{source}: row {lineno} has an id with a {_char_name(m.group())} ({track_id[:40]!r}); "
            "ids cannot contain tabs, newlines or control characters"
        )
    return track_id


def _char_name(c: str) -> str:
    return {"\t": "tab", "\n": "newline", "\r": "carriage return"}.get(c, f"control character U+{ord(c):04X}")


def opt_year(v: Any, source: str, lineno: int) -> int | None:
    """A year cell as an int (None when empty).

    Raises:
        CatalogError: for anything but a finite number in [-9999, 9999].
    """
    if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        raise CatalogError(f"{source}: row {lineno} has a year that is not a number: {str(v)[:40]!r}") from None
    if not math.isfinite(f) or abs(f) > 9999:
        raise CatalogError(f"{source}: row {lineno} has a year out of range: {str(v)[:40]!r} (expected -9999..9999)")
    return int(f)


def flatten(items: Any) -> list[Any]:
    """Nested lists and tuples of descriptors, flattened in order.

    Raises:
        CatalogError: for an object where a descriptor was expected.
    """
    out: list[Any] = []
    stack = [iter(items)]
    while stack:
        try:
            item = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        if hasattr(item, "tolist") and not isinstance(item, (str, bytes)):
            item = item.tolist()
        if isinstance(item, (list, tuple)):
            stack.append(iter(item))
        elif isinstance(item, dict):
            raise CatalogError(f"a descriptor is an object ({str(item)[:40]}); descriptors must be text")
        else:
            out.append(item)
    return out


class Caps:
    """Collects tracks whose descriptors were cut, warning for the first few by name."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.count = 0

    def cut(self, track_id: str, lineno: int, what: str) -> None:
        self.count += 1
        if self.count <= MAX_WARNINGS:
            warnings.warn(f"{self.source}: track {track_id[:60]!r} (row {lineno}): {what}", CatalogWarning,
                          stacklevel=4)

    def done(self) -> None:
        if self.count > MAX_WARNINGS:
            warnings.warn(f"{self.source}: descriptors were cut on {self.count - MAX_WARNINGS} more track(s)",
                          CatalogWarning, stacklevel=3)
