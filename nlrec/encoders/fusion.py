"""Fusing rankings from several retrievers: reciprocal rank fusion and weighted score fusion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from nlrec.encoders.base import Ranking

FusionMethod = Literal["rrf", "weighted"]
RRF_K = 60


def rrf(rankings: Sequence[Ranking], k: int, *, weights: Sequence[float] | None = None,
        rrf_k: int = RRF_K) -> Ranking:
    """Reciprocal rank fusion (Cormack et al. 2009): ``score(d) = sum_i w_i / (rrf_k + rank_i(d))``.

    Ranks start at 1; a document missing from a ranking gets nothing from it. Ties are broken
    by the lower document row.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    acc: dict[int, float] = {}
    for w, r in zip(weights, rankings):
        for rank, doc in enumerate(r.doc_ids.tolist(), start=1):
            acc[doc] = acc.get(doc, 0.0) + w / (rrf_k + rank)
    return _top(acc, k)


def weighted(rankings: Sequence[Ranking], k: int, *, weights: Sequence[float]) -> Ranking:
    """Weighted sum of min-max normalised scores; a document missing from a list scores 0 there.

    Each list's scores are scaled to [0, 1] over the documents it returned (a constant list maps
    to 1), so retrievers on different scales (cosine, BM25) can be mixed.
    """
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking is needed")
    acc: dict[int, float] = {}
    for w, r in zip(weights, rankings):
        if len(r) == 0:
            continue
        s = r.scores.astype(np.float64)
        lo, hi = float(s.min()), float(s.max())
        norm = (s - lo) / (hi - lo) if hi > lo else np.ones_like(s)
        for doc, v in zip(r.doc_ids.tolist(), norm.tolist()):
            acc[doc] = acc.get(doc, 0.0) + w * v
    return _top(acc, k)


def fuse(rankings: Sequence[Ranking], k: int, *, method: FusionMethod = "rrf",
         weights: Sequence[float] | None = None) -> Ranking:
    """Dispatch to :func:`rrf` or :func:`weighted`."""
    if method == "rrf":
        return rrf(rankings, k, weights=weights)
    if method == "weighted":
        return weighted(rankings, k, weights=weights or [1.0 / len(rankings)] * len(rankings))
    raise ValueError(f"unknown fusion method {method!r}")


def _top(acc: dict[int, float], k: int) -> Ranking:
    items = sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return Ranking(
        np.array([d for d, _ in items], dtype=np.int64),
        np.array([s for _, s in items], dtype=np.float32),
    )
