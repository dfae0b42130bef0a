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
    """Wraps a searcher so that only tracks matching ``expression`` (and each request's own
    ``where``, e.g. its years) are ranked and returned. Without any expression it passes through."""

    def __init__(self, inner: Searcher, expression: str | Filter | None = None) -> None:
        super().__init__(inner)
        self.filter = expression if isinstance(expression, Filter) or expression is None else parse_filter(expression)
        self._masks: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _expression(self, request: Request | None) -> str | None:
        parts = [p for p in (self.filter.expression if self.filter else None,
                             request.where if request is not None else None) if p]
        return " and ".join(f"({p})" for p in parts) if parts else None

    def masks(self, expression: str) -> tuple[np.ndarray, np.ndarray]:
        """For ``expression``: which tracks match, and how many matching tracks each document has."""
        if expression not in self._masks:
            def compute() -> tuple[np.ndarray, np.ndarray]:
                f = parse_filter(expression)
                tracks = self.index.tracks
                rows = np.fromiter((f.matches(track_fields(t)) for t in tracks), dtype=bool, count=len(tracks))
                counts = np.bincount(np.asarray(self.index.track_doc)[rows], minlength=len(self.index.documents))
                return rows, counts

            self._masks[expression] = self.index.memo(("filter", expression), compute)
        return self._masks[expression]

    def allowed_rows(self, request: Request | None = None) -> np.ndarray | None:
        expression = self._expression(request)
        return self.masks(expression)[0] if expression else None

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        out: list[Pool | None] = [None] * len(requests)
        plain = [i for i, r in enumerate(requests) if not self._expression(r)]
        if plain:
            for i, pool in zip(plain, self.inner.pools([requests[i] for i in plain], depth, k)):
                out[i] = pool
        for i, r in enumerate(requests):
            if out[i] is None:
                out[i] = self._pool(r, depth, k)
        return out  # type: ignore[return-value]

    def _pool(self, request: Request, need: int, k: int) -> Pool:
        _, counts = self.masks(self._expression(request))  # type: ignore[arg-type]
        n_docs = len(counts)
        allowed_docs = int((counts > 0).sum())
        if allowed_docs == 0:
            return Pool(query=request.query, ranking=Ranking(np.empty(0, np.int64), np.empty(0, np.float32)))
        depth = min(n_docs, max(need, math.ceil(need * n_docs / allowed_docs * 1.5)))
        while True:
            pool = self.inner.pools([request], depth, k)[0]
            docs = pool.ranking.doc_ids
            keep = counts[docs] > 0
            found = int(counts[docs[keep]].sum())
            if found >= need or len(docs) < depth or depth >= n_docs:
                break
            depth = min(n_docs, depth * 4)
        ranking = Ranking(docs[keep], pool.ranking.scores[keep])
        return Pool(query=pool.query, ranking=ranking, notes=pool.notes,
                    extra={k_: v for k_, v in pool.extra.items() if k_ not in ("scores", "terms")})

    def make_hit(self, pool: Pool, doc: int, row: int, rank: int) -> Hit | None:
        rows = self.allowed_rows(pool.extra.get("request"))
        if rows is not None and not rows[row]:
            return None
        return self.inner.make_hit(pool, doc, row, rank)
