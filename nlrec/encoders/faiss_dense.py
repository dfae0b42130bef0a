"""Dense retrieval: an encoder plus a FAISS inner-product index over L2-normalised vectors."""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.encoders.base import DenseEncoder, Ranking, top_k
from nlrec.errors import IndexFileError

if TYPE_CHECKING:
    import faiss

EXACT_LIMIT = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
"""Graph quality at build time. Real descriptor-set embeddings are tightly clustered: at 100k
real embeddings, efConstruction 40 reached recall@10 0.983 only at efSearch 1024 (3.6 ms a
query), 200 reaches 0.991 at efSearch 256 (0.9 ms) for a 3x slower build (37 s on 2 cores)."""
HNSW_EF_SEARCH = 128
TARGET_RECALL = 0.995
SINGLE_THREAD_BELOW = 16  # queries per call searched on one thread
EF_SEARCH_CANDIDATES = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)


@contextmanager
def _omp_threads(n: int | None):
    """Run FAISS with ``n`` OpenMP threads (``None``: leave as is). One query is fastest on one
    thread: waking a thread team costs more than the search, badly so on a busy machine."""
    import faiss

    if n is None:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def auto_factory(n: int) -> str:
    """Exact search up to :data:`EXACT_LIMIT` vectors, HNSW beyond."""
    return "Flat" if n <= EXACT_LIMIT else f"HNSW{HNSW_M},Flat"


def build_faiss(vectors: np.ndarray, factory: str = "auto") -> faiss.Index:
    """Build an inner-product FAISS index over ``vectors`` (unit rows) from a factory string."""
    import faiss

    n, d = vectors.shape
    factory = auto_factory(n) if factory == "auto" else factory
    try:
        index = faiss.index_factory(d, factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as e:
        raise IndexFileError(f"invalid FAISS factory string {factory!r}: {str(e).splitlines()[0]}") from None
    hnsw = hnsw_of(index)
    if hnsw is not None:
        hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        hnsw.efSearch = HNSW_EF_SEARCH
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if not index.is_trained:
        index.train(x)
    index.add(x)
    if hnsw is not None:
        hnsw.efSearch = tune_ef_search(index, x)
    return index


def tune_ef_search(index: faiss.Index, vectors: np.ndarray, *, target: float = TARGET_RECALL,
                   n_queries: int = 200, k: int = 10, seed: int = 0) -> int:
    """Smallest HNSW ``efSearch`` whose recall@k against exact search reaches ``target``.

    Probe queries are midpoints of random pairs of indexed vectors (not themselves in the
    index, like real requests); exact neighbours come from a brute-force inner product. Real
    requests proved harder than these probes (at 1M derived vectors, probe recall 0.99 came
    with request recall 0.94), hence the stricter default target.
    """
    hnsw = hnsw_of(index)
    n = vectors.shape[0]
    if hnsw is None or n <= k:
        return HNSW_EF_SEARCH
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, n, n_queries), rng.integers(0, n, n_queries)
    q = vectors[a] + vectors[b]
    q = (q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)).astype(np.float32)
    exact = np.empty((n_queries, k), dtype=np.int64)
    for start in range(0, n, 200_000):  # bounded memory at millions of vectors
        block = q @ vectors[start : start + 200_000].T
        cand = np.argpartition(-block, min(k, block.shape[1] - 1), axis=1)[:, :k] + start
        if start == 0:
            exact, best = cand, np.take_along_axis(block, cand - start, axis=1)
        else:
            vals = np.take_along_axis(block, cand - start, axis=1)
            allv, alli = np.concatenate([best, vals], 1), np.concatenate([exact, cand], 1)
            top = np.argsort(-allv, axis=1)[:, :k]
            exact, best = np.take_along_axis(alli, top, 1), np.take_along_axis(allv, top, 1)
    for ef in EF_SEARCH_CANDIDATES:
        hnsw.efSearch = ef
        _, got = index.search(q, k)
        recall = np.mean([len(set(g) & set(e)) / k for g, e in zip(got.tolist(), exact.tolist())])
        if recall >= target:
            return ef
    return EF_SEARCH_CANDIDATES[-1]


def hnsw_of(index: faiss.Index) -> faiss.HNSW | None:
    import faiss

    try:
        return faiss.downcast_index(index).hnsw
    except AttributeError:
        return None


EXACT_RESTRICTED_MAX = 200_000
"""A filtered search among at most this many documents scores them all (exact)."""
QUERY_CACHE = 4096
"""Vectors of the most recent single queries a retriever keeps (about 6 MB at 384 dimensions)."""


class DenseRetriever:
    """Ranks documents by cosine similarity of their embeddings to the query's."""

    name = "dense"

    def __init__(self, encoder: DenseEncoder, index: faiss.Index) -> None:
        import threading
        from collections import OrderedDict

        self.encoder = encoder
        self._index = index
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    @classmethod
    def from_flat(cls, encoder: DenseEncoder, vectors: np.ndarray) -> DenseRetriever:
        """Exact search over stored unit ``vectors`` (what a ``Flat`` FAISS file holds, read by
        :func:`read_flat_ip`) without importing FAISS; the FAISS index is made only if something
        asks for it (:attr:`index`)."""
        r = cls(encoder, None)
        r._flat = vectors
        return r

    @property
    def index(self) -> faiss.Index:
        """The FAISS index (for a retriever made :meth:`from_flat`: an ``IndexFlatIP`` over its
        vectors, made on first use)."""
        if self._index is None:
            import faiss

            flat = self._flat
            self._index = faiss.IndexFlatIP(flat.shape[1])
            self._index.add(np.ascontiguousarray(flat, dtype=np.float32))
            del self._flat  # now a view of FAISS' own copy (see _flat_vectors)
        return self._index

    @property
    def ntotal(self) -> int:
        """Number of stored vectors."""
        return len(self._flat) if self._index is None else int(self._index.ntotal)

    @property
    def d(self) -> int:
        """Dimension of the stored vectors."""
        return int(self._flat.shape[1]) if self._index is None else int(self._index.d)

    def search_vectors(self, vectors: np.ndarray, k: int, *, restrict: np.ndarray | None = None) -> list[Ranking]:
        """Top ``k`` documents per vector (among the rows ``restrict`` when given)."""
        k = min(k, self.ntotal)
        if k <= 0:
            return [Ranking(np.empty(0, np.int64), np.empty(0, np.float32)) for _ in vectors]
        if restrict is not None:
            return self._restricted(vectors, k, np.asarray(restrict, dtype=np.int64))
        flat = self._flat_vectors()
        if flat is not None:  # exact: the same scores and (-score, row) order as a dot product
            q = np.ascontiguousarray(vectors, dtype=np.float32)
            return [top_k(row, k) for row in q @ flat.T]
        with _omp_threads(1 if len(vectors) < SINGLE_THREAD_BELOW else None):
            scores, ids = self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
        out = []
        for s, i in zip(scores, ids):
            keep = i >= 0
            out.append(Ranking(i[keep].astype(np.int64), s[keep].astype(np.float32)))
        return out

    def search(self, queries: Sequence[str], k: int, *, restrict: np.ndarray | None = None) -> list[Ranking]:
        return self.search_vectors(self.encode_queries(list(queries)), k, restrict=restrict)

    def encode_queries(self, queries: list[str]) -> np.ndarray:
        """The queries' vectors. A single query (a request to a server, a CLI search) is encoded
        once and kept among the :data:`QUERY_CACHE` most recent ones: a popular request costs its
        encoder pass once (the same vector: one query is always encoded alone). Batches are
        encoded as they come."""
        if len(queries) != 1:
            return self.encoder.encode(queries)
        text = queries[0]
        with self._recent_lock:
            vec = self._recent.get(text)
            if vec is not None:
                self._recent.move_to_end(text)
        if vec is None:
            vec = np.asarray(self.encoder.encode([text]), dtype=np.float32)[0]
            with self._recent_lock:
                self._recent[text] = vec
                if len(self._recent) > QUERY_CACHE:
                    self._recent.popitem(last=False)
        return vec[None, :].copy()

    def _restricted(self, vectors: np.ndarray, k: int, rows: np.ndarray) -> list[Ranking]:
        """Exact among ``rows`` where the vectors are stored flat (a flat index, or HNSW over flat
        storage up to :data:`EXACT_RESTRICTED_MAX` rows: a graph walk misses allowed documents
        when the filter is selective); FAISS' ID selector otherwise."""
        q = np.ascontiguousarray(vectors, dtype=np.float32)
        flat = self._flat_vectors()
        if flat is None and len(rows) <= EXACT_RESTRICTED_MAX:
            import faiss

            storage = getattr(faiss.downcast_index(self.index), "storage", None)
            storage = faiss.downcast_index(storage) if storage is not None else None
            if isinstance(storage, faiss.IndexFlat):
                flat = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d).reshape(storage.ntotal, storage.d)
        if flat is not None:
            out = []
            for scores in q @ flat[rows].T:
                top = top_k(scores, k)
                out.append(Ranking(rows[top.doc_ids], top.scores))
            return out
        import faiss

        sel = faiss.IDSelectorBatch(rows)
        hnsw = hnsw_of(self.index)
        params = faiss.SearchParametersHNSW(sel=sel) if hnsw is not None else faiss.SearchParameters(sel=sel)
        if hnsw is not None:  # a broad filter: walk wider in proportion to what it filters out
            params.efSearch = int(min(4096, max(hnsw.efSearch, k, 2 * k * self.index.ntotal / max(1, len(rows)))))
        scores, ids = self.index.search(q, min(k, len(rows)), params=params)
        return [Ranking(i[i >= 0].astype(np.int64), s[i >= 0].astype(np.float32)) for s, i in zip(scores, ids)]

    def vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of document rows, ``(len(rows), d)``."""
        flat = self._flat_vectors()
        if flat is not None:
            return np.array(flat[np.asarray(rows, dtype=np.int64)], dtype=np.float32).reshape(-1, flat.shape[1])
        return np.stack([self.index.reconstruct(int(r)) for r in rows])

    def stored_vectors(self) -> np.ndarray:
        """Every stored vector, ``(ntotal, d)`` float32 (a view for exact indexes, else a copy)."""
        flat = self._flat_vectors()
        if flat is not None:
            return flat
        return self.index.reconstruct_n(0, self.index.ntotal)

    def _flat_vectors(self) -> np.ndarray | None:
        """The stored vectors of an exact inner-product index (a view, no copy), else None."""
        if not hasattr(self, "_flat"):  # (a retriever made from_flat has it from the start)
            import faiss

            self._flat = None
            index = faiss.downcast_index(self.index)
            if isinstance(index, faiss.IndexFlat) and index.metric_type == faiss.METRIC_INNER_PRODUCT and index.ntotal:
                self._flat = faiss.rev_swig_ptr(index.get_xb(), index.ntotal * index.d).reshape(index.ntotal, index.d)
        return self._flat

    def save(self, directory: Path) -> dict[str, Any]:
        import faiss

        directory.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(directory / "dense.faiss"))
        return {"kind": "faiss", "ntotal": int(self.index.ntotal), "dimension": int(self.index.d)}

    @staticmethod
    def load_flat(directory: Path) -> np.ndarray | None:
        """The vectors of ``directory``'s FAISS file when it is an exact inner-product index,
        read without FAISS (see :func:`read_flat_ip`); None for any other index."""
        return read_flat_ip(directory / "dense.faiss")

    @staticmethod
    def load_index(directory: Path) -> faiss.Index:
        import faiss

        path = directory / "dense.faiss"
        try:
            return faiss.read_index(str(path))
        except RuntimeError as e:
            raise IndexFileError(
                f"{path}: corrupted FAISS index ({str(e).splitlines()[0][:120]}); rebuild the index"
            ) from None


_FLAT_IP = b"IxFI"
_FLAT_HEADER = struct.Struct("<iqqq?iq")  # d, ntotal, 2 unused, is_trained, metric, number of floats
METRIC_INNER_PRODUCT = 0


def read_flat_ip(path: Path) -> np.ndarray | None:
    """The ``(ntotal, d)`` float32 vectors of a FAISS ``IndexFlatIP`` file, read with numpy.

    Importing FAISS costs a cold query about 0.07 s of CPU; an exact index is a header and the
    raw vectors (FAISS' ``write_index``: the fourcc ``IxFI``, the index header, the count of
    floats, the floats), which numpy reads directly. Anything else (another index type or
    metric, a count or file size that does not add up) returns None and is read by FAISS,
    which also reports damage.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(4 + _FLAT_HEADER.size)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    if len(head) != 4 + _FLAT_HEADER.size or head[:4] != _FLAT_IP:
        return None
    d, ntotal, _, _, trained, metric, count = _FLAT_HEADER.unpack(head[4:])
    if not (d > 0 and ntotal > 0 and trained and metric == METRIC_INNER_PRODUCT and count == ntotal * d
            and size == len(head) + 4 * count):
        return None
    return np.fromfile(path, dtype="<f4", count=count, offset=len(head)).reshape(ntotal, d)
