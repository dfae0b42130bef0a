"""What a playlist is: ordered entries (a track, its file, its length and where that came from)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

DurationSource = Literal["metadata", "assumed"]
DEFAULT_ASSUMED_SECONDS = 210.0
"""Length counted for a track whose catalog row has no duration (3:30, a typical song)."""
MAX_TRACK_SECONDS = 24 * 3600.0
_DURATION_KEYS = ("duration", "length", "duration_s", "duration_seconds", "seconds")


def known_duration(metadata: dict[str, Any] | None) -> float | None:
    """A track's length in seconds from its catalog metadata, or None when it has none.

    Read from ``duration`` / ``length`` / ``duration_s`` (seconds; audio and beets indexes
    record ``duration``) or ``duration_ms`` (milliseconds); values that are not a positive,
    finite number under 24 h are ignored.
    """
    if not metadata:
        return None
    candidates = [(k, 1.0) for k in _DURATION_KEYS] + [("duration_ms", 0.001)]
    for key, scale in candidates:
        value = metadata.get(key)
        if value is None or isinstance(value, bool):
            continue
        try:
            seconds = float(value) * scale
        except (TypeError, ValueError):
            continue
        if math.isfinite(seconds) and 0.0 < seconds < MAX_TRACK_SECONDS:
            return seconds
    return None


def file_path(metadata: dict[str, Any] | None) -> str | None:
    """The track's file (``path``, as audio and beets indexes record it), or None."""
    value = (metadata or {}).get("path")
    return str(value) if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class PlaylistEntry:
    """One track of a playlist.

    Attributes:
        id: the track id in the index.
        title, artist, album: display fields (may be missing).
        path: the audio file, as the index records it (None for catalogs without files).
        seconds: the length counted for it.
        duration_source: ``metadata`` (the index knows the length) or ``assumed``.
        score: the search score it came with; relevance: that score scaled to [0, 1] in the pool.
        descriptors: its descriptor set.
    """

    id: str
    title: str | None
    artist: str | None
    album: str | None
    path: str | None
    seconds: float
    duration_source: DurationSource
    score: float
    relevance: float
    descriptors: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """``Artist - Title`` (or whichever of them is known, else the id)."""
        parts = [p for p in (self.artist, self.title) if p]
        return " - ".join(parts) if parts else self.id

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "artist": self.artist, "album": self.album,
                "path": self.path, "seconds": round(self.seconds, 3),
                "duration_source": self.duration_source, "score": round(float(self.score), 6),
                "relevance": round(float(self.relevance), 4), "descriptors": list(self.descriptors)}


@dataclass
class Playlist:
    """An ordered list of tracks for one request, and how it was chosen.

    Attributes:
        request: the request as typed.
        entries: the tracks, in play order.
        target_seconds: the length asked for (None when a track count was asked for).
        settings: the selection settings (``max_per_artist``, ``diversity``, ``assumed_seconds``,
            ``pool``, ``tolerance``).
        notes: what a user should know (assumed lengths, a short pool, capped artists).
    """

    request: str
    entries: list[PlaylistEntry] = field(default_factory=list)
    target_seconds: float | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return float(sum(e.seconds for e in self.entries))

    @property
    def assumed(self) -> int:
        """Entries whose length is an assumption."""
        return sum(e.duration_source == "assumed" for e in self.entries)

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request, "tracks": len(self.entries),
                "seconds": round(self.seconds, 3),
                "target_seconds": None if self.target_seconds is None else round(self.target_seconds, 3),
                "assumed_durations": self.assumed, "settings": dict(self.settings),
                "notes": list(self.notes), "entries": [e.to_dict() for e in self.entries]}
