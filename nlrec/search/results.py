"""What a search returns: ranked tracks (:class:`Hit`) and the request as it was understood.

A :class:`SearchResult` carries both, so the CLI, the server and evaluation never parse a request a
second time to explain the ranking.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from nlrec.encoders.base import Ranking


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
        reference: for a request naming artists or songs ("like Portishead"), which reference
            the hit came from and the descriptors it shares with it: ``{"like", "shares"}``
            (``{"like", "lookup": true}`` for the named item itself); ``None`` otherwise.
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
    reference: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(float(self.score), 6)
        return d


@dataclass(frozen=True)
class Request:
    """A request on its way down a stack of searchers.

    Attributes:
        text: the request as typed (white space normalised).
        query: the text the dense side ranks (e.g. without its negations, references, years).
        lexical: the text the lexical side ranks (``query`` without filler); None = ``query``.
        negation: the parsed negations (a :class:`~nlrec.negation.parse.ParsedRequest` or the
            :class:`~nlrec.request.parse.StructuredRequest`), or None when negation handling is off.
        structured: the request understood (references, years, filler), or None (``--negation
            off`` searches the text as typed).
        vector: a query vector for the dense side instead of embedding ``query`` (references
            blend their items' vectors into it).
        where: a per-request metadata filter (years), combined with ``--where``.
        hide: track ids never returned (the items a "like X" request names).
        boost: document rows put first, in this order (the items a lookup request names).
        references: per referenced document row, ``{"like": name, "descriptors": [...]}``.
        docs: only these document rows may be ranked (a filter that ran in Milvus), or None.
    """

    text: str
    query: str
    lexical: str | None = None
    negation: Any = None
    structured: Any = None
    vector: Any = None
    where: str | None = None
    hide: frozenset[str] = frozenset()
    boost: tuple[int, ...] = ()
    references: tuple[dict[str, Any], ...] = ()
    docs: Any = None

    @property
    def negative(self) -> tuple[str, ...]:
        return tuple(self.negation.negative) if self.negation is not None else ()

    @property
    def nothing_to_match(self) -> bool:
        """True when the understood request has nothing left to search for ("any suggestions?");
        a request of exclusions only ("no vocals") still has: everything without them."""
        s = self.structured
        return bool(s is not None and s.nothing_to_match and not s.negative)

    def parsed_dict(self) -> dict[str, Any]:
        """The request as understood, JSON-ready (what ``nlrec parse --json`` prints)."""
        if self.structured is not None:
            return {**self.structured.to_dict(), "nothing_to_match": self.nothing_to_match}
        if self.negation is not None:
            return self.negation.to_dict()
        return {"text": self.text, "positive": self.query, "negative": [], "cues": []}


@dataclass
class Pool:
    """Ranked documents (unique descriptor sets) for one request, with per-document notes.

    Attributes:
        query: the text whose words explain the ranking (``Hit.matched``).
        ranking: document rows and scores, best first.
        notes: per document row, annotations added by wrapping searchers (``"negation"``, ...).
        extra: per document row, values a searcher keeps for building its hits.
    """

    query: str
    ranking: Ranking
    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class SearchResult:
    """The outcome of one search: the request as understood and the ranked tracks."""

    request: Request
    hits: list[Hit]

    @property
    def text(self) -> str:
        return self.request.text

    def to_dict(self) -> dict[str, Any]:
        return {"parsed": self.request.parsed_dict(), "hits": [h.to_dict() for h in self.hits]}
