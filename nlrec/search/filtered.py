"""Metadata filters as a searcher: only tracks whose fields match a ``--where`` expression.

The wrapped searcher is asked for a pool deep enough to hold ``k`` matching tracks (estimated
from the share of documents that carry a matching track), then 4x deeper until it does or the
index is exhausted, so ``k`` filtered hits come back whenever ``k`` exist. Pools handed upwards
contain only documents with a matching track, and hits only matching tracks, so negation
handling and profiles above see the filtered catalog.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.search.filters import Filter, parse_filter, track_fields
from nlrec.search.results import Hit, Pool, Request
from nlrec.search.searcher import Searcher, SearcherWrapper


class FilterSearcher(SearcherWrapper):
    """Wraps a searcher so that only tracks matching ``expression`` are ranked and returned."""

    def __init__(self, inner: Searcher, expression: str | Filter) -> None:
        super().__init__(inner)
        self.filter = expression if isinstance(expression, Filter) else parse_filter(expression)
        self._rows: np.ndarray | None = None
        self._doc_counts: np.ndarray | None = None

    def allowed_rows(self) -> np.ndarray:
        """Boolean mask over the index's tracks: which match the filter (computed once)."""
        if self._rows is None:
            tracks = self.index.tracks
            self._rows = np.fromiter((self.filter.matches(track_fields(t)) for t in tracks),
                                     dtype=bool, count=len(tracks))
            self._doc_counts = np.bincount(np.asarray(self.index.track_doc)[self._rows],
                                           minlength=len(self.index.documents))
        return self._rows

    @property
    def doc_counts(self) -> np.ndarray:
        """For each document, how many of its tracks match."""
        self.allowed_rows()
        assert self._doc_counts is not None
        return self._doc_counts

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        counts = self.doc_counts
        n_docs = len(counts)
        allowed_docs = int((counts > 0).sum())
        if allowed_docs == 0:
            empty = Ranking(np.empty(0, np.int64), np.empty(0, np.float32))
            return [Pool(query=r.query, ranking=empty) for r in requests]
        start = min(n_docs, max(depth, math.ceil(depth * n_docs / allowed_docs * 1.5)))
        return [self._pool(r, start, depth) for r in requests]

    def _pool(self, request: Request, depth: int, need: int) -> Pool:
        counts = self.doc_counts
        n_docs = len(counts)
        while True:
            pool = self.inner.pools([request], depth, need)[0]
            docs = pool.ranking.doc_ids
            keep = counts[docs] > 0
            found = int(counts[docs[keep]].sum())
            if found >= need or len(docs) < depth or depth >= n_docs:
                break
            depth = min(n_docs, depth * 4)
        ranking = Ranking(docs[keep], pool.ranking.scores[keep])
        return Pool(query=pool.query, ranking=ranking, notes=pool.notes,
                    extra={k: v for k, v in pool.extra.items() if k not in ("scores", "terms")})

    def make_hit(self, pool: Pool, doc: int, row: int, rank: int) -> Hit | None:
        if not self.allowed_rows()[row]:
            return None
        return self.inner.make_hit(pool, doc, row, rank)
