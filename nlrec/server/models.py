"""Request bodies and response shapes of the HTTP API (pydantic: validated, bounded by
:data:`nlrec.limits.LIMITS`, documented in ``/openapi.json``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from nlrec.limits import LIMITS

MAX_K = LIMITS.k
MAX_QUERY_CHARS = LIMITS.request_chars


def _registered(kinds: Literal["modes", "lexical"]) -> AfterValidator:
    """A check that a value names a registered retriever kind (read when a request comes, so a kind
    registered after import is accepted): ``modes`` (every kind, and hybrid) or ``lexical``."""

    def check(value: str) -> str:
        from nlrec.index import retrievers

        allowed = retrievers.modes() if kinds == "modes" else retrievers.lexical_kinds()
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return AfterValidator(check)


Mode = Annotated[str, _registered("modes"), Field(
    description="a registered retriever kind (dense, tfidf, bm25, ...) or hybrid; see nlrec.index.retrievers")]
SparseKind = Annotated[str, _registered("lexical"), Field(description="a registered lexical kind (bm25, tfidf, ...)")]
NegationMode = Literal["filter", "penalize", "off"]


class SearchBody(BaseModel):
    """``POST /search``: the request and every option of ``nlrec query``."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field("", max_length=LIMITS.request_chars,
                   description="the request (may be empty with ``like``)")
    like: str | None = Field(None, max_length=1000,
                             description="a track id: rank tracks like it, keeping this request's "
                                         "exclusions, filter and profile (\"more like this\")")
    k: int = Field(10, ge=1, le=LIMITS.k)
    mode: Mode = "hybrid"
    sparse: SparseKind = "bm25"
    fusion: Literal["rrf", "weighted"] = "rrf"
    alpha: float = Field(0.5, ge=0.0, le=1.0)
    negation: NegationMode = "filter"
    exclude: list[str] = Field(default_factory=list, max_length=LIMITS.excludes,
                               description=f"facets to exclude (at most {LIMITS.excludes}, "
                                           f"{LIMITS.exclude_chars} characters each)")
    negation_threshold: float | None = Field(None, gt=0.0, le=1.0)
    where: str | None = Field(None, max_length=LIMITS.filter_chars)
    profile: str | None = Field(None, max_length=100)
    profile_weight: float | None = Field(None, ge=0.0, le=1.0)


class AdjustBody(BaseModel):
    """``POST /profiles/{name}/adjust``: descriptors to raise, lower, mute, or set to a weight."""

    model_config = ConfigDict(extra="forbid")

    more: list[str] = Field(default_factory=list, max_length=LIMITS.adjust_items)
    less: list[str] = Field(default_factory=list, max_length=LIMITS.adjust_items)
    mute: list[str] = Field(default_factory=list, max_length=LIMITS.adjust_items)
    set: dict[str, float] = Field(default_factory=dict, max_length=LIMITS.adjust_items,
                                  description=f"descriptor -> weight in [0, {LIMITS.profile_weight:g}]")


class TracksBody(BaseModel):
    """``POST /tracks``: tracks to add or replace (``id``, ``descriptors``, optional ``title``,
    ``artist``, ``year`` and any other field)."""

    tracks: list[dict[str, Any]] = Field(..., min_length=1, max_length=100_000)


class RemoveBody(BaseModel):
    """``POST /tracks/remove``: track ids to remove."""

    ids: list[str] = Field(..., min_length=1, max_length=100_000)


# -- responses -------------------------------------------------------------------------------
class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    status: int
    message: str


class ErrorOut(BaseModel):
    """Every error: ``{"error": {"status", "message"}}``."""

    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]
    index: str
    tracks: int
    generation: int | None = None
    warming: bool = False
    search_processes: int = 0


class IndexInfo(_Open):
    """The index summary (as ``nlrec index info --json`` prints it)."""

    name: str
    tracks: int
    documents: int
    encoder: str
    backend: str
    generation: int | None = None


class Listen(BaseModel):
    """Where to hear a track: its audio file through this server, or its YouTube clip."""

    audio: str | None = Field(None, description="GET this path for the file (HTTP range requests work)")
    youtube: str | None = Field(None, description="the clip, at its start time")


class HitOut(_Open):
    """A ranked track, as ``nlrec query --json`` prints it, with ``why`` (the reasons in words)
    and ``listen``."""

    rank: int
    id: str
    score: float = Field(description="the mode's score (a fused rank score in hybrid mode: compare within one answer only)")
    descriptors: list[str]
    title: str | None = None
    artist: str | None = None
    year: int | None = None
    matched: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    negation: dict[str, Any] | None = None
    reference: dict[str, Any] | None = None
    why: list[str] = Field(default_factory=list, description="why the track is here, in words")
    listen: Listen | None = None


class Parsed(_Open):
    """How a request was understood: its plan (:meth:`nlrec.request.plan.RequestPlan.to_dict`, what
    ``nlrec parse --json`` prints)."""

    text: str
    positive: str
    negative: list[str] = Field(description="facets that must be absent")
    references: list[dict[str, Any]] = Field(default_factory=list,
                                             description="catalog items named, each with its role: like or lookup")
    unresolved: list[dict[str, Any]] = Field(default_factory=list, description="names not in the catalog")
    years: list[dict[str, Any]] = Field(default_factory=list, description="years, each a release filter or a style")
    filler: list[str] = Field(default_factory=list)
    content: str = ""
    nothing_to_match: bool = False
    cues: list[str] = Field(default_factory=list)
    wanted: str = Field("", description="the text the dense side ranks")
    matched: str = Field("", description="the text the lexical side ranks")
    filter: str | None = Field(None, description="the --where filter with the release years")
    understood: bool = True


class SearchOut(BaseModel):
    parsed: Parsed
    hits: list[HitOut]
    took_ms: float
    nothing_to_match: bool = Field(False, description="the request has nothing to search for")


class SimilarOut(BaseModel):
    id: str
    reference: Any = None
    hits: list[HitOut]
    took_ms: float


class TrackOut(_Open):
    id: str
    descriptors: list[str]
    listen: Listen | None = None


class UpdateOut(_Open):
    """What an update did (``added``, ``replaced``, ``removed``, ``unknown``, ...)."""


class ProfileSummary(_Open):
    name: str


class ProfileOut(_Open):
    name: str
    weights: dict[str, float] = Field(default_factory=dict)
    muted: list[str] = Field(default_factory=list)


class AdjustOut(BaseModel):
    profile: ProfileOut
    changes: list[dict[str, Any]]
    notes: list[str]


class RecommendOut(BaseModel):
    profile: str
    hits: list[HitOut]
