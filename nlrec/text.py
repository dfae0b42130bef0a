"""Text helpers shared by search and profiles: the stemmed term set of a request or descriptor.

A hit's ``matched`` descriptors are those sharing a term with the request: both sides go through
:func:`terms` (lower-cased words, a few stop words dropped, hyphenated words also split into
their parts, Snowball English stems when PyStemmer is installed).

Example:
    >>> sorted(terms("Upbeat synth-pop songs for running"))
    ['pop', 'run', 'synth', 'synth-pop', 'upbeat']
    >>> matched(["synthpop", "Synth Pop", "running music"], "synth-pop for running")
    ['Synth Pop', 'running music']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
"""A word: letters and digits, with inner hyphens or apostrophes kept."""

STOP_WORDS = frozenset(
    "a an and are as at be but by for from has have i in is it its like me music my no not of on "
    "or so some something song songs sound sounds that the this to track tracks very want with "
    "without".split()
)
"""Words a request uses that say nothing about the music."""


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover
        return None


@lru_cache(maxsize=65536)
def terms(text: str) -> frozenset[str]:
    """The stemmed term set of ``text`` (see the module docstring); empty for no words."""
    words = [w for w in WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1]
    words = [p for w in words for p in ([w] + w.split("-") if "-" in w else [w])]
    st = _stemmer()
    return frozenset(st.stemWords(words) if st else words)


def matched(descriptors: Iterable[str], query: str) -> list[str]:
    """The descriptors that share a term with ``query``, in their order."""
    qterms = terms(query)
    return [d for d in descriptors if terms(d) & qterms]


def descriptor_key(text: str) -> str:
    """The case- and space-insensitive key a descriptor is matched by (``"Female  Vocal"`` ->
    ``"female vocal"``). Profiles store and compare keys."""
    return " ".join(str(text).lower().split())
