"""Searching: ``/search`` (GET and POST), ``/parse`` and ``/similar``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from nlrec.limits import LIMITS, time_budget
from nlrec.server.deps import Pool, Snap
from nlrec.server.errors import Unprocessable
from nlrec.server.models import NegationMode, Parsed, SearchBody, SearchOut, SimilarOut
from nlrec.server.searching import run_search, run_similar

__all__ = ["router", "run_search", "run_similar"]

router = APIRouter(tags=["search"])


def pooled(pool: Any, route: str, payload: dict[str, Any]) -> Any:
    """The answer of a search process (``nlrec serve --workers N``; JSON it wrote by the route's
    response model), or None to serve it here (one worker, the processes starting, or gone)."""
    if pool is None or not pool.ready:
        return None
    from fastapi.responses import Response

    from nlrec.server.pool import PoolDown

    try:
        return Response(content=pool.call(route, payload), media_type="application/json")
    except PoolDown:
        return None


def _body(**fields: Any) -> SearchBody:
    from pydantic import ValidationError

    try:
        return SearchBody(**fields)
    except ValidationError as e:  # a bound the query parameters did not check: still a 422
        first = e.errors()[0]
        raise Unprocessable(f"invalid request: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


@router.get("/search", response_model=SearchOut)
def search_get(
    snap: Snap,
    pool: Pool,
    q: Annotated[str, Query(max_length=LIMITS.request_chars, description="the request")] = "",
    like: Annotated[str | None, Query(max_length=1000, description="a track id: more like it")] = None,
    k: Annotated[int, Query(ge=1, le=LIMITS.k)] = 10,
    mode: Annotated[str, Query(description="a registered retriever kind (dense, tfidf, bm25, ...) or hybrid")] = "hybrid",
    negation: NegationMode = "filter",
    exclude: Annotated[list[str], Query(max_length=LIMITS.excludes)] = [],  # noqa: B006 - FastAPI copies it
    where: Annotated[str | None, Query(max_length=LIMITS.filter_chars)] = None,
    profile: Annotated[str | None, Query(max_length=100)] = None,
    profile_weight: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
) -> Any:
    """Search: the request as understood (``parsed``) and ranked tracks, each with why it is there
    and where to listen."""
    body = _body(q=q, like=like, k=k, mode=mode, negation=negation, exclude=exclude, where=where,
                 profile=profile, profile_weight=profile_weight)
    answer = pooled(pool, "search", body.model_dump())
    return answer if answer is not None else run_search(snap, body)


@router.post("/search", response_model=SearchOut)
def search_post(snap: Snap, pool: Pool, body: SearchBody) -> Any:
    """Search with every option of ``nlrec query`` in a JSON body."""
    answer = pooled(pool, "search", body.model_dump())
    return answer if answer is not None else run_search(snap, body)


@router.get("/parse", response_model=Parsed)
def parse(
    snap: Snap,
    q: Annotated[str, Query(max_length=LIMITS.request_chars)],
    exclude: Annotated[list[str], Query(max_length=LIMITS.excludes)] = [],  # noqa: B006
) -> dict[str, Any]:
    """How a request is understood against this index's names, without searching: the same plan
    ``nlrec parse --index NAME --json`` prints."""
    from nlrec.search.options import clean_query
    from nlrec.search.planning import request_plan

    with time_budget():
        return request_plan(clean_query(q), snap.index, exclude=exclude).to_dict()


@router.get("/similar", response_model=SimilarOut)
def similar_get(
    snap: Snap,
    pool: Pool,
    id: Annotated[str, Query(max_length=1000, description="a track id, an artist, a title or \"Title - Artist\"")],
    k: Annotated[int, Query(ge=1, le=LIMITS.k)] = 10,
) -> Any:
    """Tracks like ``id``, each with the descriptors it shares with it."""
    answer = pooled(pool, "similar", {"id": id, "k": k})
    return answer if answer is not None else run_similar(snap, id, k)
