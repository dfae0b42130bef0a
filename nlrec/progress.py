"""Progress reporting: the callback type long work accepts, and the one counter that drives it.

Example:
    >>> seen = []
    >>> tick = counter(lambda *a: seen.append(a), "embedding", 5)
    >>> tick(2); tick(3)
    >>> seen
    [('embedding', 2, 5), ('embedding', 5, 5)]
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, int, int], None]
"""``(stage, done, total)``, called as work advances."""


def counter(progress: ProgressCallback | None, stage: str, total: int) -> Callable[[int], None]:
    """A ``tick(n)`` that adds ``n`` to what is done and reports ``(stage, done, total)``; it does
    nothing without ``progress``."""
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(stage, done, total)

    return tick
