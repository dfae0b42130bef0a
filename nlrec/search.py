"""Searching an index: free-text request in, ranked tracks (with reasons) out.

Modes: ``dense`` (bi-encoder + FAISS), ``tfidf``, ``bm25``, and ``hybrid`` (dense fused with a
sparse retriever by reciprocal rank fusion or a weighted sum of normalised scores).

Negations ("relaxing piano without vocals") are understood by default (:mod:`nlrec.negation`):
the positive text is searched, deeper than ``k``, and documents carrying a negated facet are
removed (``negation="filter"``) or pushed down (``"penalize"``); ``"off"`` searches the text as is.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from nlrec.encoders.base import Ranking
from nlrec.errors import NlrecError, QueryError
from nlrec.fusion import FusionMethod, fuse
from nlrec.text import terms

if TYPE_CHECKING:
    from nlrec.index import Index

Mode = Literal["dense", "tfidf", "bm25", "hybrid"]
MODES: tuple[str, ...] = ("dense", "tfidf", "bm25", "hybrid")
MAX_QUERY_CHARS = 1000
MAX_K = 10_000
HYBRID_DEPTH = 100
#: With negated facets, documents are first retrieved this many times ``k`` deep (at least
#: ``NEGATION_MIN_DEPTH``), then 4x deeper until ``k`` tracks survive (up to the whole index).
NEGATION_DEPTH_FACTOR = 5
NEGATION_MIN_DEPTH = 50


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
        negation: for a request with negated facets, why the track was kept or demoted:
            ``{"facets", "excluded_by", "absent", "violated", "semantic"}`` (see
            :class:`~nlrec.negation.matching.NegationVerdict`); ``None`` otherwise.
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
    negation: dict[str, Any] | None = None

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
    if mode == "hybrid":
        index.load_retrievers(["dense", sparse], model=model)
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


def search_many(
    index: Index,
    queries: Sequence[str],
    k: int = 10,
    *,
    negation: str = "filter",
    exclude: Sequence[str] = (),
    negation_threshold: float | None = None,
    **options: Any,
) -> list[list[Hit]]:
    """Search several requests at once (the encoder and index are loaded once).

    Args:
        negation: ``filter`` (default), ``penalize`` or ``off`` (see the module docstring).
        exclude: facets every request must not carry (``--exclude``), e.g. ``["vocals"]``.
        negation_threshold: cosine above which a descriptor counts as a negated facet by
            embedding (default :data:`~nlrec.negation.semantic.DEFAULT_THRESHOLD`; 1 = lexical
            matching only).
        **options: see :func:`search`.
    """
    if not 1 <= k <= MAX_K:
        raise NlrecError(f"k must be between 1 and {MAX_K}, got {k}")
    cleaned = [clean_query(q) for q in queries]
    mode = options.get("mode", "hybrid")
    parsed = parse_negations(cleaned, negation, exclude)
    plain = [i for i, p in enumerate(parsed) if p is None or not p.negative]
    out: list[list[Hit]] = [[] for _ in cleaned]
    if plain:
        rankings = rank_documents(index, [cleaned[i] for i in plain], k, **options)
        for i, r in zip(plain, rankings):
            out[i] = _expand(index, cleaned[i], r, k, drop_zero=mode in ("tfidf", "bm25"))
    for i, p in enumerate(parsed):
        if p is not None and p.negative:
            out[i] = _search_negated(index, p, k, negation, negation_threshold, options)
    return out


def parse_negations(queries: Sequence[str], negation: str = "filter", exclude: Sequence[str] = ()) -> list[Any]:
    """Each request's :class:`~nlrec.negation.parse.ParsedRequest` (``None`` with ``negation="off"``).

    Raises:
        NlrecError: for an unknown negation mode, or exclusions with ``negation="off"``.
    """
    if negation not in ("filter", "penalize", "off"):
        raise NlrecError(f"unknown negation mode {negation!r}; choose filter, penalize or off")
    if negation == "off" and exclude:
        raise NlrecError("exclusions need negation handling: use filter or penalize, not off")
    if negation == "off":
        return [None] * len(queries)
    from nlrec.negation.parse import parse_request

    return [parse_request(q, exclude) for q in queries]


def search(index: Index, query: str, k: int = 10, **options: Any) -> list[Hit]:
    """Search one request.

    Args:
        index: an opened :class:`~nlrec.index.Index`.
        query: the request, e.g. ``"upbeat steel drum"``.
        k: number of tracks to return.
        **options: ``mode`` (dense | tfidf | bm25 | hybrid, default hybrid), ``sparse`` (the
            lexical side of hybrid: bm25 | tfidf), ``fusion`` (rrf | weighted), ``alpha`` (dense
            weight in weighted fusion), ``model`` (must match the index's encoder),
            ``negation`` (filter | penalize | off), ``exclude`` (facets to rule out) and
            ``negation_threshold`` (see :func:`search_many`).
    """
    return search_many(index, [query], k, **options)[0]


def _search_negated(
    index: Index, parsed: Any, k: int, negation: str, threshold: float | None, options: dict[str, Any]
) -> list[Hit]:
    """Search the positive text deep enough that ``k`` tracks survive the negated facets.

    A request that is only exclusions ("no vocals") is searched as typed: dense retrieval then
    favours descriptors such as "no vocals" / "instrumental", and every document without the
    facet can still be returned (lexical modes append them with score 0).
    """
    from nlrec.negation.rerank import rerank

    text, ranking, verdicts = negated_pool(index, parsed, k, threshold, options)
    ranked, ordered = rerank(ranking, [verdicts[d] for d in ranking.doc_ids.tolist()], negation)  # type: ignore[arg-type]
    notes = {d: v.to_dict() for d, v in zip(ranked.doc_ids.tolist()[: k], ordered[: k])}
    return _expand(index, text, ranked, k, drop_zero=False, notes=notes)


def negated_pool(
    index: Index, parsed: Any, k: int, threshold: float | None, options: dict[str, Any], *,
    depth: int | None = None,
) -> tuple[str, Ranking, dict[int, Any]]:
    """Rank the positive text of a request with negated facets, and judge the ranked documents.

    The ranking starts ``depth`` documents deep (default ``max(5 k, 50)``) and goes 4x deeper
    until at least ``k`` tracks are free of the negated facets, or the index is exhausted.

    Returns:
        The text that was ranked, the ranking, and each ranked document's verdict.
    """
    from nlrec.negation.matching import FacetMatcher
    from nlrec.negation.semantic import DEFAULT_THRESHOLD, SemanticMatcher

    threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    semantic = None
    if threshold < 1.0:
        semantic = SemanticMatcher(index.encoder(options.get("model")), threshold)
    matcher = FacetMatcher(parsed.negative, semantic=semantic)
    text = parsed.positive or parsed.text
    lexical = options.get("mode", "hybrid") in ("tfidf", "bm25")
    n_docs = len(index.documents)
    depth = min(n_docs, depth or max(k * NEGATION_DEPTH_FACTOR, NEGATION_MIN_DEPTH))
    verdicts: dict[int, Any] = {}
    while True:
        ranking = rank_documents(index, [text], depth, **options)[0]
        exhausted = len(ranking) < depth or depth >= n_docs
        if lexical:
            ranking = _positive(ranking)
        docs = ranking.doc_ids.tolist()
        new = [d for d in docs if d not in verdicts]
        verdicts.update(zip(new, matcher.judge_many(index.tracks[index.doc_tracks[d][0]].descriptors for d in new)))
        clean = sum(len(index.doc_tracks[d]) for d in docs if not verdicts[d].is_violation)
        if clean >= k or exhausted:
            break
        depth = min(n_docs, depth * 4)
    if clean < k and not parsed.positive and lexical:
        ranking = _append_unranked(index, ranking, verdicts, matcher)
    return text, ranking, verdicts


def _append_unranked(index: Index, ranking: Ranking, verdicts: dict[int, Any], matcher: Any) -> Ranking:
    """Add every unranked document without a negated facet (stated absences first), score 0."""
    import numpy as np

    seen = set(ranking.doc_ids.tolist())
    rest = [d for d in range(len(index.documents)) if d not in seen]
    verdicts.update(zip(rest, matcher.judge_many(index.tracks[index.doc_tracks[d][0]].descriptors for d in rest)))
    ok = [d for d in rest if not verdicts[d].is_violation]
    ok.sort(key=lambda d: (not verdicts[d].absent, d))
    return Ranking(
        np.concatenate([ranking.doc_ids, np.asarray(ok, dtype=np.int64)]),
        np.concatenate([ranking.scores, np.zeros(len(ok), dtype=np.float32)]),
    )


def _positive(r: Ranking) -> Ranking:
    keep = r.scores > 0
    return Ranking(r.doc_ids[keep], r.scores[keep])


def _expand(
    index: Index,
    query: str,
    ranking: Ranking,
    k: int,
    *,
    drop_zero: bool,
    notes: dict[int, dict[str, Any]] | None = None,
) -> list[Hit]:
    hits: list[Hit] = []
    qterms = terms(query)
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
                    matched=[d for d in t.descriptors if terms(d) & qterms],
                    metadata=t.metadata,
                    negation=notes.get(doc) if notes is not None else None,
                )
            )
            if len(hits) == k:
                return hits
    return hits
