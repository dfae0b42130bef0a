"""Listening: a track's audio file (only under the index's audio folders) or its YouTube clip,
and the reasons a hit is there, in words (the page shows these, never raw fusion scores)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nlrec.server.errors import NotFound

AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg",
               ".oga": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4", ".aac": "audio/aac",
               ".aiff": "audio/aiff", ".aif": "audio/aiff", ".webm": "audio/webm"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def audio_roots(index: Any) -> list[str]:
    """The folders this index was built from (``index build --audio-dir``), resolved."""
    corpus = index.manifest.raw.get("corpus")
    corpus = corpus if isinstance(corpus, dict) else {}
    more = corpus.get("audio_dirs")
    roots = [corpus.get("audio_dir"), *(more if isinstance(more, list) else ())]
    return [os.path.realpath(r) for r in roots if isinstance(r, str) and r]


def audio_file(index: Any, track: Any, roots: list[str] | None = None) -> Path | None:
    """The audio file of ``track`` when it was indexed from one that still lies under one of the
    index's audio folders; None otherwise. The path comes from the index, never from a request."""
    path = (track.metadata or {}).get("path")
    if not isinstance(path, str) or not path:
        return None
    roots = audio_roots(index) if roots is None else roots
    if not roots:
        return None
    real = os.path.realpath(path)  # symbolic links and ".." are resolved before the check
    if Path(real).suffix.lower() not in AUDIO_TYPES:
        return None
    if not any(os.path.commonpath([real, root]) == root for root in roots):
        return None
    return Path(real) if os.path.isfile(real) else None


def youtube_link(track: Any) -> str | None:
    """The YouTube clip of a MusicCaps track (its id is the video id), at its start time."""
    meta = track.metadata or {}
    start = meta.get("start_s")
    if start is None or not _YOUTUBE_ID.match(str(track.id)):
        return None
    try:
        seconds = int(float(start))
    except (TypeError, ValueError):
        return None
    return f"https://www.youtube.com/watch?v={track.id}&t={seconds}s"


def listen(index: Any, track: Any, roots: list[str]) -> dict[str, str] | None:
    out = {}
    if audio_file(index, track, roots) is not None:
        out["audio"] = f"/tracks/{quote(str(track.id), safe='')}/audio"
    link = youtube_link(track)
    if link:
        out["youtube"] = link
    return out or None


def reasons(hit: dict[str, Any]) -> list[str]:
    """Why a hit is there, in words: what it matches, the reference it relates to, how it fares
    against the exclusions, and the profile prototypes behind it."""
    out = []
    if hit.get("matched"):
        out.append("matches " + ", ".join(hit["matched"]))
    ref = hit.get("reference")
    if ref:
        if ref.get("lookup"):
            out.append(f"is {ref.get('like')}")
        elif ref.get("shares"):
            out.append(f"like {ref.get('like')}: shares " + ", ".join(ref["shares"][:5]))
        else:
            out.append(f"like {ref.get('like')}")
    neg = hit.get("negation")
    if neg:
        if neg.get("excluded_by"):
            out.append("pushed down: carries " + ", ".join(neg["excluded_by"]))
        elif neg.get("absent"):
            out.append("says " + ", ".join(neg["absent"]))
        elif neg.get("facets"):
            out.append("no " + ", ".join(neg["facets"]) + " found")
    because = hit.get("because")
    if because:
        names = [b.get("descriptor") if isinstance(b, dict) else str(b) for b in because]
        out.append("your profile: " + ", ".join(n for n in names if n))
    if not out and hit.get("shared"):
        out.append("shares " + ", ".join(hit["shared"][:5]))
    if not out:
        out.append("close in meaning to the request")
    return out


def render_hits(index: Any, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Hits as the API answers them: each with ``why`` and ``listen``."""
    roots = audio_roots(index)
    out = []
    for h in hits:
        row = index.row_of(h["id"])
        track = index.tracks[row] if row is not None else None
        out.append({**h, "why": reasons(h), "listen": listen(index, track, roots) if track is not None else None})
    return out


def track_for_audio(index: Any, track_id: str) -> Path:
    """The file ``GET /tracks/{id}/audio`` serves.

    Raises:
        NotFound: for an unknown track, or one with no audio file under the index's audio folders.
    """
    row = index.row_of(track_id)
    if row is None:
        raise NotFound(f"no track with id {track_id[:80]!r}")
    path = audio_file(index, index.tracks[row])
    if path is None:
        raise NotFound(f"track {track_id[:80]!r} has no audio file this server may play")
    return path
