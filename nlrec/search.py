"""Searching an index: free-text request in, ranked tracks (with reasons) out.

Modes: ``dense`` (bi-encoder + FAISS), ``tfidf``, ``bm25``, and ``hybrid`` (dense fused with a
sparse retriever by reciprocal rank fusion or a weighted sum of normalised scores).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from nlrec.encoders.base import Ranking
from nlrec.errors import NlrecError, QueryError
from nlrec.fusion import FusionMethod, fuse

if TYPE_CHECKING:
    from nlrec.index import Index

Mode = Literal["dense", "tfidf", "bm25", "hybrid"]
MODES: tuple[str, ...] = ("dense", "tfidf", "bm25", "hybrid")
MAX_QUERY_CHARS = 1000
MAX_K = 10_000
HYBRID_DEPTH = 100


class QueryTruncatedWarning(UserWarning):
    """A request longer than :data:`MAX_QUERY_CHARS` was cut."""


@dataclass
class Hit:
    """One ranked track.

    Attributes:
        rank: 1-based position.
        id: track id.
        score: the mode's score (cosine for dense / tfidf, BM25, or the fused score).
        descriptors: the track's descriptor set.
        title, artist, year: display fields, when the catalog has them.
        matched: descriptors that share a word (stemmed) with the request: why it matched.
        metadata: the track's other fields.
    """

    rank: int
    id: str
    score: float
    descriptors: list[str]
    title: str | None = None
    artist: str | None = None
    year: int | None = None
    matched: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(float(self.score), 6)
        return d


def clean_query(text: str, *, max_chars: int = MAX_QUERY_CHARS) -> str:
    """Normalise white space; refuse empty requests; truncate absurdly long ones (with a warning).

    Raises:
        QueryError: if the request is empty or only white space.
    """
    if text is None:
        raise QueryError("empty query: type what you want to hear, e.g. \"calm piano for studying\"")
    q = " ".join(str(text).split())
    if not q:
        raise QueryError("empty query: type what you want to hear, e.g. \"calm piano for studying\"")
    if len(q) > max_chars:
        cut = q[:max_chars].rsplit(" ", 1)[0] or q[:max_chars]
        warnings.warn(
            f"query of {len(q)} characters truncated to {len(cut)}", QueryTruncatedWarning, stacklevel=2
        )
        q = cut
    return q


def rank_documents(
    index: Index,
    queries: Sequence[str],
    depth: int,
    *,
    mode: Mode = "hybrid",
    sparse: Literal["bm25", "tfidf"] = "bm25",
    fusion: FusionMethod = "rrf",
    alpha: float = 0.5,
    model: str | None = None,
) -> list[Ranking]:
    """Rank the index's unique documents for each query (no track expansion)."""
    if mode not in MODES:
        raise NlrecError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if mode in ("tfidf", "bm25"):
        return index.retriever(mode).search(queries, depth)
    dense = index.retriever("dense", model=model).search(queries, max(depth, HYBRID_DEPTH) if mode == "hybrid" else depth)
    if mode == "dense":
        return dense
    if not 0.0 <= alpha <= 1.0:
        raise NlrecError(f"--alpha must be in [0, 1], got {alpha}")
    lexical = index.retriever(sparse).search(queries, max(depth, HYBRID_DEPTH))
    lexical = [_positive(r) for r in lexical]
    return [
        fuse([d, s], depth, method=fusion, weights=[alpha, 1.0 - alpha] if fusion == "weighted" else None)
        for d, s in zip(dense, lexical)
    ]


def search_many(index: Index, queries: Sequence[str], k: int = 10, **options: Any) -> list[list[Hit]]:
    """Search several requests at once (the encoder and index are loaded once)."""
    if not 1 <= k <= MAX_K:
        raise NlrecError(f"k must be between 1 and {MAX_K}, got {k}")
    cleaned = [clean_query(q) for q in queries]
    mode = options.get("mode", "hybrid")
    rankings = rank_documents(index, cleaned, k, **options)
    return [_expand(index, q, r, k, drop_zero=mode in ("tfidf", "bm25")) for q, r in zip(cleaned, rankings)]


def search(index: Index, query: str, k: int = 10, **options: Any) -> list[Hit]:
    """Search one request.

    Args:
        index: an opened :class:`~nlrec.index.Index`.
        query: the request, e.g. ``"upbeat steel drum"``.
        k: number of tracks to return.
        **options: ``mode`` (dense | tfidf | bm25 | hybrid, default hybrid), ``sparse`` (the
            lexical side of hybrid: bm25 | tfidf), ``fusion`` (rrf | weighted), ``alpha`` (dense
            weight in weighted fusion), ``model`` (must match the index's encoder).
    """
    return search_many(index, [query], k, **options)[0]


def _positive(r: Ranking) -> Ranking:
    keep = r.scores > 0
    return Ranking(r.doc_ids[keep], r.scores[keep])


def _expand(index: Index, query: str, ranking: Ranking, k: int, *, drop_zero: bool) -> list[Hit]:
    hits: list[Hit] = []
    qterms = _terms(query)
    for doc, score in zip(ranking.doc_ids.tolist(), ranking.scores.tolist()):
        if drop_zero and score <= 0:
            break
        for row in index.doc_tracks[doc]:
            t = index.tracks[row]
            hits.append(
                Hit(
                    rank=len(hits) + 1,
                    id=t.id,
                    score=float(score),
                    descriptors=list(t.descriptors),
                    title=t.title,
                    artist=t.artist,
                    year=t.year,
                    matched=[d for d in t.descriptors if _terms(d) & qterms],
                    metadata=t.metadata,
                )
            )
            if len(hits) == k:
                return hits
    return hits


# ------------------------------------------------------------------------------- reasons
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_STOP = frozenset(
    "a an and are as at be but by for from has have i in is it its like me music my no not of on "
    "or so some something song songs sound sounds that the this to track tracks very want with "
    "without".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover
        return None


@lru_cache(maxsize=65536)
def _terms(text: str) -> frozenset[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1]
    words = [p for w in words for p in ([w] + w.split("-") if "-" in w else [w])]
    st = _stemmer()
    return frozenset(st.stemWords(words) if st else words)
