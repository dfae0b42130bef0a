"""Embedding-based facet matching: descriptors close to a negated facet count as that facet.

The facet ("vocals") and the candidate descriptors are embedded with the index's own encoder;
a descriptor matches when its cosine to the facet is at least ``threshold`` *and* it passes
two vetoes that catch what cosine gets wrong:

* contrast: the descriptor swaps a contrasting word of the facet ("acoustic guitar" for
  "electric guitar", "90s" for "80s", "quiet" for "loud": cosine 0.76 to 0.82 with
  all-MiniLM-L6-v2);
* head: the descriptor's last word names another lexicon facet ("bass drum" is a drum, not
  bass; "electric piano" is no electric guitar); and the lexicon's ``except`` phrases.

With all-MiniLM-L6-v2, cosine to "vocals" is 0.80 for "male vocals", 0.76 for "singing", 0.65
for "choir" and 0.52 for "piano"; to "drums" 0.82 for "percussion" and 0.54 for "piano". The
default threshold (0.80) is conservative: the lexicon handles the common synonyms and this
matcher only adds close paraphrases (on the MusicCaps vocabulary: "synthwave", "synthpop" and
"synthbass" for "synth"; nothing for "vocals", "drums" or "electric guitar", whose closest
unlisted terms, "electric rhythm guitar playing" at 0.79 and "guitar-like instrument" at 0.76,
show why it is not lower). Other encoders (CLAP) have other cosine scales; set the
threshold per index with ``--negation-threshold`` (1 turns semantic matching off).

A guard adapts the threshold to the encoder: for each facet, the cosine to the most similar
*unrelated* lexicon facet (e.g. "piano" for "vocals") plus ``MARGIN`` is a floor. An encoder
whose space is crowded (a random or collapsed model, where every cosine is above 0.9) then
matches nothing by embedding instead of everything.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.encoders.cache import EmbeddingCache
from nlrec.negation.lexicon import FacetPattern, Lexicon, contains, load_lexicon, stems
from nlrec.paths import cache_dir

DEFAULT_THRESHOLD = 0.80
MARGIN = 0.05
_MAX_CACHED = 200_000
_CACHES: dict[tuple[str, Path | None], EmbeddingCache] = {}  # (encoder, cache directory) -> its vectors


def _vector_cache(encoder: Any) -> EmbeddingCache:
    """The process-wide cache of ``encoder``'s text vectors, kept on disk under
    ``NLREC_HOME/.cache/vectors`` so later processes do not embed the same descriptors again.

    ``NLREC_VECTOR_CACHE=off`` keeps it in memory only (``nlrec bench`` uses that, so that each
    run measures the first-time cost)."""
    on_disk = os.environ.get("NLREC_VECTOR_CACHE", "").strip().lower() not in ("off", "0", "no", "false")
    directory = cache_dir() / "vectors" if on_disk else None
    key = (str(encoder.fingerprint()), directory)
    if key not in _CACHES:
        _CACHES[key] = EmbeddingCache(encoder, directory)
    return _CACHES[key]


def clear_vector_caches() -> None:
    """Forget the vectors this process holds (as a new process would start)."""
    _CACHES.clear()


class SemanticMatcher:
    """Matches descriptors to negated facets by cosine similarity in an encoder's space.

    Args:
        encoder: a :class:`~nlrec.encoders.base.DenseEncoder` (the index's encoder).
        threshold: minimum cosine for a match (see the module docstring).
        lexicon: the facet lexicon used by the vetoes.
    """

    def __init__(
        self, encoder: Any, threshold: float = DEFAULT_THRESHOLD, *, lexicon: Lexicon | None = None
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.encoder = encoder
        self.threshold = float(threshold)
        self.lexicon = lexicon or load_lexicon()
        self._cache = _vector_cache(encoder)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``texts``; each distinct text is encoded once per encoder, and kept on
        disk for later processes (:class:`~nlrec.encoders.cache.EmbeddingCache`)."""
        if len(self._cache) > _MAX_CACHED:
            self._cache.clear()
        vectors = self._cache.encode(list(texts))
        try:
            self._cache.save()
        except OSError:  # a read-only or full home: the cache still works in memory
            pass
        return vectors

    def vetoed(self, pattern: FacetPattern, term: str) -> bool:
        """Whether a close ``term`` is still not the facet (contrast, another head, an except)."""
        t = stems(term)
        if any(contains(t, e) for e in pattern.excepts):
            return True
        if self.lexicon.contrast_conflict(stems(pattern.facet), t):
            return True
        head = self.lexicon.head_facet(t)
        return head is not None and head != pattern.canonical

    def facet_threshold(self, pattern: FacetPattern) -> float:
        """The threshold for one facet: the global one, or above its closest unrelated facet."""
        related = {pattern.canonical}
        anchors = [
            name for name in self.lexicon.facets
            if name not in related and not pattern.matches(name)
            and not self.lexicon.pattern(name).matches(pattern.facet)
        ]
        if not anchors:
            return self.threshold
        sims = self.embed(anchors) @ self.embed([pattern.facet])[0]
        return max(self.threshold, float(sims.max()) + MARGIN)

    def matches(self, patterns: Sequence[FacetPattern], terms: Sequence[str]) -> dict[str, list[str]]:
        """``{term: [facets it matches]}`` for the terms that match at least one facet."""
        if not patterns or not terms:
            return {}
        f = self.embed([p.facet for p in patterns])
        t = self.embed(list(terms))
        sims = t @ f.T
        limits = np.array([self.facet_threshold(p) for p in patterns], dtype=np.float32)
        out: dict[str, list[str]] = {}
        for i, j in zip(*np.nonzero(sims >= limits[None, :])):
            term, pattern = terms[int(i)], patterns[int(j)]
            if not self.vetoed(pattern, term):
                out.setdefault(term, []).append(pattern.facet)
        return out
