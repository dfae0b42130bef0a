"""Request bodies of the HTTP API (pydantic models: validated, bounded, documented in /docs)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_K = 1000
MAX_QUERY_CHARS = 2000


class SearchBody(BaseModel):
    """``POST /search``: the request and every option of ``nlrec query``."""

    q: str = Field(..., max_length=MAX_QUERY_CHARS, description="the request")
    k: int = Field(10, ge=1, le=MAX_K)
    mode: Literal["dense", "tfidf", "bm25", "hybrid"] = "hybrid"
    sparse: Literal["bm25", "tfidf"] = "bm25"
    fusion: Literal["rrf", "weighted"] = "rrf"
    alpha: float = Field(0.5, ge=0.0, le=1.0)
    negation: Literal["filter", "penalize", "off"] = "filter"
    exclude: list[str] = Field(default_factory=list, max_length=50)
    negation_threshold: float | None = Field(None, gt=0.0, le=1.0)
    where: str | None = Field(None, max_length=2000)
    profile: str | None = None
    profile_weight: float | None = Field(None, ge=0.0, le=1.0)


class AdjustBody(BaseModel):
    """``POST /profiles/{name}/adjust``: descriptors to raise, lower, mute, or set to a weight."""

    more: list[str] = Field(default_factory=list, max_length=100)
    less: list[str] = Field(default_factory=list, max_length=100)
    mute: list[str] = Field(default_factory=list, max_length=100)
    set: dict[str, float] = Field(default_factory=dict)


class TracksBody(BaseModel):
    """``POST /tracks``: tracks to add or replace (``id``, ``descriptors``, optional ``title``,
    ``artist``, ``year`` and any other field)."""

    tracks: list[dict[str, Any]] = Field(..., max_length=100_000)


class RemoveBody(BaseModel):
    """``POST /tracks/remove``: track ids to remove."""

    ids: list[str] = Field(..., min_length=1, max_length=100_000)
