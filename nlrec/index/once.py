"""Per-key locks under which an index's lazy values (retrievers, encoder, id column, names, memo
entries) are computed once, even when several threads (the server's concurrent searches) ask for
one at the same time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING = object()
MEMO_SIZE = 256
"""A memo holding more entries than this is cleared before the next one is added."""


class OnceLocks:
    """``with once(key):`` holds the one lock of ``key``; :meth:`memo` computes a value once."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def __call__(self, key: Hashable) -> threading.Lock:
        """The lock of ``key`` (made on first use)."""
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    def memo(self, memo: dict[Any, Any], key: Hashable, compute: Callable[[], T]) -> T:
        """``memo[key]``, computed by ``compute()`` once (other threads asking wait for it)."""
        value = memo.get(key, _MISSING)  # one dict read: safe while another thread inserts or clears
        if value is not _MISSING:
            return value
        with self(("memo", key)):
            value = memo.get(key, _MISSING)
            if value is not _MISSING:
                return value
            value = compute()
            with self._guard:
                if len(memo) > MEMO_SIZE:
                    memo.clear()
                memo[key] = value
                self._locks.pop(("memo", key), None)  # threads already waiting hold the lock object
            return value
