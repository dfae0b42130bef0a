"""What a search returns: ranked tracks (:class:`Hit`) and the request as it was understood.

A :class:`SearchResult` carries both, so the CLI, the server and evaluation never parse a request a
second time to explain the ranking.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.request.filters import Filter
from nlrec.request.plan import RequestPlan

if TYPE_CHECKING:
    from nlrec.catalog import Track
    from nlrec.index import Index


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
class Allowed:
    """The tracks a filter lets through: matching tracks per document, and either a per-row mask
    (tested here) or the matching ids (the filter ran in Milvus)."""

    counts: np.ndarray
    rows: np.ndarray | None = None
    ids: frozenset[str] | None = None

    def allows(self, index: Index, row: int) -> bool:
        if self.rows is not None:
            return bool(self.rows[row])
        return index.tracks[row].id in (self.ids or ())


@dataclass(frozen=True)
class ReferenceNote:
    """What a hit is compared with: a named item's documents and descriptors."""

    like: str
    docs: frozenset[int]
    descriptors: frozenset[str]


@dataclass(frozen=True)
class Request:
    """A request ready for ranking: its :class:`~nlrec.request.plan.RequestPlan`, plus what the
    index adds to it (the vectors and rows of the items it names, the documents a filter allows).

    Attributes:
        plan: the request as planned (text, exclusions, references, years, filter).
        query: the text the dense side ranks.
        lexical: the text the lexical side ranks; None = ``query``.
        vector: a query vector for the dense side instead of embedding ``query`` (references
            blend their items' vectors into it).
        hide: track ids never returned (the items a "like X" request names).
        boost: document rows put first, in this order (the items a lookup request names).
        references: the named items a hit is compared with.
        docs: only these document rows may be ranked (set by the filter layer), or None.
    """

    plan: RequestPlan
    query: str
    lexical: str | None = None
    vector: np.ndarray | None = None
    hide: frozenset[str] = frozenset()
    boost: tuple[int, ...] = ()
    references: tuple[ReferenceNote, ...] = ()
    docs: np.ndarray | None = None

    @property
    def text(self) -> str:
        return self.plan.text

    @property
    def negative(self) -> tuple[str, ...]:
        return self.plan.exclusions

    @property
    def filter(self) -> Filter | None:
        return self.plan.filter

    @property
    def nothing_to_match(self) -> bool:
        """True when the understood request has nothing left to search for ("any suggestions?");
        a request of exclusions only ("no vocals") still has: everything without them."""
        return self.plan.nothing_to_match

    def parsed_dict(self) -> dict[str, Any]:
        """The request as planned, JSON-ready (:meth:`RequestPlan.to_dict`)."""
        return self.plan.to_dict()


@dataclass
class Pool:
    """Ranked documents (unique descriptor sets) for one request, with what the layers added.

    Attributes:
        query: the text whose words explain the ranking (``Hit.matched``).
        ranking: document rows and scores, best first.
        request: the request ranked.
        notes: per document row, annotations added by wrapping searchers (``"negation"``, ...).
        allowed: the tracks a filter lets through (None: all).
        blend: per document row, ``(request score, layer score)`` when a layer (a taste profile)
            blended its own score into the ranking.
    """

    query: str
    ranking: Ranking
    request: Request | None = None
    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    allowed: Allowed | None = None
    blend: dict[int, tuple[float | None, float]] | None = None

    def but(self, **changes: Any) -> Pool:
        """A copy with ``changes`` (a new ranking, notes, ...)."""
        return dataclasses.replace(self, **changes)


def track_hit(t: Track, *, rank: int, score: float, matched: list[str],
              negation: dict[str, Any] | None = None, reference: dict[str, Any] | None = None) -> Hit:
    """The one place a :class:`Hit` is made from a catalog track."""
    return Hit(rank=rank, id=t.id, score=float(score), descriptors=list(t.descriptors), title=t.title,
               artist=t.artist, year=t.year, matched=matched, metadata=t.metadata, negation=negation,
               reference=reference)


@dataclass
class SearchResult:
    """The outcome of one search: the request as understood and the ranked tracks."""

    request: Request
    hits: list[Hit]

    @property
    def text(self) -> str:
        return self.request.text

    @property
    def plan(self) -> RequestPlan:
        return self.request.plan

    def to_dict(self) -> dict[str, Any]:
        return {"parsed": self.request.parsed_dict(), "hits": [h.to_dict() for h in self.hits]}
