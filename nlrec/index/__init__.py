"""Index directories: build, open, verify, list and remove.

An index is a directory (under ``NLREC_HOME``, by default the checkout's ``indexes/``) of
immutable generations behind an atomically replaced pointer (see
:mod:`~nlrec.index.generations`)::

    <name>/
      CURRENT               which generation is current, and its manifest's SHA-256
      .lock                 held by the one writer (build, rm, incremental updates)
      gen-000007.lock       readers of generation 7 hold a shared lock on it
      gen-000007/
        manifest.json       format 2, kind, generation, encoder id + weights hash, dimension,
                            metric, corpus hash and counts, nlrec version, build time, and
                            size + sha256 of every file
        tracks.jsonl        the catalog tracks, each with the row of its unique document
        tracks.offsets.npy  byte offset of each track's line (tracks are parsed when shown)
        track_doc.npy       each track's row among the unique documents
        documents.json      the unique descriptor-set strings (identical sets embedded once)
        dense/dense.faiss   FAISS inner-product index over L2-normalised embeddings
        tfidf/  bm25/       sparse indexes (JSON + .npy)

Modules: :mod:`~nlrec.index.build` (embed and write a generation),
:mod:`~nlrec.index.generations` (pointer, reader leases, the writer, collection),
:mod:`~nlrec.index.store` (the opened :class:`Index`), :mod:`~nlrec.index.manifest` (the typed
:class:`Manifest` and file verification), :mod:`~nlrec.index.storage` (lazy tracks, vector
checks), :mod:`~nlrec.index.registry` (names, list, remove), :mod:`~nlrec.index.legacy`
(format-1 directories) and :mod:`~nlrec.index.demo`. Nothing is pickled. Searching is
:mod:`nlrec.search`'s job: an index never imports it.
"""

from __future__ import annotations

from nlrec.index.build import BuildStats, build_index, unique_documents
from nlrec.index.generations import (
    GenerationLease,
    GenerationWriter,
    Pointer,
    open_generation,
    read_pointer,
)
from nlrec.index.manifest import INDEX_FORMAT, MANIFEST, Manifest, read_manifest, verify_files
from nlrec.index.registry import list_indexes, remove_index, resolve_index_path, validate_name
from nlrec.index.storage import DocTracks, LazyTracks
from nlrec.index.store import Index, open_index

__all__ = [
    "INDEX_FORMAT",
    "MANIFEST",
    "BuildStats",
    "GenerationLease",
    "GenerationWriter",
    "Pointer",
    "DocTracks",
    "Index",
    "LazyTracks",
    "Manifest",
    "build_index",
    "list_indexes",
    "open_generation",
    "open_index",
    "read_pointer",
    "read_manifest",
    "remove_index",
    "resolve_index_path",
    "unique_documents",
    "validate_name",
    "verify_files",
]
