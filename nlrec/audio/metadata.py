"""The file's own tags (title, artist, album, year, genre) read with ``mutagen``."""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass

from nlrec.audio.deps import require_audio

_NO_GENRE = frozenset({"", "other", "unknown", "none", "misc", "genre"})


@dataclass(frozen=True)
class FileMetadata:
    """Tags found in the file; any of them may be missing."""

    title: str | None = None
    artist: str | None = None
    album: str | None = None
    year: int | None = None
    genre: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        out = asdict(self)
        out["genre"] = list(self.genre)
        return out

    @property
    def descriptors(self) -> tuple[str, ...]:
        """Usable descriptors the file carries itself: its genres, minus placeholders."""
        return tuple(g for g in self.genre if g.strip().lower() not in _NO_GENRE)


def _first(tags, key: str) -> str | None:
    values = tags.get(key) if tags is not None else None
    if not values:
        return None
    value = str(values[0]).strip()
    return value or None


def read_metadata(path: str | os.PathLike) -> FileMetadata:
    """Read the easy tags of ``path`` (ID3, Vorbis comments, FLAC, RIFF INFO); never raises.

    A file without tags, or one mutagen cannot parse, gives an empty :class:`FileMetadata`.
    """
    require_audio()
    import mutagen

    try:
        handle = mutagen.File(str(path), easy=True)
    except Exception:  # mutagen raises many types on broken headers; tags are optional
        return FileMetadata()
    tags = getattr(handle, "tags", None)
    if not tags:
        return FileMetadata()
    date = _first(tags, "date") or _first(tags, "year")
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", date or "")
    genres: list[str] = []
    for value in tags.get("genre", []) or []:
        for part in re.split(r"[;/,]", str(value)):
            part = part.strip()
            if part and part not in genres:
                genres.append(part)
    return FileMetadata(
        title=_first(tags, "title"),
        artist=_first(tags, "artist"),
        album=_first(tags, "album"),
        year=int(match.group(1)) if match else None,
        genre=tuple(genres),
    )
