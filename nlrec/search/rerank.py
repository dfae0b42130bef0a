"""Cross-encoder reranking as a searcher that wraps a searcher (``nlrec query --rerank N``).

The wrapped searcher ranks at least ``depth`` documents; the first ``depth`` are scored by a
cross-encoder on (request, descriptor set) and put in the order of its logits, the rest follow in
their old order. A hit's score is then the cross-encoder's logit (the documents below ``depth``
score below every reranked one). The request the cross-encoder reads is the one the dense side
ranks (``Request.query``: negations, filler and references taken out), so negation handling, which
wraps this searcher (see :func:`nlrec.search.build_searcher`), still decides what is excluded.

Example:
    >>> from nlrec.encoders.cross import CrossEncoderScorer                    # doctest: +SKIP
    >>> scorer = CrossEncoderScorer.load("gpl/runs/mtt-train/teacher")
    >>> s = build_searcher(index, SearchOptions(mode="bm25"), layers=[rerank_layer(scorer, 100)])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.encoders.cross import rerank_order
from nlrec.errors import NlrecError
from nlrec.search.results import Pool, Request
from nlrec.search.searcher import Searcher, SearcherWrapper

#: Documents reranked when ``--rerank`` is given without a number.
DEFAULT_RERANK_DEPTH = 100
MAX_RERANK_DEPTH = 1000


class PairScorer(Protocol):
    """Anything that scores (request, document) pairs: :class:`~nlrec.encoders.cross.CrossEncoderScorer`."""

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray: ...


def rerank_ranking(ranking: Ranking, scores: np.ndarray) -> Ranking:
    """``ranking`` with its first ``len(scores)`` documents reordered by ``scores`` (their new scores)
    and the rest after them, in their order, scored just below the lowest reranked score."""
    n = len(scores)
    head, tail = ranking.doc_ids[:n], ranking.doc_ids[n:]
    order = rerank_order(scores)
    s = np.asarray(scores, dtype=np.float32)[order]
    floor = float(s.min()) - 1.0 if n else 0.0
    tail_scores = floor - np.arange(len(tail), dtype=np.float32) * 1e-6
    return Ranking(np.concatenate([head[order], tail]).astype(np.int64),
                   np.concatenate([s, tail_scores]).astype(np.float32))


class RerankSearcher(SearcherWrapper):
    """Reorders the wrapped searcher's first ``depth`` documents by a cross-encoder.

    Args:
        inner: the searcher whose ranking is reranked.
        scorer: scores (request, document) pairs (e.g. a loaded teacher).
        depth: how many of the first documents are reranked (1..1000).
    """

    def __init__(self, inner: Searcher, scorer: PairScorer, depth: int = DEFAULT_RERANK_DEPTH) -> None:
        if not 1 <= depth <= MAX_RERANK_DEPTH:
            raise NlrecError(f"--rerank must be in [1, {MAX_RERANK_DEPTH}], got {depth}")
        super().__init__(inner)
        self.scorer = scorer
        self.depth = depth

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        pools = self.inner.pools(requests, max(depth, self.depth), k)
        documents = self.index.documents
        pairs: list[tuple[str, str]] = []
        spans: list[tuple[int, int]] = []
        for r, pool in zip(requests, pools):
            head = pool.ranking.doc_ids[: self.depth].tolist()
            text = r.query or r.text
            spans.append((len(pairs), len(head)))
            pairs.extend((text, documents[d]) for d in head)
        scores = self.scorer.score_pairs(pairs) if pairs else np.empty(0, np.float32)
        out = []
        for pool, (start, n) in zip(pools, spans):
            if n == 0:
                out.append(pool)
                continue
            out.append(pool.but(ranking=rerank_ranking(pool.ranking, scores[start:start + n])))
        return out


def rerank_layer(scorer: PairScorer, depth: int = DEFAULT_RERANK_DEPTH) -> Callable[[Searcher], Searcher]:
    """A layer for :func:`nlrec.search.build_searcher` that reranks the first ``depth`` documents."""
    return lambda inner: RerankSearcher(inner, scorer, depth)
