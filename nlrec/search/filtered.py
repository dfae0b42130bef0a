"""Metadata filters as a searcher: only tracks whose fields match a ``--where`` expression.

The filter is evaluated once per expression (on a Milvus-backed index, inside Milvus), giving the
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
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.search.filters import Filter, parse_filter, track_fields
from nlrec.search.results import Hit, Pool, Request
from nlrec.search.searcher import Searcher, SearcherWrapper


@dataclass(frozen=True)
class Allowed:
    """The tracks a filter lets through: matching tracks per document, and either a per-row mask
    (tested here) or the matching ids (the filter ran in Milvus)."""

    counts: np.ndarray
    rows: np.ndarray | None = None
    ids: frozenset[str] | None = None

    def allows(self, index: Any, row: int) -> bool:
        if self.rows is not None:
            return bool(self.rows[row])
        return index.tracks[row].id in self.ids  # type: ignore[operator]


def _pushed_down(index: Any, expression: str) -> Allowed | None:
    """The filter run in Milvus' tracks collection, or None when it cannot be said there exactly."""
    from nlrec.search.milvus_filters import Untranslatable, to_milvus

    backend = index.manifest.raw.get("backend") or {}
    try:
        milvus_expr = to_milvus(expression, list_fields=frozenset(backend.get("list_fields") or ()),
                                meta_format=int(backend.get("meta_format") or 1))
    except Untranslatable:
        return None
    # a margin: the collection may hold tracks a newer version added (ignored below)
    ids, keys = index.milvus().matching_tracks(milvus_expr, total=2 * len(index.tracks) + 10000)
    from nlrec.index.milvus import key_map

    rows = key_map(index).rows_of(keys)
    known = rows >= 0  # tracks a newer version added are not this version's
    counts = np.bincount(rows[known], minlength=len(index.documents))
    return Allowed(counts, ids=frozenset(i for i, k in zip(ids, known.tolist()) if k))


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

    def masks(self, expression: str) -> Allowed:
        """For ``expression``: which tracks match, and how many matching tracks each document has.

        On a Milvus-backed index the filter runs in Milvus (:mod:`nlrec.search.milvus_filters`)
        when it can be said there exactly; otherwise (and locally) every track is tested here.
        """
        if expression not in self._masks:
            def compute() -> Allowed:
                if self.index.backend == "milvus":
                    pushed = _pushed_down(self.index, expression)
                    if pushed is not None:
                        return pushed
                f = parse_filter(expression)
                tracks = self.index.tracks
                rows = np.fromiter((f.matches(track_fields(t)) for t in tracks), dtype=bool, count=len(tracks))
                counts = np.bincount(np.asarray(self.index.track_doc)[rows], minlength=len(self.index.documents))
                return Allowed(counts, rows=rows)

            self._masks[expression] = self.index.memo(("filter", expression), compute)
        return self._masks[expression]

    def allowed(self, request: Request | None = None) -> Allowed | None:
        expression = self._expression(request)
        return self.masks(expression) if expression else None

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
        allowed = self.masks(self._expression(request))  # type: ignore[arg-type]
        counts = allowed.counts
        n_docs = len(counts)
        if not counts.any():
            return Pool(query=request.query, ranking=Ranking(np.empty(0, np.int64), np.empty(0, np.float32)))
        # the retrievers rank the matching documents only (in Milvus: the filter pushed down), so
        # every backend fuses and returns the same ranking
        request = dataclasses.replace(request, docs=np.flatnonzero(counts > 0))
        pool = self.inner.pools([request], min(n_docs, need), k)[0]
        docs = pool.ranking.doc_ids
        keep = counts[docs] > 0
        ranking = Ranking(docs[keep], pool.ranking.scores[keep])
        return Pool(query=pool.query, ranking=ranking, notes=pool.notes,
                    extra={k_: v for k_, v in pool.extra.items() if k_ not in ("scores", "terms")})

    def make_hit(self, pool: Pool, doc: int, row: int, rank: int) -> Hit | None:
        allowed = self.allowed(pool.extra.get("request"))
        if allowed is not None and not allowed.allows(self.index, row):
            return None
        return self.inner.make_hit(pool, doc, row, rank)
