"""Audio-tagged files as catalog tracks: what ``index build --audio-dir`` feeds the index.

Identity is the content: a track's id is its path (relative to the folder indexed, without the
extension) plus the first 12 hex digits of the SHA-256 of its bytes, and the full hash is kept in
``metadata.content_sha256``, so ``index add`` recognises a renamed or copied file, and two
different files with the same relative path get different ids.

Descriptors are merged: the file's own genres (``source: "file"``) *and* the audio-derived
descriptors (``source: "audio"``), each listed with its source in ``metadata.descriptor_sources``;
a file genre never replaces what the tagger heard.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from nlrec.audio.tagger import AudioTrack
from nlrec.catalog import Track
from nlrec.catalog.validate import MAX_DESCRIPTORS_PER_TRACK

ID_HASH_CHARS = 12


def track_id(path: Path, root: Path | None = None, content_sha256: str | None = None) -> str:
    """``sub/name#<hash>``: the path relative to ``root`` (or the file name) without its
    extension, and the content hash's first 12 hex digits (a hash of the relative path for
    callers that have no content hash, as earlier versions did)."""
    rel = path.relative_to(root) if root is not None and path.is_relative_to(root) else Path(path.name)
    if content_sha256:
        digest = content_sha256[:ID_HASH_CHARS]
    else:
        digest = hashlib.sha1(str(rel).encode("utf-8")).hexdigest()[:8]
    return f"{Path(rel).with_suffix('').as_posix()}#{digest}"


def merged_descriptors(file_genres: tuple[str, ...], audio: tuple[str, ...]) -> tuple[tuple[str, ...], dict]:
    """The track's descriptors (file genres first, then the audio descriptors not already
    there, case-insensitively) and ``{"file": [...], "audio": [...]}`` recording each source."""
    out: list[str] = []
    seen: set[str] = set()
    for d in (*file_genres, *audio):
        key = d.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(d.strip())
    return tuple(out[:MAX_DESCRIPTORS_PER_TRACK]), {"file": list(file_genres), "audio": list(audio)}


def track_from_audio(track: AudioTrack, *, root: Path | None = None,
                     id: str | None = None) -> Track:
    """A catalog :class:`~nlrec.catalog.Track` for a tagged file.

    ``metadata``: ``path`` (absolute), ``album``, ``genre``, ``duration`` (seconds),
    ``content_sha256``, ``descriptor_source`` (``"file+audio"`` or ``"audio"``),
    ``descriptor_sources`` (which descriptor came from where), ``audio`` (every audio descriptor
    with its probability and vocabularies, and the windows analysed) and ``warnings`` when the
    file looked truncated.
    """
    own = track.metadata.descriptors
    audio = [d.to_dict() for d in track.descriptors]
    descriptors, sources = merged_descriptors(own, tuple(d.text for d in track.descriptors))
    meta = {
        "path": str(Path(track.path).resolve()),
        "album": track.metadata.album,
        "genre": list(track.metadata.genre),
        "duration": round(track.duration, 3),
        "content_sha256": track.content_sha256,
        "descriptor_source": "file+audio" if own else "audio",
        "descriptor_sources": sources,
        "audio": {"descriptors": audio, "windows": track.windows},
    }
    if track.warnings:
        meta["warnings"] = list(track.warnings)
    return Track(
        id=id or track_id(track.path, root, track.content_sha256),
        descriptors=descriptors,
        title=track.metadata.title or track.path.stem,
        artist=track.metadata.artist,
        year=track.metadata.year,
        metadata=meta,
    )
