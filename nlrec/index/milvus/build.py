"""Streaming, resumable builds of a Milvus-backed index, and its incremental updates.

A build reads the catalog in chunks; for each chunk it embeds the descriptor sets not seen yet,
upserts them and the chunk's tracks into Milvus, appends the tracks to files in the index's
``.resume/`` directory and then records a checkpoint (``state.json``, written atomically). The
catalog is never held in memory, only the unique descriptor sets and the track ids seen. Killed
at any point, the next run with the same arguments resumes after the last checkpoint: files are
cut back to it and the chunk in flight is redone; Milvus upserts by primary key (the track id,
the descriptor set's hash), so redoing it adds nothing twice. The finished index becomes a new
generation like any other (:mod:`nlrec.index.generations`), and ``.resume/`` is removed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec import __version__
from nlrec.catalog import Catalog, Track
from nlrec.errors import CatalogError, NlrecError
from nlrec.index.generations import RESUME_DIR, GenerationWriter, check_replaceable
from nlrec.index.manifest import INDEX_FORMAT, INDEX_KIND, MANIFEST, METRIC, file_table
from nlrec.index.milvus.client import MilvusError, MilvusTarget, doc_key, doc_keys
from nlrec.index.milvus.sources import CatalogSource
from nlrec.index.milvus.store import META_FORMAT, MilvusStore
from nlrec.index.registry import resolve_index_path
from nlrec.index.storage import fsync_tree
from nlrec.io import atomic_write_npy, write_json

STATE_KIND = "nlrec-milvus-build"
ProgressCallback = Callable[[str, int, int], None]

if TYPE_CHECKING:
    from nlrec.index.store import Index


# ------------------------------------------------------------------------------ resume state
class _Resume:
    """The ``.resume/`` directory of an unfinished build: appended files and a checkpoint."""

    def __init__(self, root: Path) -> None:
        self.dir = root / RESUME_DIR
        self.state_path = self.dir / "state.json"

    def load(self) -> dict[str, Any] | None:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return state if isinstance(state, dict) and state.get("kind") == STATE_KIND else None

    def start(self, state: dict[str, Any]) -> None:
        self.discard()
        self.dir.mkdir(parents=True)
        for name in ("tracks.jsonl", "track_doc.bin", "ends.bin", "documents.jsonl"):
            (self.dir / name).touch()
        self.save(state)

    def save(self, state: dict[str, Any]) -> None:
        for name in ("tracks.jsonl", "track_doc.bin", "ends.bin", "documents.jsonl"):
            with open(self.dir / name, "rb+") as f:
                os.fsync(f.fileno())
        write_json(self.state_path, state)

    def rewind(self, state: dict[str, Any]) -> None:
        """Cut every file back to the checkpoint (what a killed run appended after it goes)."""
        sizes = {"tracks.jsonl": state["tracks_bytes"], "track_doc.bin": 8 * state["n_tracks"],
                 "ends.bin": 8 * state["n_tracks"], "documents.jsonl": state["docs_bytes"]}
        for name, size in sizes.items():
            p = self.dir / name
            if not p.is_file() or p.stat().st_size < size:
                raise NlrecError(f"the unfinished build in {self.dir} is damaged ({name} is shorter than its "
                                 "checkpoint); rerun with --restart")
            os.truncate(p, size)

    def discard(self) -> None:
        if self.dir.is_dir() and (self.state_path.is_file() or not any(self.dir.iterdir())):
            shutil.rmtree(self.dir)


# ------------------------------------------------------------------------------ the build
def build_milvus_index(
    source: CatalogSource | Catalog,
    name: str | os.PathLike,
    where: MilvusTarget,
    *,
    model: str | None = "default",
    encoder: Any = None,
    chunk_size: int = 20000,
    batch_size: int = 64,
    index_type: str = "FLAT",
    index_params: dict[str, Any] | None = None,
    restart: bool = False,
    home: Path | None = None,
    progress: ProgressCallback | None = None,
    on_wait: Callable[[str], None] | None = None,
    on_resume: Callable[[str], None] | None = None,
    provenance: dict[str, Any] | None = None,
    onnx: bool = True,
    stop_after_chunks: int | None = None,
) -> Index:
    """Build index ``name`` with its vectors in Milvus, streaming the catalog in chunks.

    Args:
        source: a :class:`CatalogSource` (or a catalog, streamed from memory).
        where: the Milvus URI and collection (see :func:`nlrec.index.milvus.target`).
        chunk_size: tracks per chunk (one checkpoint each).
        index_type: the Milvus index on the vectors (``FLAT`` = exact; ``HNSW``, ``IVF_FLAT``, ...).
        restart: discard an unfinished build instead of resuming it.
        on_resume: told, in one line, when an unfinished build is resumed.
        stop_after_chunks: stop (as if killed) after this many chunks; for tests.

    Returns:
        The opened index.

    Raises:
        MilvusError: Milvus unreachable, or the collection exists and is not this index's.
        NlrecError: an unfinished build of something else is pending (rerun it, or ``restart``).
    """
    from nlrec.encoders.dense import load_encoder
    from nlrec.index.build import _try_export_onnx, encoder_entry

    if isinstance(source, Catalog):
        source = CatalogSource.from_catalog(source)
    t0 = time.perf_counter()
    dest = resolve_index_path(name, home)
    check_replaceable(dest)
    enc = encoder if encoder is not None else load_encoder(model)
    store = MilvusStore(where)
    with GenerationWriter(dest, on_wait=on_wait) as writer:
        resume = _Resume(dest)
        identity = {"source": source.identity, "target": where.record(), "encoder": enc.fingerprint(),
                    "chunk_size": chunk_size, "index_type": index_type}
        state = resume.load()
        if state is not None and state.get("identity") != identity:
            if not restart:
                raise NlrecError(f"an unfinished build of index {dest.name!r} from another catalog, Milvus target or "
                                 f"encoder is pending in {resume.dir}; rerun it as before to resume, or pass --restart")
        if state is not None and (restart or state.get("identity") != identity):
            MilvusStore(MilvusTarget.from_record(state["identity"]["target"], dest.name)).drop(state["marker"], dest)
            resume.discard()
            state = None
        if state is None:
            # ownership: a random token (also in the manifest) and this index's real folder, so a
            # copy of the index's files never counts as the owner of its collections
            marker = {"index": dest.name, "token": secrets.token_hex(8), "root": os.path.realpath(dest),
                      "owner": (writer.owner or {}).get("id")}
            _clear_target(store, writer, marker)
            store.create(enc.dimension, marker, index_type=index_type, index_params=index_params)
            state = {"kind": STATE_KIND, "identity": identity, "marker": marker, "rows_read": 0, "chunks": 0,
                     "n_tracks": 0, "n_docs": 0, "tracks_bytes": 0, "docs_bytes": 0, "skipped_empty": 0,
                     "encode_seconds": 0.0, "started_at": time.time(), "meta_format": META_FORMAT}
            resume.start(state)
        else:
            resume.rewind(state)
            if on_resume:
                on_resume(f"resuming the unfinished build of {dest.name!r} after {state['rows_read']:,} rows "
                          f"({state['n_tracks']:,} tracks, {state['n_docs']:,} descriptor sets)")
        docs, ids = _reload(resume, state)
        total = source.total
        if progress:
            progress("tracks", state["rows_read"], total or 0)
        ran = 0
        for rows_read, tracks, skipped in source.chunks(state["rows_read"], chunk_size):
            # the first chunk after a resume may be partly in Milvus already: upserted; later ones inserted
            t_enc = _add_chunk(store, resume, state, docs, ids, tracks, enc, batch_size,
                               fresh=ran > 0 or state["chunks"] == 0)
            state.update(rows_read=rows_read, chunks=state["chunks"] + 1,
                         skipped_empty=state["skipped_empty"] + skipped,
                         encode_seconds=round(state["encode_seconds"] + t_enc, 3))
            resume.save(state)
            if progress:
                progress("tracks", rows_read, max(total or 0, rows_read))
            ran += 1
            if stop_after_chunks is not None and ran >= stop_after_chunks:
                return None
        if not state["n_tracks"]:
            raise NlrecError("the catalog has no track with descriptors; nothing to index")
        if progress:
            progress("finishing", 0, 1)
        store.flush()
        counts = store.counts()
        if counts != (state["n_docs"], state["n_tracks"]):
            raise MilvusError(f"Milvus holds {counts[0]:,} descriptor sets and {counts[1]:,} tracks after the build, "
                              f"expected {state['n_docs']:,} and {state['n_tracks']:,}; rerun with --restart")
        enc_entry = {"onnx": "disabled", **encoder_entry(enc, model)}
        if onnx and encoder is None:
            enc_entry["onnx"] = _try_export_onnx(enc)
        tmp = writer.stage()
        documents = [json.loads(line) for line in (resume.dir / "documents.jsonl").read_text("utf-8").splitlines()]
        os.replace(resume.dir / "tracks.jsonl", tmp / "tracks.jsonl")
        ends = np.fromfile(resume.dir / "ends.bin", dtype=np.int64)
        atomic_write_npy(tmp / "tracks.offsets.npy", np.concatenate([[0], ends]).astype(np.int64))
        atomic_write_npy(tmp / "track_doc.npy", np.fromfile(resume.dir / "track_doc.bin", dtype=np.int64))
        index = finish_generation(writer, tmp, dest, documents, None, where, state["marker"], enc_entry, {
            "sha256": _identity_sha(source.identity), "n_tracks": state["n_tracks"], "n_documents": state["n_docs"],
            "skipped_empty": state["skipped_empty"], "source": source.source, **(provenance or {}),
        }, {"seconds": round(time.perf_counter() - t0, 3), "encode_seconds": state["encode_seconds"],
            "chunks": state["chunks"], "index_type": index_type}, progress, nested=state.get("list_fields"),
            meta_format=state.get("meta_format", 1))
        resume.discard()
    if progress:
        progress("done", 1, 1)
    index.use_encoder(enc)
    return index


def _clear_target(store: MilvusStore, writer: GenerationWriter, marker: dict[str, Any]) -> None:
    """Before a fresh build: drop the collections only if this index's current version made them."""
    if not store.exists():
        return
    from nlrec.index.manifest import read_manifest

    if writer.current is not None:
        raw = read_manifest(writer.root / writer.current.directory, writer.root.name).raw
        backend = raw.get("backend") or {}
        if backend.get("uri") == store.target.uri and backend.get("collection") == store.target.collection \
                and store.drop(backend.get("marker") or {}, writer.root):
            return
    raise MilvusError(f"collection {store.target.collection!r} already exists at {store.target.uri} and this index "
                      "did not make it; choose another --collection")


def _reload(resume: _Resume, state: dict[str, Any]) -> tuple[dict[str, int], set[str]]:
    docs: dict[str, int] = {}
    with open(resume.dir / "documents.jsonl", encoding="utf-8") as f:
        for line in f:
            docs[json.loads(line)] = len(docs)
    ids: set[str] = set()
    with open(resume.dir / "tracks.jsonl", "rb") as f:
        for line in f:
            ids.add(json.loads(line)["id"])
    if len(docs) != state["n_docs"] or len(ids) != state["n_tracks"]:
        raise NlrecError(f"the unfinished build in {resume.dir} is damaged; rerun with --restart")
    return docs, ids


def _add_chunk(store: MilvusStore, resume: _Resume, state: dict[str, Any], docs: dict[str, int], ids: set[str],
               tracks: list[Track], enc: Any, batch_size: int, fresh: bool) -> float:
    """Embed and upsert a chunk's new descriptor sets and its tracks; append them to the files."""
    nested = set(state.get("list_fields") or ())
    for t in tracks:
        if t.id in ids:
            raise CatalogError(f"duplicate track id {t.id!r} in the catalog")
        ids.add(t.id)
        nested.update(list_fields([t]))
    state["list_fields"] = sorted(nested)
    new = list(dict.fromkeys(t.text for t in tracks if t.text not in docs))
    t0 = time.perf_counter()
    if new:
        vectors = enc.encode(new, batch_size=batch_size)
        store.upsert_docs(doc_keys(new), vectors, new, new=fresh)
    encode = time.perf_counter() - t0
    store.upsert_tracks(tracks, [doc_key(t.text) for t in tracks], new=fresh, meta_format=state.get("meta_format", 1))
    with open(resume.dir / "documents.jsonl", "a", encoding="utf-8") as f:
        for text in new:
            docs[text] = len(docs)
            f.write(json.dumps(text, ensure_ascii=False) + "\n")
    lines = [(json.dumps({**t.to_dict(), "doc": docs[t.text]}, ensure_ascii=False) + "\n").encode("utf-8")
             for t in tracks]
    ends = state["tracks_bytes"] + np.cumsum([len(b) for b in lines], dtype=np.int64)
    with open(resume.dir / "tracks.jsonl", "ab") as f:
        f.write(b"".join(lines))
    with open(resume.dir / "ends.bin", "ab") as f:
        f.write(ends.astype(np.int64).tobytes())
    with open(resume.dir / "track_doc.bin", "ab") as f:
        f.write(np.asarray([docs[t.text] for t in tracks], dtype=np.int64).tobytes())
    state.update(n_tracks=state["n_tracks"] + len(tracks), n_docs=len(docs),
                 tracks_bytes=int(ends[-1]) if len(lines) else state["tracks_bytes"],
                 docs_bytes=(resume.dir / "documents.jsonl").stat().st_size)
    return encode


def list_fields(tracks: Sequence[Track]) -> set[str]:
    """Metadata fields holding lists, objects or booleans (``--where`` on them is evaluated locally:
    a local filter compares a boolean with a text by value, never as the text "true")."""
    return {k for t in tracks for k, v in (t.metadata or {}).items() if isinstance(v, (list, tuple, dict, bool))}


def _identity_sha(identity: dict[str, Any]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def finish_generation(writer: GenerationWriter, tmp: Path, dest: Path, documents: list[str], tracks: Sequence[Track] | None,
            where: MilvusTarget, marker: dict[str, Any], enc_entry: dict[str, Any], corpus: dict[str, Any],
            build: dict[str, Any], progress: ProgressCallback | None, extra_files: Any = None,
            nested: Sequence[str] | None = None, meta_format: int = 1) -> Index:
    """Write the catalog side of a Milvus-backed generation into ``tmp`` (tracks already there
    unless given) and commit it; returns the new version, opened."""
    from nlrec.index.build import document_retrievers, save_retrievers, write_names
    from nlrec.index.storage import LazyTracks
    from nlrec.index.store import Index

    if tracks is None:
        offsets = np.load(tmp / "tracks.offsets.npy", allow_pickle=False)
        tracks = LazyTracks(tmp / "tracks.jsonl", offsets, dest.name)
    if progress:
        progress("sparse index", 0, 1)
    built = document_retrievers(documents, "lucene", normalize=True)
    write_json(tmp / "documents.json", documents)
    atomic_write_npy(tmp / "doc_keys.npy", doc_keys(documents))
    entries = save_retrievers(tmp, built)
    write_names(tmp, tracks, progress)
    if extra_files is not None:
        extra_files(tmp)
    manifest = {
        "format": INDEX_FORMAT, "kind": INDEX_KIND, "generation": writer.next_generation, "name": dest.name,
        "nlrec_version": __version__, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "encoder": enc_entry, "dimension": int(enc_entry["dimension"]), "metric": METRIC,
        "faiss": {"kind": "milvus", "factory": f"milvus:{build.get('index_type', 'FLAT')}"},
        "backend": {**where.record(), "marker": marker, "list_fields": sorted(nested or ()),
                    "meta_format": int(meta_format)},
        **entries,
        "corpus": corpus, "build": build, "files": file_table(tmp),
    }
    write_json(tmp / MANIFEST, manifest)
    fsync_tree(tmp)
    writer.commit(tmp)
    return Index.open(dest, verify=False)


