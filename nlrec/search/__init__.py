"""Searching: a request in, ranked tracks with their reasons out.

* :mod:`~nlrec.search.options`: :class:`SearchOptions`, the typed options of every search.
* :mod:`~nlrec.search.planning`: the request planned once (:mod:`nlrec.request.plan`) and made
  ready for ranking (the named items' vectors).
* :mod:`~nlrec.search.documents`: document searchers (a registered retriever kind,
  :mod:`nlrec.index.retrievers`; hybrid = dense and a lexical kind fused).
* :mod:`~nlrec.search.searcher`: track searchers over an index, and the wrapper interface.
* :mod:`~nlrec.search.negation`: negation handling as a wrapping searcher.
* :mod:`~nlrec.search.filtered`: metadata filters (``--where``, a request's years) over the filter
  tree of :mod:`nlrec.request.filters`.
* :mod:`~nlrec.search.rerank`: cross-encoder reranking of the top N as a layer (``--rerank``).
* :mod:`~nlrec.search.stack`: :func:`build_searcher`, the order of the layers.
* :mod:`~nlrec.search.similar`: item-to-item neighbours.
* fusion (reciprocal rank, weighted scores): :mod:`nlrec.encoders.fusion`.
* :mod:`~nlrec.search.results`: :class:`Hit`, :class:`Pool`, :class:`Request`, :class:`SearchResult`
  (hits + the request's plan).

Example:
    >>> from nlrec.index import open_index                                   # doctest: +SKIP
    >>> from nlrec.search import SearchOptions, build_searcher
    >>> searcher = build_searcher(open_index("mine"), SearchOptions(mode="hybrid"))
    >>> for hit in searcher.search("calm piano for studying", k=5).hits:
    ...     print(hit.rank, hit.id, hit.matched)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from nlrec.search.documents import DocumentSearcher, HybridSearcher, RetrieverSearcher
from nlrec.search.options import (
    HYBRID_DEPTH,
    MAX_K,
    MAX_QUERY_CHARS,
    MODES,
    QueryTruncatedWarning,
    SearchOptions,
    clean_query,
)
from nlrec.search.rerank import RerankSearcher, rerank_layer
from nlrec.search.results import Hit, Pool, Request, SearchResult
from nlrec.search.searcher import IndexSearcher, Searcher, SearcherWrapper
from nlrec.search.stack import build_searcher

if TYPE_CHECKING:
    from nlrec.index import Index

__all__ = [
    "HYBRID_DEPTH",
    "MAX_K",
    "MAX_QUERY_CHARS",
    "MODES",
    "DocumentSearcher",
    "Hit",
    "HybridSearcher",
    "IndexSearcher",
    "Pool",
    "QueryTruncatedWarning",
    "RerankSearcher",
    "Request",
    "RetrieverSearcher",
    "SearchOptions",
    "SearchResult",
    "Searcher",
    "SearcherWrapper",
    "build_searcher",
    "clean_query",
    "rerank_layer",
    "search",
    "search_many",
]


def search_many(index: Index, queries: Sequence[str], k: int = 10, **options: Any) -> list[list[Hit]]:
    """Hits for several requests; ``options`` are :class:`SearchOptions` fields."""
    searcher = build_searcher(index, SearchOptions.from_kwargs(**options))
    return [r.hits for r in searcher.batch_search(queries, k)]


def search(index: Index, query: str, k: int = 10, **options: Any) -> list[Hit]:
    """Hits for one request, e.g. ``search(open_index("mine"), "upbeat steel drum", k=5)``."""
    return search_many(index, [query], k, **options)[0]
