"""One search and one "similar" over a request's generation, within the time budget: what the
``/search`` and ``/similar`` routes run, in the server process or in a search process
(:mod:`nlrec.server.pool`)."""

from __future__ import annotations

import time
from typing import Any

from nlrec.limits import time_budget
from nlrec.server.errors import NotFound
from nlrec.server.listen import render_hits
from nlrec.server.models import SearchBody


def run_search(snap: Any, body: SearchBody) -> dict[str, Any]:
    """One search over the request's generation, within the time budget."""
    from nlrec.search import SearchOptions

    t0 = time.perf_counter()
    with time_budget():
        options = SearchOptions(mode=body.mode, sparse=body.sparse, fusion=body.fusion, alpha=body.alpha,
                                negation=body.negation, exclude=tuple(body.exclude),
                                negation_threshold=body.negation_threshold, where=body.where)
        index = snap.index
        plan = None
        if body.like is not None:
            from nlrec.server.like import like_plan

            row = index.row_of(body.like)
            if row is None:
                raise NotFound(f"no track with id {body.like[:80]!r}")
            plan = like_plan(index, options, row, body.q)
        if body.profile:
            from nlrec.profiles import DEFAULT_PROFILE_WEIGHT
            from nlrec.profiles.searcher import profile_searcher
            from nlrec.server.routers.profiles import existing_profile

            profile = existing_profile(body.profile)
            weight = DEFAULT_PROFILE_WEIGHT if body.profile_weight is None else body.profile_weight
            searcher = profile_searcher(index, profile, options, weight=weight, context=snap.profile_context())
        else:
            searcher = snap.searcher(options)
        result = searcher.search(body.q, body.k) if plan is None else searcher.search_plans([plan], body.k)[0]
        hits = render_hits(index, [h.to_dict() for h in result.hits])
    return {"parsed": result.request.parsed_dict(), "hits": hits,
            "took_ms": round((time.perf_counter() - t0) * 1000, 2),
            "nothing_to_match": result.request.nothing_to_match}



def run_similar(snap: Any, id: str, k: int) -> dict[str, Any]:
    """Tracks like ``id`` in the request's generation, within the time budget."""
    from nlrec.search.similar import similar

    t0 = time.perf_counter()
    with time_budget():
        result = similar(snap.index, id, k).to_dict()
    return {"id": id, "reference": result["reference"], "hits": render_hits(snap.index, result["hits"]),
            "took_ms": round((time.perf_counter() - t0) * 1000, 2)}
