"""Tracks: read one, listen to one, add or replace, remove. Ids may contain "/" (audio tracks are
named by their path in the folder): ``GET /tracks/album/song#1a2b3c4d`` works, as does ``%2F``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from nlrec.server.deps import Snap, State, WriteKey
from nlrec.server.errors import NotFound
from nlrec.server.listen import AUDIO_TYPES, audio_roots, listen, track_for_audio
from nlrec.server.models import RemoveBody, TrackOut, TracksBody, UpdateOut

router = APIRouter(prefix="/tracks", tags=["tracks"])


def _track(index: Any, track_id: str) -> dict[str, Any]:
    row = index.row_of(track_id)
    if row is None:
        raise NotFound(f"no track with id {track_id[:80]!r}")
    track = index.tracks[row]
    return {**track.to_dict(), "listen": listen(index, track, audio_roots(index))}


@router.post("", response_model=UpdateOut, dependencies=[WriteKey])
def tracks_upsert(state: State, body: TracksBody) -> dict[str, Any]:
    """Add or replace tracks (upsert by id); only new or changed descriptor sets are embedded."""
    return state.update(upsert=body.tracks)


@router.post("/remove", response_model=UpdateOut, dependencies=[WriteKey])
def tracks_remove(state: State, body: RemoveBody) -> dict[str, Any]:
    """Remove several tracks at once (one new index version); unknown ids are reported."""
    return state.update(remove=body.ids)


@router.get("/{track_id:path}/audio", response_class=FileResponse,
            responses={200: {"content": {t: {} for t in sorted(set(AUDIO_TYPES.values()))},
                             "description": "the file (HTTP range requests work)"},
                       404: {"description": "no such track, or no audio file under the index's audio folders"}})
def track_audio(snap: Snap, track_id: str, request: Request) -> Any:
    """The audio file of a track indexed from an audio folder, with HTTP range requests (for
    seeking). Only files under the folders the index was built from are served."""
    index = snap.index
    if index.row_of(track_id) is None and index.row_of(f"{track_id}/audio") is not None:
        return _track(index, f"{track_id}/audio")  # an id that itself ends in "/audio"
    path = track_for_audio(index, track_id)
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"))


@router.get("/{track_id:path}", response_model=TrackOut)
def track_get(snap: Snap, track_id: str) -> dict[str, Any]:
    """One track as stored in the index, with where to listen to it."""
    return _track(snap.index, track_id)


@router.delete("/{track_id:path}", response_model=UpdateOut, dependencies=[WriteKey])
def track_delete(state: State, snap: Snap, track_id: str) -> dict[str, Any]:
    """Remove a track: it stops being returned from the next request on."""
    if snap.index.row_of(track_id) is None:
        raise NotFound(f"no track with id {track_id[:80]!r}")
    return state.update(remove=[track_id])
