"""Index directories: build, open, verify, list and remove.

An index is a directory (under ``NLREC_HOME``, by default the checkout's ``indexes/``)::

    <name>/
      manifest.json         encoder id + weights hash, dimension, metric, corpus hash and
                            counts, nlrec version, build time, and size + sha256 of every file
      tracks.jsonl          the catalog tracks, each with the row of its unique document
      tracks.offsets.npy    byte offset of each track's line (tracks are parsed when shown)
      track_doc.npy         each track's row among the unique documents
      documents.json        the unique descriptor-set strings (identical sets embedded once)
      dense/dense.faiss     FAISS inner-product index over L2-normalised embeddings
      tfidf/  bm25/         sparse indexes (JSON + .npy)

Modules: :mod:`~nlrec.index.build` (embed and write, swapped in atomically),
:mod:`~nlrec.index.store` (the opened :class:`Index`), :mod:`~nlrec.index.manifest` (the typed
:class:`Manifest` and file verification), :mod:`~nlrec.index.storage` (swaps, recovery, lazy
tracks), :mod:`~nlrec.index.registry` (names, list, remove) and :mod:`~nlrec.index.demo`.
Nothing is pickled. Searching is :mod:`nlrec.search`'s job: an index never imports it.
"""

from __future__ import annotations

from nlrec.index.build import BuildStats, build_index, unique_documents
from nlrec.index.manifest import INDEX_FORMAT, MANIFEST, Manifest, read_manifest, verify_files
from nlrec.index.registry import list_indexes, remove_index, resolve_index_path, validate_name
from nlrec.index.storage import DocTracks, LazyTracks
from nlrec.index.store import Index, open_index

__all__ = [
    "INDEX_FORMAT",
    "MANIFEST",
    "BuildStats",
    "DocTracks",
    "Index",
    "LazyTracks",
    "Manifest",
    "build_index",
    "list_indexes",
    "open_index",
    "read_manifest",
    "remove_index",
    "resolve_index_path",
    "unique_documents",
    "validate_name",
    "verify_files",
]
