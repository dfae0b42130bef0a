"""Dependencies the routes share (``Depends``): the served generation and the API-key check."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from nlrec.server.errors import Unauthorized
from nlrec.server.state import ServerState, Snapshot

if TYPE_CHECKING:
    from nlrec.server.pool import SearchPool

API_KEY_ENV = "NLREC_API_KEY"
API_KEY_HEADER = "X-API-Key"
_api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False,
                               description=f"needed on writes when the server runs with {API_KEY_ENV} set")


def server_state(request: Request) -> ServerState:
    """The :class:`ServerState` of the application serving this request."""
    return request.app.state.nlrec


def snapshot(request: Request) -> Iterator[Snapshot]:
    """The index generation this request works on from start to end (the newest one, after
    following another process's commit)."""
    state: ServerState = request.app.state.nlrec
    snap = state.acquire()
    try:
        yield snap
    finally:
        state.release(snap)


def search_pool(request: Request) -> SearchPool | None:
    """The search processes of ``nlrec serve --workers N`` (None with one worker)."""
    return getattr(request.app.state, "nlrec_pool", None)


def require_key(request: Request, given: Annotated[str | None, Security(_api_key_header)] = None) -> None:
    """Refuse a write without the right ``X-API-Key`` when the server has a key."""
    key: str | None = request.app.state.nlrec_key
    if key is not None and (given is None or not hmac.compare_digest(given.encode(), key.encode())):
        raise Unauthorized(f"this server needs an API key for writes (header {API_KEY_HEADER}, env {API_KEY_ENV})")


State = Annotated[ServerState, Depends(server_state)]
Snap = Annotated[Snapshot, Depends(snapshot)]
Pool = Annotated[Any, Depends(search_pool)]  # a SearchPool, or None
WriteKey = Depends(require_key)
