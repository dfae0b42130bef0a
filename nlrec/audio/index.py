"""Indexes of audio folders: tag the files, build the index, keep the "sounds like" embeddings.

``nlrec index build --audio-dir DIR --name NAME`` tags every audio file under ``DIR`` (mp3, ogg,
opus, flac, wav; unreadable and silent files are skipped and counted), makes one catalog track per
file (its own title / artist / album / year / genres from its tags; the audio-derived descriptors
when the file carries no usable genre, marked ``metadata.descriptor_source = "audio"`` with their
probabilities in ``metadata.audio``), builds the index, and stores the tagger's penultimate-layer
embeddings in the index's ``audio/`` folder (listed in the manifest, verified like every file),
for ``nlrec similar --by audio|both``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np


def build_audio_index(
    audio_dir: str | os.PathLike,
    name: str | os.PathLike,
    *,
    model: str | None = "default",
    windows: int | None = 10,
    on_file: Any = None,
    progress: Any = None,
    home: Path | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Tag ``audio_dir`` and index it as ``name``.

    Args:
        windows: 3-second windows analysed per file (evenly spread; None = every window).
        on_file: ``(done, total, path)`` after each file (for a files-per-second bar).
        progress: the index build's ``(stage, done, total)`` callback.

    Returns:
        The opened index and a report (tagged, skipped by reason, files per second, seconds).

    Raises:
        NlrecError: if the folder has no readable audio file.
    """
    from nlrec.audio.catalog import track_from_audio
    from nlrec.audio.embeddings import AudioEmbeddings, weights_info
    from nlrec.audio.tagger import AudioTagger, tag_paths
    from nlrec.catalog import Catalog
    from nlrec.errors import NlrecError
    from nlrec.index import build_index

    root = Path(audio_dir)
    if not root.is_dir():
        raise NlrecError(f"{root}: not a folder")
    t0 = time.perf_counter()
    run = tag_paths([root], tagger=AudioTagger(max_windows=windows), on_progress=on_file)
    if not run.tracks:
        skipped = run.skipped_counts()
        raise NlrecError(f"{root}: no readable audio file" + (f" (skipped: {skipped})" if skipped else ""))
    tracks = [track_from_audio(t, root=root) for t in run.tracks]
    embeddings = AudioEmbeddings.from_rows([t.id for t in tracks], [t.embedding for t in run.tracks],
                                           info={"windows": windows, **weights_info()})
    tag_seconds = time.perf_counter() - t0
    index = build_index(Catalog(tracks=tracks, source=str(root)), name, model=model, progress=progress,
                        home=home, source={"dataset": None, "audio_dir": str(root.resolve())},
                        extra_files=embeddings.save)
    report = {
        "tagged": len(run.tracks),
        "skipped": run.skipped_counts(),
        "audio_descriptors": sum(t.metadata.get("descriptor_source") == "audio" for t in tracks),
        "files_per_second": round(run.files_per_second, 3),
        "tag_seconds": round(tag_seconds, 1),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return index, report


def add_audio(index: Any, audio_dir: str | os.PathLike, *, windows: int | None = 10, on_file: Any = None,
              progress: Any = None) -> dict[str, Any]:
    """Tag the files of ``audio_dir`` not in ``index`` yet and add them (an incremental update);
    the index's audio embeddings are carried over and extended.

    Returns:
        The update report (see :func:`nlrec.index.update.update_index`) with ``tagged``,
        ``already_indexed`` and ``skipped``.
    """
    from nlrec.audio.catalog import track_from_audio, track_id
    from nlrec.audio.decode import iter_audio_files
    from nlrec.audio.embeddings import AudioEmbeddings, weights_info
    from nlrec.audio.tagger import AudioTagger, tag_paths
    from nlrec.errors import NlrecError
    from nlrec.index.update import update_index

    root = Path(audio_dir)
    if not root.is_dir():
        raise NlrecError(f"{root}: not a folder")
    files = [f for f in iter_audio_files([root]) if index.row_of(track_id(f, root)) is None]
    already = sum(1 for _ in iter_audio_files([root])) - len(files)
    if not files:
        raise NlrecError(f"{root}: every audio file is already in index {index.name!r}")
    run = tag_paths(files, tagger=AudioTagger(max_windows=windows), on_progress=on_file)
    if not run.tracks:
        raise NlrecError(f"{root}: no readable new audio file (skipped: {run.skipped_counts()})")
    tracks = [track_from_audio(t, root=root) for t in run.tracks]
    new = AudioEmbeddings.from_rows([t.id for t in tracks], [t.embedding for t in run.tracks],
                                    info={"windows": windows, **weights_info()})
    old = AudioEmbeddings.load(index.path) if (index.path / "audio").is_dir() else None
    if old is not None:
        new = AudioEmbeddings(old.ids + new.ids, np.concatenate([old.vectors, new.vectors]),
                              np.concatenate([old.has_audio, new.has_audio]), {**old.info, **new.info})
    report = update_index(index, upsert=tracks, progress=progress, extra_files=new.save)
    report.update(tagged=len(run.tracks), already_indexed=already, skipped=run.skipped_counts())
    return report
