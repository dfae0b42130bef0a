"""Audio-tagged files as catalog tracks: what ``index build --audio-dir`` will feed the index."""

from __future__ import annotations

import hashlib
from pathlib import Path

from nlrec.audio.tagger import AudioTrack
from nlrec.catalog import Track


def track_id(path: Path, root: Path | None = None) -> str:
    """A stable id: the path relative to ``root`` (or the file name), plus a short hash of it."""
    rel = path.relative_to(root) if root is not None and path.is_relative_to(root) else path.name
    digest = hashlib.sha1(str(rel).encode("utf-8")).hexdigest()[:8]
    return f"{Path(rel).with_suffix('').as_posix()}#{digest}"


def track_from_audio(track: AudioTrack, *, root: Path | None = None,
                     id: str | None = None) -> Track:
    """A catalog :class:`~nlrec.catalog.Track` for a tagged file.

    Descriptors: the file's own genres when it has usable ones (``descriptor_source: "file"``),
    else the audio-derived set (``descriptor_source: "audio"``). The audio descriptors and their
    probabilities are always kept in ``metadata["audio"]`` so a hit can say where its descriptors
    came from and how sure the tagger was.
    """
    own = track.metadata.descriptors
    audio = [d.to_dict() for d in track.descriptors]
    descriptors = own if own else tuple(d.text for d in track.descriptors)
    meta = {
        "path": str(track.path),
        "album": track.metadata.album,
        "genre": list(track.metadata.genre),
        "duration": round(track.duration, 3),
        "descriptor_source": "file" if own else "audio",
        "audio": {"descriptors": audio, "windows": track.windows},
    }
    return Track(
        id=id or track_id(track.path, root),
        descriptors=tuple(descriptors),
        title=track.metadata.title or track.path.stem,
        artist=track.metadata.artist,
        year=track.metadata.year,
        metadata=meta,
    )
