"""Indexes of beets libraries: beets' fields, descriptors heard in the files, playlists back.

Each beets item becomes one track, id ``beets:<item id>``: title, artist, album and year from
beets; descriptors merged from beets' genres and mood fields (source ``beets``) and the audio
tagger's descriptors (source ``audio``, with probabilities in ``metadata.audio``); ``metadata``
keeps ``path``, ``duration`` (beets' length), ``beets_id``, ``beets_added`` and the content hash.
An item whose file cannot be decoded (AAC/ALAC, which beets manages and libsndfile does not) is
still indexed from its beets fields when it has any; an item whose file is missing, or that has
neither decodable audio nor beets descriptors, is skipped and named in the report.

``index add --beets-library`` tags and adds the items whose id the index does not hold: what
beets imported since the build.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from nlrec.beets.library import BeetsItem, read_library

ID_PREFIX = "beets:"


def _track(item: BeetsItem, audio: Any, skip_reason: str | None) -> Any:
    from nlrec.audio.catalog import merged_descriptors
    from nlrec.catalog import Track

    heard = tuple(d.text for d in audio.descriptors) if audio is not None else ()
    descriptors, sources = merged_descriptors(item.descriptors, heard)
    meta: dict[str, Any] = {
        "path": str(item.path), "album": item.album, "genre": list(item.genres), "moods": list(item.moods),
        "duration": round(item.length or (audio.duration if audio is not None else 0.0), 3) or None,
        "beets_id": item.id, "beets_added": item.added,
        "descriptor_source": "+".join(k for k, v in (("beets", item.descriptors), ("audio", heard)) if v),
        "descriptor_sources": {"beets": sources["file"], "audio": sources["audio"]},
    }
    if audio is not None:
        meta["content_sha256"] = audio.content_sha256
        meta["audio"] = {"descriptors": [d.to_dict() for d in audio.descriptors], "windows": audio.windows}
        if audio.warnings:
            meta["warnings"] = list(audio.warnings)
    else:
        meta["audio"] = None
        meta["audio_skipped"] = skip_reason
    return Track(id=f"{ID_PREFIX}{item.id}", descriptors=descriptors, title=item.title or item.path.stem,
                 artist=item.artist, year=item.year, metadata=meta)


def tag_items(items: list[BeetsItem], *, windows: int | None = 10, on_file: Any = None) -> tuple[list[Any], list[Any], Any]:
    """Tag each item's file: ``(tracks, embeddings (one per track, None without audio), run)``;
    ``run.skipped`` names the items left out and those indexed without audio."""
    from nlrec.audio.tagger import AudioTagger, SkippedFile, TagRun

    tagger = AudioTagger(max_windows=windows)
    run = TagRun()
    tracks, vectors = [], []
    start = time.perf_counter()
    for i, item in enumerate(items, start=1):
        if not item.path.is_file():
            run.skipped.append(SkippedFile(item.path, "unreadable", f"beets item {item.id}: file missing"))
        else:
            result = next(tagger.iter_files([item.path], dedupe=False))
            if isinstance(result, SkippedFile):
                if item.descriptors:  # still useful: beets' own genres and moods
                    tracks.append(_track(item, None, f"{result.reason}: {result.detail}"))
                    vectors.append(None)
                    run.skipped.append(SkippedFile(item.path, result.reason,
                                                   f"{result.detail} (indexed from beets fields only)"))
                else:
                    run.skipped.append(result)
            else:
                run.tracks.append(result)
                tracks.append(_track(item, result, None))
                vectors.append(result.embedding)
        if on_file is not None:
            on_file(i, len(items), item.path)
    run.seconds = time.perf_counter() - start
    return tracks, vectors, run


def build_beets_index(db: str | os.PathLike, name: str | os.PathLike, *, model: str | None = "default",
                      windows: int | None = 10, music_dir: str | os.PathLike | None = None,
                      on_file: Any = None, progress: Any = None, home: Path | None = None) -> tuple[Any, dict]:
    """Index every item of the beets library ``db`` as ``name``.

    Raises:
        BeetsLibraryError: not a beets library; NlrecError: nothing could be indexed.
    """
    from nlrec.audio.embeddings import AudioEmbeddings, weights_info
    from nlrec.audio.index import tag_report
    from nlrec.catalog import Catalog
    from nlrec.errors import NlrecError
    from nlrec.index import build_index

    t0 = time.perf_counter()
    items = read_library(db, music_dir=music_dir)
    if not items:
        raise NlrecError(f"{db}: the beets library has no items")
    tracks, vectors, run = tag_items(items, windows=windows, on_file=on_file)
    if not tracks:
        raise NlrecError(f"{db}: no item could be indexed ({run.skipped_counts()})")
    emb = AudioEmbeddings.from_rows([t.id for t in tracks], vectors, info={"windows": windows, **weights_info()})
    tag_seconds = time.perf_counter() - t0
    source = {"dataset": None, "beets_library": str(Path(db).expanduser().resolve()),
              "beets_directory": str(music_dir) if music_dir else None}
    index = build_index(Catalog(tracks=tracks, source=str(db)), name, model=model, progress=progress, home=home,
                        source=source, extra_files=emb.save)
    report = {"items": len(items), "indexed": len(tracks), **tag_report(run),
              "without_audio": sum(v is None for v in vectors), "tag_seconds": round(tag_seconds, 1),
              "seconds": round(time.perf_counter() - t0, 1)}
    return index, report


def add_beets(index: Any, db: str | os.PathLike, *, windows: int | None = 10,
              music_dir: str | os.PathLike | None = None, on_file: Any = None, progress: Any = None) -> dict:
    """Add the beets items ``index`` does not hold yet (what beets imported since).

    Returns:
        The update report with ``items``, ``already_indexed``, the tag report and ``total_seconds``;
        when nothing is new, ``added`` is 0 and ``index`` is ``index`` itself.
    """
    import numpy as np

    from nlrec.audio.embeddings import AudioEmbeddings, weights_info
    from nlrec.audio.index import tag_report
    from nlrec.audio.tagger import TagRun
    from nlrec.errors import NlrecError
    from nlrec.index.update import update_index

    t0 = time.perf_counter()
    music_dir = music_dir or (index.manifest.raw.get("corpus", {}) or {}).get("beets_directory")
    items = read_library(db, music_dir=music_dir)
    new = [it for it in items if index.row_of(f"{ID_PREFIX}{it.id}") is None]
    base = {"items": len(items), "already_indexed": len(items) - len(new)}
    if not new:
        return {"added": 0, "replaced": 0, "removed": 0, "unknown_removals": [], "embedded": 0,
                "tracks": len(index.tracks), "documents": len(index.documents), "generation": index.generation,
                **base, **tag_report(TagRun()), "tag_seconds": 0.0,
                "total_seconds": round(time.perf_counter() - t0, 3), "index": index}
    tracks, vectors, run = tag_items(new, windows=windows, on_file=on_file)
    if not tracks:
        raise NlrecError(f"{db}: none of the {len(new)} new beets item(s) could be indexed ({run.skipped_counts()})")
    emb = AudioEmbeddings.from_rows([t.id for t in tracks], vectors, info={"windows": windows, **weights_info()})
    if (index.path / "audio").is_dir():
        old = AudioEmbeddings.load(index.path)
        emb = AudioEmbeddings(old.ids + emb.ids, np.concatenate([old.vectors, emb.vectors]),
                              np.concatenate([old.has_audio, emb.has_audio]), {**old.info, **emb.info})
    tag_seconds = time.perf_counter() - t0
    report = update_index(index, upsert=tracks, progress=progress, extra_files=emb.save)
    report.update(**base, **tag_report(run), tag_seconds=round(tag_seconds, 3),
                  total_seconds=round(time.perf_counter() - t0, 3))
    return report
