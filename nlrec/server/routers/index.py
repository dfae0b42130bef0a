"""The served index: ``/health`` and ``/index``."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request

from nlrec.server.deps import Pool, Snap, State
from nlrec.server.models import Health, IndexInfo

router = APIRouter(tags=["index"])


@router.get("/health", response_model=Health)
def health(snap: Snap, state: State, pool: Pool) -> dict[str, Any]:
    """Liveness: the index is open (its newest generation, also after another process's commit);
    ``warming`` while descriptor vectors are still being embedded or the search processes are
    starting, in the background; ``search_processes``: how many serve searches (0: this one)."""
    index = snap.index
    return {"status": "ok", "index": index.name, "tracks": len(index.tracks), "generation": index.generation,
            "warming": state.warming or (pool is not None and not pool.ready and not pool.failed),
            "search_processes": len(pool.pids) if pool is not None and pool.ready else 0}


@router.get("/index", response_model=IndexInfo)
def index_info(snap: Snap, request: Request) -> dict[str, Any]:
    """The index's summary (name, counts, encoder, FAISS factory, source, build time), whether
    writes need an API key, and the limits of one request."""
    from nlrec.limits import LIMITS

    return {**snap.index.info(), "writes_need_key": request.app.state.nlrec_key is not None,
            "limits": dataclasses.asdict(LIMITS)}
