"""Profiles on an index: build one from likes, recommend from it, personalise a request with it.

Every recommendation carries its reasons: the prototypes that contributed most to its score.

Example:
    >>> from nlrec.index import open_index                                  # doctest: +SKIP
    >>> index = open_index("mine")
    >>> profile = build_profile(index, "alice", {"t1": 12, "t7": 3})
    >>> [(h.id, [r.descriptor for r in h.because]) for h in recommend(index, profile, k=3)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.profiles.profile import Profile, ProfileError, ProfileSettings
from nlrec.profiles.prototypes import ItemSpace, Prototypes, build_prototypes, descriptor_key
from nlrec.profiles.scoring import ProfileScorer, Reason, play_weights, profile_weights
from nlrec.search.results import Hit, track_hit

if TYPE_CHECKING:
    from nlrec.index import Index

DEFAULT_PROFILE_WEIGHT = 0.3
QUERY_POOL = 1000
"""Documents the request's own ranking hands to the profile blend (at least ``20 k``)."""


@dataclass
class ProfileHit(Hit):
    """A :class:`~nlrec.search.Hit` with the profile's part in it.

    Attributes:
        profile_score: the item's profile score (weighted mean prototype affinity).
        query_score: the request's own score (None for plain recommendations).
        because: the prototypes that drove it, largest contribution first.
    """

    profile_score: float = 0.0
    query_score: float | None = None
    because: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["profile_score"] = round(float(self.profile_score), 6)
        if self.query_score is not None:
            d["query_score"] = round(float(self.query_score), 6)
        return d


class _ManifestEncoder:
    """The index's encoder, loaded only when a text is not in the embedding cache."""

    def __init__(self, index: Index) -> None:
        self._index = index
        self.id = index.manifest.encoder.id
        self.dimension = index.manifest.dimension

    def fingerprint(self) -> str:
        return self._index.manifest.encoder.weights_sha256

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None) -> np.ndarray:
        return self._index.encoder().encode(texts, batch_size=batch_size, progress=progress)


class IndexProfiles:
    """An index as profiles see it: its item space, descriptors and prototype vectors.

    Descriptor text embeddings are cached under ``NLREC_HOME/.cache/profiles`` (keyed by the
    encoder's weights), so recommending from an existing profile needs no model.

    Args:
        index: an opened index.
        cache_dir: where to keep descriptor embeddings (None: ``NLREC_HOME/.cache/profiles``).
    """

    def __init__(self, index: Index, *, cache_dir: Path | None = None) -> None:
        from nlrec.evaluation import EmbeddingCache
        from nlrec.paths import cache_dir as default_cache

        self.index = index
        self._cache = EmbeddingCache(_ManifestEncoder(index), cache_dir or default_cache() / "profiles")
        self._space: ItemSpace | None = None
        self._known: set[str] | None = None

    @property
    def space(self) -> ItemSpace:
        if self._space is None:
            self._space = ItemSpace.from_index(self.index)
        return self._space

    def known(self) -> set[str]:
        """Every descriptor key some track of the index carries."""
        if self._known is None:
            self._known = {descriptor_key(d) for t in self.index.tracks for d in t.descriptors}
        return self._known

    def prototypes(self, names: Sequence[str], *, blend: float) -> Prototypes:
        names = [descriptor_key(n) for n in names]
        if not names:
            return Prototypes([], np.zeros((0, self.index.manifest.dimension), np.float32))
        vectors = self._cache.encode(names)
        self._cache.save()
        return build_prototypes(self.space, names, vectors, blend=blend)

    def scorer(self, profile: Profile) -> ProfileScorer:
        names = [d for d, _ in profile.ranked()]
        protos = self.prototypes(names, blend=profile.settings.blend)
        return ProfileScorer(self.space, protos, profile.weights, lexical=profile.settings.lexical,
                             muted=profile.muted, mute_penalty=profile.settings.mute_penalty)

    def liked_rows(self, likes: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Document rows and play counts of the liked track ids, and the ids not in the index."""
        row_of = {t.id: r for r, t in enumerate(self.index.tracks)}
        rows, plays, unknown = [], [], []
        for track, n in likes.items():
            r = row_of.get(str(track))
            if r is None:
                unknown.append(str(track))
            else:
                rows.append(int(self.index.track_doc[r]))
                plays.append(float(n))
        return np.asarray(rows, dtype=np.int64), np.asarray(plays, dtype=np.float64), unknown


def index_ref(index: Index) -> str:
    """How a profile names its index: the name when it resolves back to it, else the path."""
    from nlrec.errors import NlrecError
    from nlrec.index import resolve_index_path

    root = index.root or index.path
    try:
        if resolve_index_path(index.name).resolve() == root.resolve():
            return index.name
    except NlrecError:  # not a valid index name: fall back to the path
        pass
    return str(root.resolve())


def build_profile(
    index: Index,
    name: str,
    likes: Mapping[str, float],
    *,
    settings: ProfileSettings | None = None,
    vocabulary: Sequence[str] | None = None,
    context: IndexProfiles | None = None,
) -> tuple[Profile, dict[str, Any]]:
    """Compute a profile from liked tracks.

    Args:
        index: the index the liked ids belong to.
        name: the profile's name.
        likes: track id -> play count.
        settings: build settings (default :class:`ProfileSettings`).
        vocabulary: the prototypes to attend over (default: the index's ``vocab_size`` most
            frequent descriptors).
        context: a reusable :class:`IndexProfiles` of ``index``.

    Returns:
        The profile (not yet saved) and a report: matched / unknown ids, vocabulary size.

    Raises:
        ProfileError: if no liked id is a track of the index, or the vocabulary is empty.
    """
    from nlrec.profiles.store import validate_profile_name

    validate_profile_name(name)
    settings = settings or ProfileSettings()
    ctx = context or IndexProfiles(index)
    rows, plays, unknown = ctx.liked_rows(likes)
    if len(rows) == 0:
        shown = ", ".join(repr(u) for u in unknown[:3])
        raise ProfileError(f"none of the {len(unknown)} liked id(s) is a track of index {index.name!r} (e.g. {shown})")
    vocab = list(dict.fromkeys(descriptor_key(v) for v in vocabulary)) if vocabulary else ctx.space.vocabulary(settings.vocab_size)
    vocab = [v for v in vocab if v]
    if not vocab:
        raise ProfileError("the vocabulary is empty")
    protos = ctx.prototypes(vocab, blend=settings.blend)
    weights = profile_weights(ctx.space, protos, rows, play_weights(plays, settings.weighting),
                              temperature=settings.temperature, top_m=settings.top_m, lexical=settings.lexical,
                              specificity=settings.specificity)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    known_ids = {str(k): float(v) for k, v in likes.items() if str(k) not in set(unknown)}
    profile = Profile(name=name, index=index_ref(index), weights=weights, settings=settings, vocabulary=vocab,
                      likes=known_ids, created_at=now, updated_at=now)
    report = {"liked": len(likes), "matched": len(rows), "unknown": len(unknown), "unknown_ids": unknown[:20],
              "vocabulary": len(vocab), "prototypes": len(weights)}
    return profile, report


def recommend(
    index: Index,
    profile: Profile,
    k: int = 10,
    *,
    include_liked: bool = False,
    reasons: int = 3,
    context: IndexProfiles | None = None,
) -> list[ProfileHit]:
    """The ``k`` tracks that fit the profile best, each with the prototypes that drove it.

    Liked tracks (the profile's ``likes``) are left out unless ``include_liked``.

    Raises:
        ProfileError: if every weight of the profile is zero.
    """
    if not profile.weights:
        raise ProfileError(f"profile {profile.name!r} has no weight left; raise one with: "
                           f"nlrec profile adjust {profile.name} --more DESCRIPTOR")
    ctx = context or IndexProfiles(index)
    scorer = ctx.scorer(profile)
    scores = scorer.scores()
    order = np.lexsort((np.arange(len(scores)), -scores))
    skip = set() if include_liked else set(profile.likes)
    return _hits(index, order, scores, k, scorer, reasons, skip=skip, profile=profile)


def _hits(index: Index, order: np.ndarray, doc_scores: np.ndarray, k: int, scorer: ProfileScorer | None,
          n_reasons: int, *, profile: Profile, skip: set[str] | None = None) -> list[ProfileHit]:
    hits: list[ProfileHit] = []
    for doc in order.tolist():
        for row in index.doc_tracks[doc]:
            t = index.tracks[row]
            if skip and t.id in skip:
                continue
            hit = track_hit(t, rank=len(hits) + 1, score=float(doc_scores[doc]),
                            matched=[d for d in t.descriptors if descriptor_key(d) in profile.weights])
            hits.append(ProfileHit(**vars(hit), profile_score=float(doc_scores[doc]), query_score=None,
                                   because=scorer.reasons(doc, n_reasons) if scorer is not None else []))
            if len(hits) == k:
                return hits
    return hits
    return hits
