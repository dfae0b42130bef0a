"""Indexes of audio folders: tag the files, build the index, keep the "sounds like" embeddings.

``nlrec index build --audio-dir DIR --name NAME`` tags every audio file under ``DIR`` (mp3, ogg,
opus, flac, wav, aiff), makes one catalog track per file (its own title / artist / album / year,
its genres *and* the audio-derived descriptors, each with its source; see
:mod:`nlrec.audio.catalog`), builds the index, and stores the tagger's penultimate-layer
embeddings in the index's ``audio/`` folder (listed in the manifest, verified like every file),
for ``nlrec similar --by audio|both``.

Files are identified by content (the SHA-256 of their bytes): a byte-identical copy is skipped
as a duplicate, ``index add`` skips what the index already holds under any name or folder, and a
file changed in place (re-tagged, re-encoded) replaces its old track. Every skipped file is named
in the report with its reason (unsupported formats included), and tagged files that look
truncated are listed under ``warnings``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class AddPlan:
    """What ``index add`` will do with the files found.

    Attributes:
        new: files whose content the index does not hold, with their SHA-256.
        known: files the index holds already (same bytes), with the id they are indexed under.
        changed: new files at the path of an indexed track with other bytes: path -> the old id,
            which the new track replaces.
    """

    new: list[tuple[Path, str]] = field(default_factory=list)
    known: list[tuple[Path, str]] = field(default_factory=list)
    changed: dict[Path, str] = field(default_factory=dict)


def plan_add(index: Any, files: Sequence[Path], root: Path | None = None) -> AddPlan:
    """Sort ``files`` into new, known and changed by content hash.

    Tracks indexed before content hashes were recorded are recognised by their path-based id
    (relative to ``root``), as earlier versions named them.
    """
    from nlrec.audio.catalog import track_id
    from nlrec.audio.checks import UNSUPPORTED_EXTENSIONS, content_hash

    by_hash: dict[str, str] = {}
    by_path: dict[str, str] = {}
    for t in index.tracks:
        meta = t.metadata or {}
        if meta.get("content_sha256"):
            by_hash[str(meta["content_sha256"])] = t.id
        if meta.get("path"):
            by_path[str(meta["path"])] = t.id
    plan = AddPlan()
    for f in files:
        f = Path(f)
        if f.suffix.lower() in UNSUPPORTED_EXTENSIONS:
            plan.new.append((f, ""))  # reported as unsupported by the tagger
            continue
        try:
            digest = content_hash(f)
        except OSError:
            plan.new.append((f, ""))  # the tagger reports it as unreadable
            continue
        if digest in by_hash:
            plan.known.append((f, by_hash[digest]))
            continue
        legacy = track_id(f, root)
        if index.row_of(legacy) is not None:
            plan.known.append((f, legacy))
            continue
        old = by_path.get(str(f.resolve()))
        if old is not None:
            plan.changed[f] = old
        plan.new.append((f, digest))
    return plan


def tag_report(run: Any) -> dict[str, Any]:
    """The tagging part of a report: counts, every skipped file with its reason, warnings."""
    return {
        "tagged": len(run.tracks),
        "skipped": run.skipped_counts(),
        "skipped_files": [s.to_dict() for s in run.skipped],
        "warnings": run.warned(),
        "files_per_second": round(run.files_per_second, 3),
    }


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
        The opened index and a report (tagged, skipped by reason and by name, warnings, files per
        second, seconds).

    Raises:
        NlrecError: if the folder has no readable audio file.
    """
    from nlrec.audio.catalog import track_from_audio
    from nlrec.audio.tagger import AudioTagger, tag_paths
    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    root = _folder(audio_dir)
    t0 = time.perf_counter()
    run = tag_paths([root], tagger=AudioTagger(max_windows=windows), on_progress=on_file)
    _require_tagged(run, root)
    tracks = [track_from_audio(t, root=root) for t in run.tracks]
    tag_seconds = time.perf_counter() - t0
    index = build_index(Catalog(tracks=tracks, source=str(root)), name, model=model, progress=progress,
                        home=home, source={"dataset": None, "audio_dir": str(root.resolve())},
                        extra_files=_embeddings(tracks, run, windows).save)
    report = {
        **tag_report(run),
        "audio_descriptors": sum(bool(t.metadata["descriptor_sources"]["audio"]) for t in tracks),
        "file_genres": sum(bool(t.metadata["descriptor_sources"]["file"]) for t in tracks),
        "tag_seconds": round(tag_seconds, 1),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    return index, report


def add_audio(index: Any, audio_dir: str | os.PathLike, *, windows: int | None = 10, on_file: Any = None,
              progress: Any = None) -> dict[str, Any]:
    """Tag the files of ``audio_dir`` whose content ``index`` does not hold and add them; a file
    changed in place replaces its old track. The audio embeddings are carried over and extended.

    Returns:
        The update report (see :func:`nlrec.index.update.update_index`) with ``tagged``,
        ``already_indexed``, ``changed``, ``skipped``, ``skipped_files``, ``warnings``,
        ``tag_seconds`` and ``total_seconds`` (tagging included). When nothing is new, no version is
        written: ``added`` is 0 and ``index`` is ``index`` itself.

    Raises:
        NlrecError: when new files were found but none could be tagged.
    """
    from nlrec.audio.decode import iter_audio_files

    root = _folder(audio_dir)
    t0 = time.perf_counter()
    files = list(iter_audio_files([root], unsupported=True))
    plan = plan_add(index, files, root)
    return add_planned(index, plan, root=root, windows=windows, on_file=on_file, progress=progress, t0=t0)


def add_planned(index: Any, plan: AddPlan, *, root: Path | None, windows: int | None = 10,
                on_file: Any = None, progress: Any = None, t0: float | None = None,
                to_track: Any = None) -> dict[str, Any]:
    """Tag the new files of ``plan`` and update ``index`` (``to_track(audio_track)`` makes the
    catalog track; default :func:`~nlrec.audio.catalog.track_from_audio` relative to ``root``)."""
    from nlrec.audio.catalog import track_from_audio
    from nlrec.audio.embeddings import AudioEmbeddings
    from nlrec.audio.tagger import AudioTagger, SkippedFile, TagRun
    from nlrec.index.update import update_index

    t0 = time.perf_counter() if t0 is None else t0
    base = {"already_indexed": len(plan.known), "changed": len(plan.changed)}

    def unchanged(run: Any) -> dict[str, Any]:
        return {"added": 0, "replaced": 0, "removed": 0, "unknown_removals": [], "embedded": 0,
                "tracks": len(index.tracks), "documents": len(index.documents), "generation": index.generation,
                **base, **tag_report(run), "tag_seconds": round(time.perf_counter() - t0, 3), "seconds": 0.0,
                "total_seconds": round(time.perf_counter() - t0, 3), "index": index}

    if not plan.new:
        return unchanged(TagRun())
    tagger = AudioTagger(max_windows=windows)
    run = TagRun()
    start = time.perf_counter()
    for i, (path, digest) in enumerate(plan.new, start=1):
        result = _tag(tagger, path, digest or None)
        if isinstance(result, SkippedFile):
            run.skipped.append(result)
        else:
            run.tracks.append(result)
        if on_file is not None:
            on_file(i, len(plan.new), path)
    run.seconds = time.perf_counter() - start
    _dedupe_run(run)
    if not run.tracks and all(s.reason == "unsupported" for s in run.skipped):
        return unchanged(run)  # files nlrec can never read: named every time, not an error
    _require_tagged(run, root)
    make = to_track or (lambda t: track_from_audio(t, root=root))
    tracks = [make(t) for t in run.tracks]
    remove = sorted({plan.changed[t.path] for t in run.tracks if t.path in plan.changed} - {t.id for t in tracks})
    new = _embeddings(tracks, run, windows)
    old = AudioEmbeddings.load(index.path) if (index.path / "audio").is_dir() else None
    if old is not None:
        keep = [i for i, tid in enumerate(old.ids) if tid not in set(remove) and tid not in set(new.ids)]
        new = AudioEmbeddings([old.ids[i] for i in keep] + new.ids,
                              np.concatenate([old.vectors[keep], new.vectors]),
                              np.concatenate([old.has_audio[keep], new.has_audio]), {**old.info, **new.info})
    tag_seconds = time.perf_counter() - t0
    report = update_index(index, upsert=tracks, remove=remove, progress=progress, extra_files=new.save)
    report.update(**base, **tag_report(run), tag_seconds=round(tag_seconds, 3),
                  total_seconds=round(time.perf_counter() - t0, 3))
    return report


def _tag(tagger: Any, path: Path, digest: str | None) -> Any:
    from nlrec.audio.decode import AudioReadError
    from nlrec.audio.tagger import SkippedAudioError, SkippedFile

    try:
        return tagger.tag_file(path, content_sha256=digest)
    except SkippedAudioError as exc:
        return SkippedFile(path, exc.reason, exc.detail)
    except AudioReadError as exc:
        return SkippedFile(path, "unreadable", str(exc))


def _dedupe_run(run: Any) -> None:
    """Byte-identical new files found in one add: the first is kept, the others skipped."""
    from nlrec.audio.tagger import SkippedFile

    first: dict[str, Path] = {}
    kept = []
    for t in run.tracks:
        if t.content_sha256 in first:
            run.skipped.append(SkippedFile(t.path, "duplicate", f"same bytes as {first[t.content_sha256]}"))
        else:
            first[t.content_sha256] = t.path
            kept.append(t)
    run.tracks = kept


def _embeddings(tracks: list[Any], run: Any, windows: int | None) -> Any:
    from nlrec.audio.embeddings import AudioEmbeddings, weights_info

    return AudioEmbeddings.from_rows([t.id for t in tracks], [t.embedding for t in run.tracks],
                                     info={"windows": windows, **weights_info()})


def _folder(audio_dir: str | os.PathLike) -> Path:
    from nlrec.errors import NlrecError

    root = Path(audio_dir).expanduser()
    if not root.is_dir():
        raise NlrecError(f"{root}: not a folder")
    return root


def _require_tagged(run: Any, root: Path | None) -> None:
    from nlrec.errors import NlrecError

    if run.tracks:
        return
    where = f"{root}: " if root is not None else ""
    if not run.skipped:
        raise NlrecError(f"{where}no audio file found (mp3, ogg, opus, flac, wav, aiff)")
    named = "; ".join(f"{s.path.name}: {s.reason}" for s in run.skipped[:5])
    more = f" (and {len(run.skipped) - 5} more)" if len(run.skipped) > 5 else ""
    raise NlrecError(f"{where}no readable new audio file: {named}{more}")
