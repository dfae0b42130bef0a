"""``POST /playlists``: a request in, an M3U8 (or XSPF) playlist file out.

A self-contained router: it reads the served index and its warm searchers from
``request.app.state.nlrec`` (the server's state), so :func:`~nlrec.server.app.create_app` only
includes it. The selection is :func:`nlrec.playlists.make_playlist` (MMR variety, an artist cap,
the length filled from the tracks' durations); paths are absolute unless ``relative_to`` is given,
since the server cannot know where the client keeps the file.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

MAX_QUERY_CHARS = 2000
MEDIA_TYPES = {"m3u8": "audio/x-mpegurl; charset=utf-8", "xspf": "application/xspf+xml; charset=utf-8"}


class PlaylistBody(BaseModel):
    """``POST /playlists``: the request, the length (minutes or a track count) and the variety."""

    q: str = Field(..., min_length=1, max_length=MAX_QUERY_CHARS, description="the request")
    minutes: float | None = Field(None, gt=0, le=7 * 24 * 60, description="length to fill (default 60)")
    tracks: int | None = Field(None, ge=1, le=1000, description="a track count instead of a length")
    max_per_artist: int = Field(3, ge=0, le=1000, description="0: no cap")
    diversity: float = Field(0.3, ge=0.0, le=1.0, description="MMR weight of variety")
    assume_seconds: float = Field(210.0, ge=1.0, le=3600.0)
    format: Literal["m3u8", "xspf"] = "m3u8"
    relative_to: str | None = Field(None, max_length=4096, description="write paths relative to this folder")
    mode: Literal["dense", "tfidf", "bm25", "hybrid"] = "hybrid"
    where: str | None = Field(None, max_length=2000)


def playlists_router() -> APIRouter:
    """The router serving ``POST /playlists``."""
    router = APIRouter()

    @router.post("/playlists")
    def make(body: PlaylistBody, request: Request) -> Response:
        """A playlist file (``audio/x-mpegurl`` M3U8, or XSPF); ``X-Nlrec-*`` headers give the
        track count, the total seconds and how many lengths were assumed."""
        from pathlib import Path

        from nlrec.errors import NlrecError
        from nlrec.playlists import PathStyle, PlaylistSpec, make_playlist, render
        from nlrec.search import SearchOptions

        if body.minutes is not None and body.tracks is not None:
            raise NlrecError("give minutes or tracks, not both")
        state: Any = request.app.state.nlrec
        spec = PlaylistSpec(minutes=None if body.tracks is not None else (body.minutes or 60.0),
                            tracks=body.tracks or 20, max_per_artist=body.max_per_artist or None,
                            diversity=body.diversity, assumed_seconds=body.assume_seconds)
        options = SearchOptions(mode=body.mode, where=body.where)
        state.follow()
        with state.lock:
            playlist = make_playlist(state.index, body.q, spec, searcher=state.searcher(options))
        style = PathStyle("relative", Path(body.relative_to)) if body.relative_to else PathStyle("absolute")
        headers = {
            "Content-Disposition": f'attachment; filename="playlist.{body.format}"',
            "X-Nlrec-Tracks": str(len(playlist.entries)),
            "X-Nlrec-Seconds": f"{playlist.seconds:.0f}",
            "X-Nlrec-Assumed-Durations": str(playlist.assumed),
        }
        return Response(render(playlist, body.format, style), media_type=MEDIA_TYPES[body.format], headers=headers)

    return router
