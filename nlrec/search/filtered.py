"""Metadata filters as a searcher: only tracks whose fields match a ``--where`` expression.

The filter is evaluated once per filter tree (on a Milvus-backed index, inside Milvus), giving the
documents that carry a matching track; the retrievers then rank those documents only (FAISS with
an ID selector or exactly, Milvus with the filter pushed down, BM25 / TF-IDF from their scores),
so ``k`` filtered hits come back whenever ``k`` exist, and a hybrid search fuses the two filtered
rankings the same way on every backend. Pools handed upwards contain only documents with a
matching track, and hits only matching tracks, so negation handling and profiles above see the
filtered catalog.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.request.filters import Filter, evaluate, track_fields
from nlrec.search.results import Allowed, Pool, Request
from nlrec.search.searcher import SearcherWrapper

if TYPE_CHECKING:
    from nlrec.index import Index

__all__ = ["Allowed", "FilterSearcher"]


def _pushed_down(index: Index, f: Filter) -> Allowed | None:
    """The filter run in Milvus' tracks collection, or None when it cannot be said there exactly."""
    from nlrec.index.milvus import key_map
    from nlrec.index.milvus.filters import Untranslatable, to_milvus

    backend = index.manifest.raw.get("backend") or {}
    try:
        milvus_expr = to_milvus(f, list_fields=frozenset(backend.get("list_fields") or ()),
                                meta_format=int(backend.get("meta_format") or 1))
    except Untranslatable:
        return None
    # a margin: the collection may hold tracks a newer version added (ignored below)
    ids, keys = index.milvus().matching_tracks(milvus_expr, total=2 * len(index.tracks) + 10000)
    rows = key_map(index).rows_of(keys)
    known = rows >= 0  # tracks a newer version added are not this version's
    counts = np.bincount(rows[known], minlength=len(index.documents))
    return Allowed(counts, ids=frozenset(i for i, k in zip(ids, known.tolist()) if k))


class FilterSearcher(SearcherWrapper):
    """Wraps a searcher so that only tracks matching each request's filter (its plan's: the
    ``--where`` tree and its release years) are ranked and returned. Requests without a filter
    pass through."""

    def allowed(self, f: Filter) -> Allowed:
        """For filter ``f``: which tracks match, and how many matching tracks each document has.

        On a Milvus-backed index the filter runs in Milvus (:mod:`nlrec.index.milvus.filters`)
        when it can be said there exactly; otherwise (and locally) every track is tested here.
        Computed once per filter tree and index.
        """
        def compute() -> Allowed:
            if self.index.backend == "milvus":
                pushed = _pushed_down(self.index, f)
                if pushed is not None:
                    return pushed
            tracks = self.index.tracks
            rows = np.fromiter((evaluate(f.tree, track_fields(t)) for t in tracks), dtype=bool, count=len(tracks))
            counts = np.bincount(np.asarray(self.index.track_doc)[rows], minlength=len(self.index.documents))
            return Allowed(counts, rows=rows)

        return self.index.memo(("filter", f.tree), compute)

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        out: list[Pool | None] = [None] * len(requests)
        plain = [i for i, r in enumerate(requests) if r.filter is None]
        if plain:
            for i, pool in zip(plain, self.inner.pools([requests[i] for i in plain], depth, k)):
                out[i] = pool
        for i, r in enumerate(requests):
            if out[i] is None:
                out[i] = self._pool(r, depth, k)
        return out  # type: ignore[return-value]

    def _pool(self, request: Request, need: int, k: int) -> Pool:
        allowed = self.allowed(request.filter)  # type: ignore[arg-type]
        counts = allowed.counts
        n_docs = len(counts)
        if not counts.any():
            return Pool(query=request.query, ranking=Ranking(np.empty(0, np.int64), np.empty(0, np.float32)),
                        request=request, allowed=allowed)
        # the retrievers rank the matching documents only (in Milvus: the filter pushed down), so
        # every backend fuses and returns the same ranking
        request = dataclasses.replace(request, docs=np.flatnonzero(counts > 0))
        pool = self.inner.pools([request], min(n_docs, need), k)[0]
        docs = pool.ranking.doc_ids
        keep = counts[docs] > 0
        return pool.but(ranking=Ranking(docs[keep], pool.ranking.scores[keep]), allowed=allowed)
