"""The Milvus backend: an index's vectors and filterable track fields in Milvus collections.

An index built with ``--backend milvus --uri URI`` keeps its catalog side on disk as usual
(manifest, tracks, unique descriptor sets, names, the sparse BM25 / TF-IDF side) but its dense
side lives in Milvus: a local file is served by Milvus Lite (``pip install milvus-lite``), an
``http://host:19530`` URI is a Milvus Standalone or Distributed cluster. Two collections:

* ``<collection>``: one entity per unique descriptor set: ``key`` (a 63-bit hash of the set's
  text, stable across updates), ``vector`` (its embedding, inner product = cosine) and ``text``;
* ``<collection>_tracks``: one entity per track: ``id``, ``doc`` (its set's key) and the fields
  ``--where`` filters read (``title``, ``artist``, ``year``, ``descriptors``, ``metadata``),
  case-folded, so a filter runs in Milvus (:mod:`nlrec.search.milvus_filters`). Milvus needs a
  vector field in every collection: ``_v`` is a 2-d placeholder.

The token, when the cluster needs one, is read from an environment variable (default
``NLREC_MILVUS_TOKEN``); only the variable's name is recorded in the manifest. ``pymilvus`` is
imported only when a Milvus index is used, so the local path starts as fast as before.
"""

from nlrec.index.milvus.client import (
    TOKEN_ENV,
    MilvusError,
    MilvusTarget,
    connect,
    disconnect_all,
    doc_key,
    doc_keys,
    target,
)
from nlrec.index.milvus.retriever import (
    KeyMap,
    MilvusDenseRetriever,
    dense_retriever,
    key_map,
    store_of,
    verify_backend,
)
from nlrec.index.milvus.store import MilvusStore, track_entity

__all__ = [
    "TOKEN_ENV",
    "KeyMap",
    "key_map",
    "MilvusDenseRetriever",
    "MilvusError",
    "MilvusStore",
    "MilvusTarget",
    "connect",
    "disconnect_all",
    "dense_retriever",
    "doc_key",
    "doc_keys",
    "store_of",
    "target",
    "track_entity",
    "verify_backend",
]
