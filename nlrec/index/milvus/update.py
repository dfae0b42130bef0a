"""Incremental updates of a Milvus-backed index: upserts and deletes instead of a rebuild."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from nlrec.catalog import Catalog, Track
from nlrec.index.generations import GenerationWriter
from nlrec.index.milvus.build import ProgressCallback, finish_generation, list_fields
from nlrec.index.milvus.client import MilvusTarget, doc_key, doc_keys
from nlrec.index.milvus.store import MilvusStore
from nlrec.index.storage import write_tracks


# ------------------------------------------------------------------------------ updates
def update_milvus(current: Any, tracks: list[Track], changed: list[Track], removed: set[str], *,
                  progress: ProgressCallback | None = None, extra_files: Any = None) -> tuple[Any, int]:
    """The Milvus side of :func:`nlrec.index.update.update_index` (called under the writer lock):
    upsert new descriptor sets and ``changed`` tracks, delete ``removed`` ids, commit the new
    catalog side, then delete descriptor sets no track carries any more.

    Returns:
        The new version (opened) and how many descriptor sets were embedded.
    """
    from nlrec.index.build import unique_documents

    where = MilvusTarget.from_record(current.manifest.raw["backend"], current.name)
    store = MilvusStore(where, create=False)
    marker = current.manifest.raw["backend"].get("marker") or {}
    store.check(current.manifest.dimension, marker=marker)
    root = current.root or current.path
    if not store.owned_by(marker, root):
        from nlrec.index.milvus.client import MilvusError

        raise MilvusError(f"index {current.name!r} shares collection {where.collection!r} at {where.uri} with the "
                          "index whose files it is a copy of; updating it would change that index too. Rebuild "
                          "it with its own --collection")
    meta_format = int(current.manifest.raw["backend"].get("meta_format") or 1)  # the index's, kept
    documents, track_doc = unique_documents(tracks)
    keys = doc_keys(documents)
    old = set(np.load(current.path / "doc_keys.npy", allow_pickle=False).tolist())
    new_rows = [i for i, k in enumerate(keys.tolist()) if k not in old]
    if new_rows:
        if progress:
            progress("embedding", 0, len(new_rows))
        vectors = current.encoder().encode([documents[i] for i in new_rows])
        store.upsert_docs(keys[new_rows], vectors, [documents[i] for i in new_rows])
    if changed:
        store.upsert_tracks(changed, [doc_key(t.text) for t in changed], meta_format=meta_format)
    if removed:
        store.delete_tracks(sorted(removed))
    store.flush()
    t0 = time.perf_counter()
    with GenerationWriter(root) as writer:  # re-entrant: the caller holds the lock
        tmp = writer.stage()
        write_tracks(tmp, tracks, track_doc)
        corpus = dict(current.manifest.raw.get("corpus", {}))
        corpus.update(sha256=Catalog(tracks=tracks).fingerprint(), n_tracks=len(tracks), n_documents=len(documents))
        build = {**current.manifest.raw.get("build", {}), "seconds": round(time.perf_counter() - t0, 3)}
        index = finish_generation(writer, tmp, root, documents, tracks, where, marker, dict(current.manifest.encoder.raw),
                        corpus, build, progress, extra_files,
                        nested=sorted(set(current.manifest.raw["backend"].get("list_fields") or ()) | list_fields(changed)),
                        meta_format=meta_format)
    if current._encoder is not None:
        index.use_encoder(current._encoder)
    gone = old - set(keys.tolist())
    if gone:
        store.delete_docs(sorted(gone))
    return index, len(new_rows)
