"""Taste-profile re-ranking as a searcher that wraps a searcher.

The wrapped searcher's ranking of the request gives a pool of ``max(QUERY_POOL, 20 k)``
documents; within it the score is ``(1 - weight) * q + weight * p``, with ``q`` the request's
score and ``p`` the profile score, each min-max normalised over the pool. ``weight = 0`` keeps the
plain ranking; ``1`` orders the request's pool by the profile alone. Negation handling wraps this
searcher in turn (see :func:`nlrec.search.build_searcher`), so a profile that loves vocals cannot
bring them back into "piano without vocals".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.errors import NlrecError
from nlrec.profiles.profile import Profile
from nlrec.profiles.recommend import (
    DEFAULT_PROFILE_WEIGHT,
    QUERY_POOL,
    IndexProfiles,
    ProfileHit,
)
from nlrec.profiles.scoring import minmax
from nlrec.search.results import Hit, Pool, Request
from nlrec.search.searcher import Searcher, SearcherWrapper
from nlrec.search.stack import build_searcher

if TYPE_CHECKING:
    from nlrec.index import Index
    from nlrec.search.options import SearchOptions


class ProfileSearcher(SearcherWrapper):
    """Blends the wrapped searcher's scores with a profile's; hits say which prototypes drove them."""

    def __init__(self, inner: Searcher, profile: Profile, *, weight: float = DEFAULT_PROFILE_WEIGHT,
                 reasons: int = 3, context: IndexProfiles | None = None) -> None:
        if not 0.0 <= weight <= 1.0:
            raise NlrecError(f"--profile-weight must be in [0, 1], got {weight}")
        super().__init__(inner)
        self.profile = profile
        self.weight = weight
        self.n_reasons = reasons
        self.context = context or IndexProfiles(self.index)
        self._scorer: Any = None
        self._scores: tuple[np.ndarray, np.ndarray] | None = None
        self.decorate_hits(self._profile_hit)

    def _profile_scores(self) -> tuple[Any, np.ndarray, np.ndarray]:
        if self._scores is None:
            if self.profile.weights or self.profile.muted:
                self._scorer = self.context.scorer(self.profile)
                self._scores = (self._scorer.base_scores(), self._scorer.scores())
            else:
                n = len(self.index.documents)
                self._scores = (np.zeros(n), np.zeros(n))
        return self._scorer, self._scores[0], self._scores[1]

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        deep = min(len(self.index.documents), max(QUERY_POOL, 20 * k, depth))
        return [self._blend(pool) for pool in self.inner.pools(requests, deep, k)]

    def _blend(self, pool: Pool) -> Pool:
        docs, q = pool.ranking.doc_ids, pool.ranking.scores.astype(np.float64)
        _, base_all, p_all = self._profile_scores()
        base, p = base_all[docs], p_all[docs]
        # normalised over the pool by the range of the scores before the mute penalty, so that muted
        # carriers fall without squeezing the profile's say over the other items
        blended = (1.0 - self.weight) * minmax(q) + self.weight * minmax(p, base)
        order = np.lexsort((np.arange(len(docs)), -blended))
        parts = {int(d): (float(pq), float(pp)) for d, pq, pp in zip(docs.tolist(), q, p)}
        return pool.but(ranking=Ranking(docs[order], blended[order].astype(np.float32)), blend=parts)

    def _profile_hit(self, pool: Pool, doc: int, hit: Hit) -> Hit:
        scorer, _, _ = self._profile_scores()
        q_score, p_score = (pool.blend or {}).get(doc, (None, 0.0))
        fields = {name: getattr(hit, name) for name in hit.__dataclass_fields__}
        return ProfileHit(**fields, profile_score=p_score, query_score=q_score,
                          because=scorer.reasons(doc, self.n_reasons) if scorer is not None else [])


def profile_searcher(index: Index, profile: Profile, options: SearchOptions, *,
                     weight: float = DEFAULT_PROFILE_WEIGHT, reasons: int = 3,
                     context: IndexProfiles | None = None, layers: Sequence[Any] = ()) -> Searcher:
    """``nlrec query --profile``: the index's searcher with the profile's re-ranking inside the
    negation handling (``layers``, e.g. ``--rerank``, go below the profile)."""
    if not 0.0 <= weight <= 1.0:
        raise NlrecError(f"--profile-weight must be in [0, 1], got {weight}")
    ctx = context or IndexProfiles(index)
    return build_searcher(index, options, layers=[
        *layers, lambda s: ProfileSearcher(s, profile, weight=weight, reasons=reasons, context=ctx)])


def search_with_profile(
    index: Index,
    query: str,
    profile: Profile,
    k: int = 10,
    *,
    profile_weight: float = DEFAULT_PROFILE_WEIGHT,
    reasons: int = 3,
    context: IndexProfiles | None = None,
    **options: Any,
) -> list[ProfileHit]:
    """Search a request, re-ranked with a profile (see :class:`~nlrec.profiles.searcher.ProfileSearcher`).

    ``options`` are :class:`~nlrec.search.SearchOptions` fields (``mode``, ``negation``,
    ``exclude``, ...).

    Raises:
        NlrecError: for an empty request, an unknown mode, ``profile_weight`` outside [0, 1], or
            an unknown negation mode.
    """
    from nlrec.search import SearchOptions

    searcher = profile_searcher(index, profile, SearchOptions.from_kwargs(**options), weight=profile_weight,
                                reasons=reasons, context=context)
    return searcher.search(query, k).hits  # type: ignore[return-value]
