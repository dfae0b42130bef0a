"""The two protocols every backend implements.

* :class:`DenseEncoder` turns text into L2-normalised float32 vectors (queries and documents
  share one space), so inner product is cosine similarity.
* :class:`Retriever` ranks the documents of an index for a query: dense (encoder + FAISS),
  TF-IDF, BM25 and hybrid fusion all implement it, so callers never branch on the backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Ranking:
    """Top documents for one query, best first.

    Attributes:
        doc_ids: row numbers of the index's unique documents (int64).
        scores: their scores (float32), non-increasing.
    """

    doc_ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.doc_ids)


@runtime_checkable
class DenseEncoder(Protocol):
    """Embeds text into a shared, L2-normalised vector space."""

    @property
    def id(self) -> str:
        """Human-readable identifier (model name or path)."""
        ...

    @property
    def dimension(self) -> int: ...

    def fingerprint(self) -> str:
        """A hash of the weights: two encoders with equal fingerprints embed alike."""
        ...

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None
    ) -> np.ndarray:
        """Embed ``texts`` into a ``(len(texts), dimension)`` float32 array of unit rows.

        ``progress``, if given, is called with the number of texts done after each batch.
        """
        ...


@runtime_checkable
class Retriever(Protocol):
    """Ranks an index's unique documents for free-text queries.

    What else a retriever can do is declared by its kind in the registry
    (:class:`nlrec.index.retrievers.RetrieverKind`), never probed: ``score`` means it is a
    :class:`ScoringRetriever`, ``restrict`` a :class:`RestrictingRetriever`, ``vectors`` a
    :class:`VectorRetriever`.
    """

    name: str

    def search(self, queries: Sequence[str], k: int) -> list[Ranking]:
        """Return the top ``k`` documents for each query."""
        ...

    def save(self, directory: Path) -> dict[str, Any]:
        """Write the retriever's files into ``directory``; return its manifest entry."""
        ...


@runtime_checkable
class ScoringRetriever(Retriever, Protocol):
    """A retriever that scores every document for a query."""

    def scores(self, query: str) -> np.ndarray:
        """One score per document row (float32)."""
        ...


@runtime_checkable
class RestrictingRetriever(Retriever, Protocol):
    """A retriever that ranks a subset of the documents itself (FAISS ID selector, Milvus filter)."""

    def search(self, queries: Sequence[str], k: int, *, restrict: np.ndarray | None = None) -> list[Ranking]:
        """Top ``k`` documents per query, among the rows ``restrict`` when given."""
        ...


@runtime_checkable
class VectorRetriever(RestrictingRetriever, Protocol):
    """A retriever over stored document vectors: ranks query vectors, gives stored vectors."""

    def search_vectors(self, vectors: np.ndarray, k: int, *, restrict: np.ndarray | None = None) -> list[Ranking]:
        """Top ``k`` documents per query vector (among the rows ``restrict`` when given)."""
        ...

    def vectors_of(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of document rows, ``(len(rows), d)``."""
        ...


def top_k(scores: np.ndarray, k: int) -> Ranking:
    """Top-``k`` of a dense score vector, ties broken by lower document row (stable)."""
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return Ranking(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
    if k < n:
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        above = np.flatnonzero(scores > kth)
        # of the documents tied with the k-th score, the lowest rows win (stable tie-break)
        tied = np.flatnonzero(scores == kth)[: k - len(above)]
        part = np.concatenate([above, tied])
    else:
        part = np.arange(n)
    order = np.lexsort((part, -scores[part]))[:k]
    idx = part[order].astype(np.int64)
    return Ranking(idx, scores[idx].astype(np.float32))
