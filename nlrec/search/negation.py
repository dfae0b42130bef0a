"""Negation handling as a searcher: "relaxing piano without vocals".

The exclusions come from the request's plan (:mod:`nlrec.request.plan`); the positive text ("relaxing piano") is ranked deep enough that ``k`` tracks survive, each
ranked document is judged against the negated facets ("vocals": a curated lexicon plus embedding
similarity, :mod:`nlrec.negation`), and documents carrying one are removed (``filter``) or pushed
down (``penalize``). Each hit says why it was kept or demoted (``Hit.negation``).

A request that is only exclusions ("no vocals") is ranked as typed: dense retrieval then favours
descriptors such as "no vocals" / "instrumental", and in lexical modes every document without the
facet can still be returned (appended with score 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.limits import LIMITS, check_time
from nlrec.search.results import Pool, Request
from nlrec.search.searcher import Searcher, SearcherWrapper

NEGATION_DEPTH_FACTOR = 5
NEGATION_MIN_DEPTH = 50
"""Documents are first ranked ``max(5 k, 50)`` deep, then 4x deeper until ``k`` tracks survive."""


class NegationSearcher(SearcherWrapper):
    """Wraps a searcher: negated facets are split off, judged and filtered or penalised."""

    def __init__(self, inner: Searcher) -> None:
        super().__init__(inner)
        self.mode = self.options.negation
        self._matcher_cache: dict[tuple[str, ...], Any] = {}
        self._semantic: Any = None

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        out: list[Pool | None] = [None] * len(requests)
        plain = [i for i, r in enumerate(requests) if not r.negative]
        if plain:
            for i, pool in zip(plain, self.inner.pools([requests[i] for i in plain], depth, k)):
                out[i] = pool
        for i, r in enumerate(requests):
            if r.negative:
                out[i] = self._negated(r, depth, k)
        return out  # type: ignore[return-value]

    def _matcher(self, negative: tuple[str, ...]) -> Any:
        from nlrec.negation.matching import FacetMatcher
        from nlrec.negation.semantic import DEFAULT_THRESHOLD, SemanticMatcher

        threshold = self.options.negation_threshold
        threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        if threshold < 1.0 and self._semantic is None:
            self._semantic = SemanticMatcher(self.index.encoder(self.options.model), threshold)
        return FacetMatcher(list(negative), semantic=self._semantic if threshold < 1.0 else None)

    def _negated(self, request: Request, k_depth: int, k: int) -> Pool:
        """Rank the positive text deep enough that ``k`` tracks are free of the negated facets."""
        from nlrec.negation.rerank import rerank

        index = self.index
        matcher = self._matcher(request.negative)
        n_docs = len(index.documents)
        cap = min(n_docs, LIMITS.negation_documents)  # k x negation depth is bounded
        depth = min(cap, max(k_depth * NEGATION_DEPTH_FACTOR, NEGATION_MIN_DEPTH))
        verdicts: dict[int, Any] = {}
        while True:
            check_time()
            pool = self.inner.pools([request], depth, k)[0]
            ranking = pool.ranking
            exhausted = len(ranking) < depth or depth >= cap
            docs = ranking.doc_ids.tolist()
            new = [d for d in docs if d not in verdicts]
            verdicts.update(zip(new, _judge(index, matcher, new)))
            clean = sum(len(index.doc_tracks[d]) for d in docs if not verdicts[d].is_violation)
            if clean >= k or exhausted:
                break
            depth = min(cap, max(depth, len(ranking)) * 4)
        if clean < k and not request.plan.positive and self.lexical:
            ranking = _append_unranked(index, ranking, verdicts, matcher)
        ranked, ordered = rerank(ranking, [verdicts[d] for d in ranking.doc_ids.tolist()], self.mode)
        notes = {d: {**pool.notes.get(d, {}), "negation": v.to_dict()}
                 for d, v in zip(ranked.doc_ids.tolist(), ordered)}
        return pool.but(ranking=ranked, notes=notes)


def _append_unranked(index: Any, ranking: Ranking, verdicts: dict[int, Any], matcher: Any) -> Ranking:
    """Add every unranked document without a negated facet (stated absences first), score 0."""
    seen = set(ranking.doc_ids.tolist())
    room = max(0, LIMITS.negation_documents - len(seen))  # judged documents stay bounded
    rest = [d for d in range(len(index.documents)) if d not in seen][:room]
    verdicts.update(zip(rest, _judge(index, matcher, rest)))
    ok = [d for d in rest if not verdicts[d].is_violation]
    ok.sort(key=lambda d: (not verdicts[d].absent, d))
    return Ranking(
        np.concatenate([ranking.doc_ids, np.asarray(ok, dtype=np.int64)]),
        np.concatenate([ranking.scores, np.zeros(len(ok), dtype=np.float32)]),
    )


def _judge(index: Any, matcher: Any, docs: list[int], chunk: int = 200) -> list[Any]:
    """Verdicts for documents, judged in chunks with a time-budget check between them."""
    out: list[Any] = []
    for start in range(0, len(docs), chunk):
        check_time()
        out += matcher.judge_many(index.tracks[index.doc_tracks[d][0]].descriptors for d in docs[start:start + chunk])
    return out
