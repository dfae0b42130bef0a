"""``POST /playlists``: a request in, an M3U8 (or XSPF) playlist file out.

The selection is :func:`nlrec.playlists.make_playlist` (MMR variety, an artist cap, the length
filled from the tracks' durations) over the request's generation of the index, with its warm
searcher and within the time budget; paths are absolute unless ``relative_to`` is given, since
the server cannot know where the client keeps the file.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from nlrec.limits import LIMITS, time_budget
from nlrec.server.deps import Snap
from nlrec.server.errors import BadRequest
from nlrec.server.models import Mode

MEDIA_TYPES = {"m3u8": "audio/x-mpegurl; charset=utf-8", "xspf": "application/xspf+xml; charset=utf-8"}

router = APIRouter(tags=["playlists"])


class PlaylistBody(BaseModel):
    """``POST /playlists``: the request, the length (minutes or a track count) and the variety."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(..., min_length=1, max_length=LIMITS.request_chars, description="the request")
    minutes: float | None = Field(None, gt=0, le=7 * 24 * 60, description="length to fill (default 60)")
    tracks: int | None = Field(None, ge=1, le=LIMITS.k, description="a track count instead of a length")
    max_per_artist: int = Field(3, ge=0, le=1000, description="0: no cap")
    diversity: float = Field(0.3, ge=0.0, le=1.0, description="MMR weight of variety")
    assume_seconds: float = Field(210.0, ge=1.0, le=3600.0)
    format: Literal["m3u8", "xspf"] = "m3u8"
    relative_to: str | None = Field(None, max_length=4096, description="write paths relative to this folder")
    mode: Mode = "hybrid"
    where: str | None = Field(None, max_length=LIMITS.filter_chars)


@router.post("/playlists", response_class=Response,
             responses={200: {"content": {"audio/x-mpegurl": {}, "application/xspf+xml": {}},
                              "description": "the playlist file"}})
def make(body: PlaylistBody, snap: Snap) -> Response:
    """A playlist file (``audio/x-mpegurl`` M3U8, or XSPF); ``X-Nlrec-*`` headers give the track
    count, the total seconds and how many lengths were assumed."""
    from pathlib import Path

    from nlrec.playlists import PathStyle, PlaylistSpec, make_playlist, render
    from nlrec.search import SearchOptions

    if body.minutes is not None and body.tracks is not None:
        raise BadRequest("give minutes or tracks, not both")
    spec = PlaylistSpec(minutes=None if body.tracks is not None else (body.minutes or 60.0),
                        tracks=body.tracks or 20, max_per_artist=body.max_per_artist or None,
                        diversity=body.diversity, assumed_seconds=body.assume_seconds)
    options = SearchOptions(mode=body.mode, where=body.where)
    with time_budget():
        playlist = make_playlist(snap.index, body.q, spec, searcher=snap.searcher(options))
    style = PathStyle("relative", Path(body.relative_to)) if body.relative_to else PathStyle("absolute")
    headers = {
        "Content-Disposition": f'attachment; filename="playlist.{body.format}"',
        "X-Nlrec-Tracks": str(len(playlist.entries)),
        "X-Nlrec-Seconds": f"{playlist.seconds:.0f}",
        "X-Nlrec-Assumed-Durations": str(playlist.assumed),
    }
    return Response(render(playlist, body.format, style), media_type=MEDIA_TYPES[body.format], headers=headers)
