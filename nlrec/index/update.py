"""Incremental updates: add, replace and remove tracks without re-embedding what is unchanged.

``update_index(index, upsert=rows, remove=ids)`` writes a new version of the index through the
same build path as :func:`~nlrec.index.build.build_index` (so it is as atomic and crash-safe as a
build, and readers never see half of it), but only descriptor sets the index does not hold yet
are embedded: the others take their stored vectors from the dense index. The sparse side (BM25,
TF-IDF) is rebuilt over the documents, since bm25s cannot add documents; that costs seconds
(measured against the embedding it saves in ``eval/RESULTS.md``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.catalog import Catalog, Track
from nlrec.errors import CatalogError, NlrecError

if TYPE_CHECKING:
    from nlrec.index.store import Index


class StoredVectorEncoder:
    """The index's encoder, answering from the dense index for descriptor sets it already holds.

    Only texts the index does not hold are embedded (by the index's own encoder, loaded then).
    """

    def __init__(self, index: Index) -> None:
        self.index = index
        rec = index.manifest.encoder
        self.id = rec.id
        self.dimension = index.manifest.dimension
        self._fingerprint = rec.weights_sha256
        self._rows = {d: i for i, d in enumerate(index.documents)}
        self._descriptors, self._descriptor_vectors = _descriptor_vectors(index)
        self.embedded = 0

    def fingerprint(self) -> str:
        return self._fingerprint

    def describe(self) -> dict[str, Any]:
        return dict(self.index.manifest.encoder.raw)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        stored = [(i, self._rows[t]) for i, t in enumerate(texts) if t in self._rows]
        if stored:
            vectors = self.index.retriever("dense").stored_vectors()
            rows_in, rows_out = zip(*stored)
            out[list(rows_in)] = vectors[list(rows_out)]
            if progress:
                progress(len(stored))
        known = [(i, self._descriptors[t]) for i, t in enumerate(texts)
                 if t not in self._rows and t in self._descriptors]
        if known:  # single descriptors (the late retriever's vocabulary), as the last version has them
            rows_in, rows_out = zip(*known)
            out[list(rows_in)] = self._descriptor_vectors[list(rows_out)]
        new = [i for i, t in enumerate(texts) if t not in self._rows and t not in self._descriptors]
        if new:
            vectors = self.index.encoder().encode([texts[i] for i in new], batch_size=batch_size, progress=progress)
            out[new] = vectors
            self.embedded += len(new)
        return out


def _descriptor_vectors(index: Index) -> tuple[dict[str, int], np.ndarray]:
    """The vectors the index's late retriever saved for its descriptor vocabulary (embedded by the
    index's encoder when that version was built), so an update re-embeds none of them."""
    import json

    try:
        forms = json.loads((index.path / "late" / "descriptors.json").read_text(encoding="utf-8"))
        vectors = np.load(index.path / "late" / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError):
        return {}, np.zeros((0, 0), dtype=np.float32)
    if not isinstance(forms, list) or vectors.ndim != 2 or len(vectors) != len(forms):
        return {}, np.zeros((0, 0), dtype=np.float32)
    return {str(f): i for i, f in enumerate(forms)}, vectors.astype(np.float32, copy=False)


def tracks_from_rows(rows: Iterable[Mapping[str, Any]], source: str = "update") -> list[Track]:
    """Tracks from API / catalog rows (``id``, ``descriptors``, optional ``title``, ``artist``,
    ``year``, any other field as metadata).

    Raises:
        CatalogError: for a row without an id or descriptors, or duplicate ids.
    """
    rows = list(rows)
    if not rows:
        return []
    flat = []
    for r in rows:
        if not isinstance(r, Mapping):
            raise CatalogError(f"{source}: a track must be an object, got {type(r).__name__}")
        meta = r.get("metadata") if isinstance(r.get("metadata"), Mapping) else {}
        flat.append({**meta, **{k: v for k, v in r.items() if k != "metadata"}})
    columns = list(dict.fromkeys(k for r in flat for k in r))
    catalog = Catalog.from_records(flat, source=source, columns=columns)
    if catalog.skipped_empty:
        raise CatalogError(f"{source}: {catalog.skipped_empty} track(s) without descriptors")
    return catalog.tracks


def update_index(
    index: Index,
    *,
    upsert: Iterable[Mapping[str, Any]] | Sequence[Track] = (),
    remove: Iterable[str] = (),
    progress: Any = None,
    extra_files: Any = None,
) -> dict[str, Any]:
    """Upsert tracks by id and remove ids; write the new version of the index.

    Returns:
        A report: ``added``, ``replaced``, ``removed``, ``unknown_removals``, ``embedded`` (new
        descriptor sets), ``tracks``, ``documents``, ``seconds``, and ``index`` (the new version,
        opened). When only removals were asked and none of the ids is in the index, no new
        version is written and the report has ``unchanged: True``.

    Raises:
        NlrecError: if nothing is asked, a track is malformed, or the update would empty the index.
    """
    from nlrec.index.build import build_index
    from nlrec.index.generations import WRITER_LOCK
    from nlrec.index.store import Index
    from nlrec.locks import exclusive_lock

    t0 = time.perf_counter()
    new_tracks = [t if isinstance(t, Track) else None for t in upsert]  # type: ignore[misc]
    if any(t is None for t in new_tracks):
        new_tracks = tracks_from_rows(upsert)  # type: ignore[arg-type]
    removals = {str(i) for i in remove}
    if not new_tracks and not removals:
        raise NlrecError("nothing to update: give tracks to add or ids to remove")
    by_id = {t.id: t for t in new_tracks}
    upsert_ids = set(by_id)
    if len(by_id) != len(new_tracks):
        raise CatalogError("update: duplicate track ids among the tracks to add")
    both = removals & set(by_id)
    if both:
        raise NlrecError(f"update: ids both added and removed: {', '.join(sorted(both)[:5])}")
    root = index.root or index.path
    # read-modify-write under the index's writer lock: the version updated is the newest one, and
    # a concurrent update waits instead of being lost
    with exclusive_lock(root / WRITER_LOCK, f"index {root.name!r}"):
        current = Index.open(root, verify=False)
        loaded = index._encoder  # the caller's encoder, already loaded: new sets are embedded with it
        if loaded is not None and loaded.fingerprint() == current.manifest.encoder.weights_sha256:
            current.use_encoder(loaded)
        try:
            kept: list[Track] = []
            replaced = 0
            present: set[str] = set()
            for t in current.tracks:
                present.add(t.id)
                if t.id in removals:
                    continue
                if t.id in by_id:
                    kept.append(by_id.pop(t.id))
                    replaced += 1
                else:
                    kept.append(t)
            if not new_tracks and not removals & present:  # no id matches: nothing to write
                return {**_report(Index.open(root, verify=False), 0, 0, removals, present, 0, t0), "unchanged": True}
            added = list(by_id.values())
            all_tracks = kept + added
            if not all_tracks:
                raise NlrecError("update: removing every track would leave an empty index; use nlrec index rm")
            if current.backend == "milvus":
                from nlrec.index.milvus.update import update_milvus

                changed = [t for t in all_tracks if t.id in upsert_ids]
                new, embedded = update_milvus(current, all_tracks, changed, removals & present,
                                              progress=progress, extra_files=extra_files)
                return _report(new, len(added), replaced, removals, present, embedded, t0)
            corpus = current.manifest.raw.get("corpus", {})
            catalog = Catalog(tracks=all_tracks, source=corpus.get("source") or "update")
            encoder = StoredVectorEncoder(current)
            source = {k: v for k, v in corpus.items()
                      if k not in ("sha256", "n_tracks", "n_documents", "skipped_empty", "source")}
            if extra_files is None and (current.path / "audio").is_dir():
                extra_files = _carry_audio(current, {t.id for t in all_tracks})
            new = build_index(catalog, root, encoder=encoder, model=current.manifest.encoder.model,
                              factory=current.manifest.factory, progress=progress, source=source, onnx=False,
                              extra_files=extra_files, defer=tuple(current.manifest.raw.get("deferred", ())))
        finally:
            current.close()
    built = new
    new = Index.open(root, verify=False)  # searches with the index's own encoder, not the stored vectors
    built.close()
    return _report(new, len(added), replaced, removals, present, encoder.embedded, t0)


def _report(new: Index, added: int, replaced: int, removals: set[str], present: set[str], embedded: int,
            t0: float) -> dict[str, Any]:
    return {
        "added": added,
        "replaced": replaced,
        "removed": len(removals & present),
        "unknown_removals": sorted(removals - present)[:20],
        "embedded": embedded,
        "tracks": len(new.tracks),
        "documents": len(new.documents),
        "generation": new.generation,
        "seconds": round(time.perf_counter() - t0, 3),
        "index": new,
    }


def _carry_audio(current: Index, keep: set[str]) -> Any:
    """The current version's audio embeddings, for the tracks the new version keeps."""
    from nlrec.audio.embeddings import AudioEmbeddings

    old = AudioEmbeddings.load(current.path)
    rows = [i for i, tid in enumerate(old.ids) if tid in keep]
    kept = AudioEmbeddings([old.ids[i] for i in rows], old.vectors[rows], old.has_audio[rows], old.info)
    return kept.save
