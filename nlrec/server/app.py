"""The HTTP API and the web page: :func:`create_app` assembles them.

* routers, one per resource (:mod:`nlrec.server.routers`): search (``/search``, ``/parse``,
  ``/similar``), tracks, profiles, playlists, index (``/health``, ``/index``);
* shared state and the API-key check as dependencies (:mod:`nlrec.server.deps`);
* a response model on every route (:mod:`nlrec.server.models`), so ``/openapi.json`` documents
  every shape;
* one exception class per error kind, mapped to a status (:mod:`nlrec.server.errors`): every
  error is ``{"error": {"status", "message"}}``, never a stack trace;
* the limits of one request (:data:`nlrec.limits.LIMITS`): request line and body size before a
  route runs (:mod:`nlrec.server.middleware`), fields by the models, a time budget per search;
* ``/docs`` and ``/redoc`` from local files (:mod:`nlrec.server.docs`), the page at ``/``.

Searches run concurrently in FastAPI's thread pool; see :mod:`nlrec.server.state`. Writes
(track upserts and removals, profile adjustments) need the header ``X-API-Key`` when the server
has a key (``NLREC_API_KEY``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from nlrec.server.deps import API_KEY_ENV
from nlrec.server.threads import limit_native_threads

__all__ = ["create_app", "limit_native_threads", "server_options"]

STATIC = Path(__file__).parent / "static"


def create_app(index_name: str, *, api_key: str | None = None, home: Path | None = None,
               warm: bool = True, routers: list[Any] | None = None, workers: int = 1,
               request_threads: int = 1) -> Any:
    """A FastAPI application serving ``index_name`` (opened now, so a bad name fails at start).

    Args:
        index_name: an index name under ``NLREC_HOME`` (or a path).
        api_key: required on writes (default: the ``NLREC_API_KEY`` environment variable).
        home: where index names resolve (default ``NLREC_HOME``).
        warm: build the retrievers, the encoder and the searchers' caches now, so that the first
            requests do not pay for them (and nothing is built lazily under load).
        routers: extra ``APIRouter`` objects to include (after the API's own).
        workers: search processes (:mod:`nlrec.server.pool`); with more than one, ``/search`` and
            ``/similar`` run in them (started in the background after the warm-up; until they are
            up, this process serves them), and writes in a writer process of lower priority
            (:mod:`nlrec.server.writer`).
        request_threads: native threads one request may use in a search process.
    """
    from fastapi import FastAPI
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    from nlrec.index import Index
    from nlrec.server.docs import install_docs
    from nlrec.server.errors import install_handlers
    from nlrec.server.middleware import RequestLimits
    from nlrec.server.models import ErrorOut
    from nlrec.server.routers import routers as default_routers
    from nlrec.server.state import ServerState

    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None
    state = ServerState(Index.open(index_name, home=home))
    warming = None
    if warm:
        state.warm()
        warming = state.warm_vectors()
    pool = None
    if workers > 1 and state.index.backend == "milvus":
        uri = str((state.index.manifest.raw.get("backend") or {}).get("uri", ""))
        if "://" not in uri:  # a local file: Milvus Lite, open in one process at a time
            state.close()
            state.index.close()
            from nlrec.errors import NlrecError

            raise NlrecError(f"index {index_name!r} is on Milvus Lite ({uri}), which one process opens at a time: "
                             "serve it with --workers 1 (or use a Milvus server)")
    if workers > 1:
        from nlrec.server.pool import SearchPool
        from nlrec.server.writer import WriterProcess

        pool = SearchPool(index_name, processes=workers, home=home, threads=request_threads)
        pool.start(after=warming)  # after the vectors are cached: the processes load them
        state.writer = WriterProcess(index_name, home=home)
        state.writer.start()
        state.pool = pool

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        if pool is not None:
            pool.close()
            state.writer.close()
        state.close()

    app = FastAPI(title="nlrec", summary="Natural-language music search over song descriptor sets",
                  version=_version(), docs_url=None, redoc_url=None, lifespan=lifespan,
                  responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut},
                             503: {"model": ErrorOut, "description": "over the time budget"}})
    app.state.nlrec = state
    app.state.nlrec_pool = pool
    app.state.nlrec_key = key
    app.add_middleware(RequestLimits)
    install_handlers(app)
    for router in [*default_routers(), *(routers or [])]:
        app.include_router(router)
    if not install_docs(app):  # without the assets: FastAPI's own pages (they need a network)
        from fastapi.openapi.docs import get_swagger_ui_html

        @app.get("/docs", include_in_schema=False)
        def swagger_cdn() -> Any:
            return get_swagger_ui_html(openapi_url=app.openapi_url, title="nlrec API")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> Any:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    return app


def server_options() -> dict[str, Any]:
    """Options for ``uvicorn.run`` / ``uvicorn.Config`` that the limits need: request lines up to
    4 MiB are read whole, so that one over :attr:`~nlrec.limits.Limits.url_chars` gets a 414 answer
    instead of a dropped connection."""
    return {"h11_max_incomplete_event_size": 4 * 1024 * 1024}


def _version() -> str:
    from nlrec import __version__

    return __version__
