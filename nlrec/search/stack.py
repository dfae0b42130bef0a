"""Stacking searchers: the one place that decides the order of the layers ``nlrec query`` uses.

Bottom to top: the index's retrievers (:class:`~nlrec.search.searcher.IndexSearcher`), the
metadata filter, caller-given layers (a taste profile, ...), and negation handling, outermost so
that nothing below it can bring back an excluded track. The request is planned once, before the
stack is walked (:mod:`nlrec.search.planning`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from nlrec.search.filtered import FilterSearcher
from nlrec.search.negation import NegationSearcher
from nlrec.search.options import SearchOptions
from nlrec.search.searcher import IndexSearcher, Searcher

if TYPE_CHECKING:
    from nlrec.index import Index

Layer = Callable[[Searcher], Searcher]
"""Wraps a searcher in another (e.g. a taste profile's re-ranking)."""


def build_searcher(index: Index, options: SearchOptions | None = None, *, layers: Sequence[Layer] = ()) -> Searcher:
    """The searcher ``nlrec query`` uses: the index's retrievers, the metadata filter
    (``options.where`` and a request's years), then ``layers`` (innermost first), then negation handling (outermost, so
    nothing below can bring back an excluded track).
    """
    options = options or SearchOptions()
    s: Searcher = IndexSearcher(index, options)
    s = FilterSearcher(s)
    for layer in layers:
        s = layer(s)
    if options.negation != "off":
        s = NegationSearcher(s)
    return s
