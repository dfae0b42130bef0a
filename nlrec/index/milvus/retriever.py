"""Dense search in Milvus for an opened index, and checking an index against its collections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nlrec.errors import IndexFileError
from nlrec.index.milvus.client import MAX_TOPK, PUSHDOWN_MAX_KEYS, MilvusError, MilvusTarget
from nlrec.index.milvus.store import MilvusStore


def pushdown_max_keys() -> int:
    """How many allowed descriptor sets one Milvus search takes as ``key in [...]``, and how many
    hits it returns at most (:data:`PUSHDOWN_MAX_KEYS`, :data:`MAX_TOPK`: both 16,384).
    ``NLREC_MILVUS_PUSHDOWN_MAX`` lowers both, as if Milvus took less: tests reach the strategies
    for large filters with small catalogs."""
    import os

    raw = os.environ.get("NLREC_MILVUS_PUSHDOWN_MAX", "")
    try:
        return max(1, min(PUSHDOWN_MAX_KEYS, MAX_TOPK, int(raw))) if raw.strip() else min(PUSHDOWN_MAX_KEYS, MAX_TOPK)
    except ValueError:
        return min(PUSHDOWN_MAX_KEYS, MAX_TOPK)


class KeyMap:
    """Document rows of descriptor-set keys (``doc_keys.npy``), by binary search."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.asarray(keys, dtype=np.int64)
        self._order = np.argsort(self.keys, kind="stable")
        self._sorted = self.keys[self._order]

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """Document rows of ``keys``; -1 for keys this version of the index does not hold."""
        keys = np.asarray(keys, dtype=np.int64)
        if not len(self._sorted):
            return np.full(len(keys), -1, np.int64)
        pos = np.clip(np.searchsorted(self._sorted, keys), 0, len(self._sorted) - 1)
        return np.where(self._sorted[pos] == keys, self._order[pos], -1).astype(np.int64)


def key_map(index: Any) -> KeyMap:
    """The :class:`KeyMap` of an opened Milvus-backed index (read once).

    Raises:
        IndexFileError: ``doc_keys.npy`` unreadable or not matching the documents.
    """
    def load() -> KeyMap:
        try:
            keys = np.load(index.path / "doc_keys.npy", allow_pickle=False)
        except (OSError, ValueError):
            raise IndexFileError(f"index {index.name!r}: cannot read doc_keys.npy; rebuild it") from None
        if keys.dtype != np.int64 or len(keys) != len(index.documents):
            raise IndexFileError(f"index {index.name!r}: doc_keys.npy does not match its documents; rebuild it")
        return KeyMap(keys)

    return index.memo("_milvus_keys", load)


class MilvusDenseRetriever:
    """Dense search in Milvus, returning the index's document rows like the FAISS retriever.

    Args:
        encoder: the index's query encoder.
        store: the index's collections.
        keys: each document row's key (``doc_keys.npy``).
    """

    name = "dense"

    def __init__(self, encoder: Any, store: MilvusStore, keys: KeyMap | np.ndarray) -> None:
        self.encoder = encoder
        self.store = store
        self.map = keys if isinstance(keys, KeyMap) else KeyMap(keys)
        self.keys = self.map.keys

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        return self.map.rows_of(keys)

    def search_vectors(self, vectors: np.ndarray, k: int, *, restrict: np.ndarray | None = None) -> list[Any]:
        """Top ``k`` rows per vector, ordered like the exact local search: (-score, row).

        ``restrict``: only these document rows: pushed down as ``key in [...]`` when there are at
        most :func:`pushdown_max_keys`; otherwise ranked deeper unfiltered and the others dropped
        here, and when that leaves fewer than ``k``, searched exactly in batches of allowed keys
        (so a filter allowing many sets still returns its ``k`` best, as locally).
        """
        from nlrec.encoders.base import Ranking

        n = len(self.keys)
        k = min(int(k), n)
        if k <= 0:
            return [Ranking(np.empty(0, np.int64), np.empty(0, np.float32)) for _ in vectors]
        keys = None
        allowed = None
        window = pushdown_max_keys()
        if restrict is not None:
            restrict = np.asarray(restrict, dtype=np.int64)
            if len(restrict) <= window:
                keys = self.keys[restrict]
            else:
                allowed = np.zeros(n, bool)
                allowed[restrict] = True
        depth = k if allowed is None else min(window, max(k, int(k * n / max(1, int(allowed.sum())) * 2)))
        # a few more than k: rows this version does not hold (a newer writer's) are dropped
        limit = min(MAX_TOPK, depth + 16) if allowed is None else min(window, depth + 16)
        results = self.store.search(np.atleast_2d(vectors), limit, keys=keys, total=n)
        out = []
        vectors = np.atleast_2d(vectors)
        for i, (found, scores) in enumerate(results):
            rows = self.rows_of(found)
            keep = rows >= 0 if allowed is None else (rows >= 0) & allowed[np.maximum(rows, 0)]
            rows, scores = rows[keep], scores[keep]
            if allowed is not None and len(rows) < k and len(rows) < int(allowed.sum()):
                rows, scores = self._batched(vectors[i], k, restrict)  # type: ignore[arg-type]
            order = np.lexsort((rows, -scores))[:k]
            out.append(Ranking(rows[order], scores[order]))
        return out

    def _batched(self, vector: np.ndarray, k: int, restrict: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The best ``k`` of the allowed rows, searched batch by batch (each batch pushed down as
        ``key in [...]``) and merged: exact, however many rows are allowed."""
        step = pushdown_max_keys()
        limit = min(step, k + 16)
        all_rows, all_scores = [], []
        for s in range(0, len(restrict), step):
            batch = restrict[s:s + step]
            found, scores = self.store.search(vector[None, :], limit, keys=self.keys[batch], total=len(self.keys))[0]
            rows = self.rows_of(found)
            keep = rows >= 0
            all_rows.append(rows[keep])
            all_scores.append(scores[keep])
        rows, scores = np.concatenate(all_rows), np.concatenate(all_scores)
        order = np.lexsort((rows, -scores))[:k]
        return rows[order], scores[order]

    def search(self, queries: Sequence[str], k: int, *, restrict: np.ndarray | None = None) -> list[Any]:
        return self.search_vectors(self.encoder.encode(list(queries)), k, restrict=restrict)

    def vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of document rows."""
        keys = self.keys[np.asarray(rows, dtype=np.int64)]
        got = self.store.vectors(keys.tolist())
        missing = [int(k) for k in keys.tolist() if int(k) not in got]
        if missing:
            raise MilvusError(f"collection {self.store.target.collection!r} lacks {len(missing)} of the index's "
                              "descriptor sets; rebuild the index")
        return np.stack([got[int(k)] for k in keys.tolist()])

    def stored_vectors(self) -> np.ndarray:
        """Every document's vector, in row order."""
        return self.vectors_of(np.arange(len(self.keys)))


# ------------------------------------------------------------------------------ an opened index
def store_of(index: Any) -> MilvusStore:
    """The collections of a Milvus-backed :class:`~nlrec.index.store.Index` (connected once)."""
    return index.memo("_milvus", lambda: MilvusStore(MilvusTarget.from_record(index.manifest.raw["backend"], index.name),
                                                     create=False))


def dense_retriever(index: Any, encoder: Any) -> MilvusDenseRetriever:
    """The dense retriever of a Milvus-backed index, after checking its collections.

    ``encoder``: the query encoder, or a function loading it (called once the collection is checked).

    Raises:
        IndexFileError: ``doc_keys.npy`` unreadable or not matching the documents.
        MilvusError: Milvus unreachable, a collection missing, another schema or dimension.
    """
    keys = key_map(index)
    store = store_of(index)
    store.check(index.manifest.dimension, marker=index.manifest.raw["backend"].get("marker"))
    import inspect

    return MilvusDenseRetriever(encoder() if inspect.isfunction(encoder) else encoder, store, keys)


def verify_backend(index: Any) -> dict[str, Any]:
    """Check a Milvus-backed index's collections: present, schema, dimension, marker and counts.
    Returns what was checked.

    Raises:
        MilvusError: naming the first difference.
    """
    store = store_of(index)
    store.check(index.manifest.dimension, marker=index.manifest.raw["backend"].get("marker"),
                counts=(len(index.documents), len(index.tracks)))
    return {"uri": store.target.uri, "collection": store.target.collection,
            "documents": len(index.documents), "tracks": len(index.tracks)}
