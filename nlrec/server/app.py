"""The HTTP API: search, parse, similar, tracks, profiles, index info and health.

Every answer is JSON; errors are ``{"error": {"status", "message"}}`` with an HTTP status (400
bad request, 401 missing API key, 404 unknown id, 409 conflict, 413 too large, 422 invalid
body), never a stack trace. The index and its model load once, at start; a warm search costs
milliseconds. Writes (track upserts and removals, profile adjustments) need the API key when
``NLREC_API_KEY`` is set (header ``X-API-Key``). Request bodies are limited to
:data:`MAX_BODY_BYTES` and ``k`` to :data:`MAX_K`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Literal

from nlrec.errors import NlrecError
from nlrec.server.models import (
    MAX_K,
    MAX_QUERY_CHARS,
    AdjustBody,
    RemoveBody,
    SearchBody,
    TracksBody,
)

MAX_BODY_BYTES = 8 * 1024 * 1024
API_KEY_ENV = "NLREC_API_KEY"
STATIC = Path(__file__).parent / "static"


def create_app(index_name: str, *, api_key: str | None = None, home: Path | None = None) -> Any:
    """A FastAPI application serving ``index_name`` (opened now, so a bad name fails at start).

    Args:
        index_name: an index name under ``NLREC_HOME`` (or a path).
        api_key: required on writes (default: the ``NLREC_API_KEY`` environment variable).
    """
    import os

    from fastapi import Body, FastAPI, Header, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from nlrec.index import Index
    from nlrec.search import SearchOptions
    from nlrec.search.similar import UnknownTrackError, similar

    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None
    state = _State(Index.open(index_name, home=home))

    app = FastAPI(title="nlrec", summary="Natural-language music search over song descriptor sets",
                  version=_version())

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        size = request.headers.get("content-length")
        if size is not None and (not size.isdigit() or int(size) > MAX_BODY_BYTES):
            return _error(413, f"request body over {MAX_BODY_BYTES} bytes")
        return await call_next(request)

    @app.exception_handler(NlrecError)
    async def nlrec_error(request: Request, exc: NlrecError) -> Any:
        return _error(_status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return _error(422, f"invalid request: {where}: {first.get('msg', 'bad value')}".replace(": :", ":"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Any:  # never a stack trace
        return _error(500, f"internal error ({type(exc).__name__})")

    def require_key(given: str | None) -> None:
        if key is not None and given != key:
            raise _HttpError(401, f"this server needs an API key for writes (header X-API-Key, env {API_KEY_ENV})")

    def run_search(body: SearchBody) -> dict[str, Any]:
        options = SearchOptions(mode=body.mode, sparse=body.sparse, fusion=body.fusion, alpha=body.alpha,
                                negation=body.negation, exclude=tuple(body.exclude),
                                negation_threshold=body.negation_threshold, where=body.where)
        state.follow()
        index = state.index
        t0 = time.perf_counter()
        if body.profile:
            from nlrec.profiles import DEFAULT_PROFILE_WEIGHT, load_profile
            from nlrec.profiles.searcher import profile_searcher

            profile = load_profile(body.profile)
            weight = DEFAULT_PROFILE_WEIGHT if body.profile_weight is None else body.profile_weight
            searcher = profile_searcher(index, profile, options, weight=weight, context=state.profiles())
        else:
            searcher = state.searcher(options)
        with state.lock:
            result = searcher.search(body.q, body.k)
        out = result.to_dict()
        out["took_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        return out

    @app.get("/health")
    def health() -> dict[str, Any]:
        """Liveness: the index is open."""
        return {"status": "ok", "index": state.index.name, "tracks": len(state.index.tracks)}

    @app.get("/index")
    def index_info() -> dict[str, Any]:
        """The index's summary (name, counts, encoder, FAISS factory, source, build time)."""
        return state.index.info()

    @app.get("/search")
    def search_get(q: str = Query(..., max_length=MAX_QUERY_CHARS), k: int = Query(10, ge=1, le=MAX_K),
                   mode: Literal["dense", "tfidf", "bm25", "hybrid"] = "hybrid",
                   negation: Literal["filter", "penalize", "off"] = "filter",
                   exclude: list[str] = Query(default_factory=list),
                   where: str | None = Query(None, max_length=2000), profile: str | None = None,
                   profile_weight: float | None = Query(None, ge=0.0, le=1.0)) -> dict[str, Any]:
        """Search: ``{"parsed": ..., "hits": [...]}`` (hits as ``nlrec query --json`` prints them)."""
        return run_search(SearchBody(q=q, k=k, mode=mode, negation=negation, exclude=exclude, where=where,
                                     profile=profile, profile_weight=profile_weight))

    @app.post("/search")
    def search_post(body: SearchBody) -> dict[str, Any]:
        """Search with every option of ``nlrec query`` in a JSON body."""
        return run_search(body)

    @app.get("/parse")
    def parse(q: str = Query(..., max_length=MAX_QUERY_CHARS)) -> dict[str, Any]:
        """How a request is understood, without searching: the plan ``nlrec parse --index`` prints
        and ``/search`` answers under ``parsed`` (with this server's index's names and years)."""
        from nlrec.search.options import clean_query
        from nlrec.search.planning import request_plan

        return request_plan(clean_query(q), state.index).to_dict()

    @app.get("/similar")
    def similar_get(id: str = Query(..., max_length=1000), k: int = Query(10, ge=1, le=MAX_K)) -> dict[str, Any]:
        """Tracks like ``id`` (a track id, an artist, a title or "Title - Artist"), each with the
        descriptors it shares with it."""
        with state.lock:
            result = similar(state.index, id, k)
        return {"id": id, **result.to_dict()}

    @app.get("/tracks/{track_id}")
    def track_get(track_id: str) -> dict[str, Any]:
        """One track as stored in the index."""
        row = state.index.row_of(track_id)
        if row is None:
            raise UnknownTrackError(f"no track with id {track_id[:80]!r}")
        return state.index.tracks[row].to_dict()

    @app.post("/tracks")
    def tracks_upsert(body: TracksBody = Body(...), x_api_key: str | None = Header(None)) -> dict[str, Any]:
        """Add or replace tracks (upsert by id); only new or changed descriptor sets are embedded."""
        require_key(x_api_key)
        return state.update(upsert=body.tracks)

    @app.delete("/tracks/{track_id}")
    def track_delete(track_id: str, x_api_key: str | None = Header(None)) -> dict[str, Any]:
        """Remove a track: it stops being returned at once."""
        require_key(x_api_key)
        if state.index.row_of(track_id) is None:
            raise UnknownTrackError(f"no track with id {track_id[:80]!r}")
        return state.update(remove=[track_id])

    @app.post("/tracks/remove")
    def tracks_remove(body: RemoveBody, x_api_key: str | None = Header(None)) -> dict[str, Any]:
        """Remove several tracks at once (one new index version); unknown ids are reported."""
        require_key(x_api_key)
        return state.update(remove=body.ids)

    @app.get("/profiles")
    def profiles_list() -> list[dict[str, Any]]:
        """The saved taste profiles."""
        from nlrec.profiles import list_profiles

        return list_profiles()

    @app.get("/profiles/{name}")
    def profile_get(name: str) -> dict[str, Any]:
        """A profile: its prototype weights, muted descriptors, settings and history."""
        from nlrec.profiles import load_profile

        return load_profile(name).to_dict()

    @app.post("/profiles/{name}/adjust")
    def profile_adjust(name: str, body: AdjustBody, x_api_key: str | None = Header(None)) -> dict[str, Any]:
        """Steer a profile: more / less of a descriptor, mute one, or set its weight."""
        require_key(x_api_key)
        from nlrec.profiles.steer import adjust_profile

        profile, changes, notes = adjust_profile(name, more=body.more, less=body.less, mute=body.mute,
                                                 set_=body.set, context=state.profiles())
        return {"profile": profile.to_dict(), "changes": changes, "notes": notes}

    @app.get("/profiles/{name}/recommend")
    def profile_recommend(name: str, k: int = Query(10, ge=1, le=MAX_K)) -> dict[str, Any]:
        """Recommendations from a profile alone, each with the prototypes that drove it."""
        from nlrec.profiles import load_profile, recommend

        with state.lock:
            hits = recommend(state.index, load_profile(name), k, context=state.profiles())
        return {"profile": name, "hits": [h.to_dict() for h in hits]}

    from nlrec.server.playlists import playlists_router  # POST /playlists

    app.include_router(playlists_router())

    @app.get("/", include_in_schema=False)
    def page() -> Any:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.state.nlrec = state
    return app


class _HttpError(NlrecError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _status_of(exc: NlrecError) -> int:
    from nlrec.search.similar import UnknownTrackError

    if isinstance(exc, _HttpError):
        return exc.status
    if isinstance(exc, UnknownTrackError) or "no profile named" in str(exc):
        return 404
    if "already exists" in str(exc) or "locked" in str(exc):
        return 409
    return 400


def _error(status: int, message: str) -> Any:
    from fastapi.responses import JSONResponse

    return JSONResponse(status_code=status, content={"error": {"status": status, "message": message}})


def _version() -> str:
    from nlrec import __version__

    return __version__


class _State:
    """What the server holds: the open index, a lock for searches that touch lazy caches, and the
    profiles context (descriptor embeddings are cached on disk)."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self.lock = threading.RLock()
        self.write_lock = threading.Lock()
        self._profiles: Any = None
        self._searchers: dict[Any, Any] = {}

    def follow(self) -> None:
        """Switch to the index's newest generation when another process rebuilt or updated it
        (one small file read per request)."""
        if self.index.is_current():
            return
        with self.lock:
            new = self.index.refreshed()
            if new is not self.index:
                self._swap(new)

    def _swap(self, new: Any) -> None:
        """Serve ``new`` from now on; release the generation served so far (the caller holds the lock)."""
        old, self.index = self.index, new
        self._searchers.clear()
        self._profiles = None
        old.close()  # the writer may then collect that generation

    def searcher(self, options: Any) -> Any:
        """The searcher for ``options`` over the current index, kept between requests (its
        retrievers, matchers and caches stay warm)."""
        from nlrec.search import build_searcher

        key = (id(self.index), options)
        found = self._searchers.get(key)
        if found is None:
            if len(self._searchers) > 64:
                self._searchers.clear()
            found = self._searchers[key] = build_searcher(self.index, options)
        return found

    def profiles(self) -> Any:
        if self._profiles is None:
            from nlrec.profiles.recommend import IndexProfiles

            self._profiles = IndexProfiles(self.index)
        return self._profiles

    def update(self, *, upsert: list[dict[str, Any]] | None = None, remove: list[str] | None = None) -> dict[str, Any]:
        """Apply an incremental update to the index and switch to the new generation."""
        from nlrec.index.update import update_index

        # the new version is built while searches go on against the current one (writers wait for
        # each other on the index's writer lock); only the swap holds the search lock
        with self.write_lock:
            report = update_index(self.index, upsert=upsert or [], remove=remove or [])
            with self.lock:
                self._swap(report.pop("index"))
        return report
