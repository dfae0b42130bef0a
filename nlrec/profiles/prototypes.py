"""Descriptor prototypes: one vector per descriptor, in the index's embedding space.

A prototype is the descriptor's own text embedding, blended with the centroid of the items that
carry it::

    proto(p) = normalize((1 - blend) * e(p) + blend * normalize(mean of v(i) for i carrying p))

An item's **affinity** to a prototype mixes that similarity with whether the item actually carries
the descriptor (a lexical, exact match on the normalised descriptor)::

    a(i, p) = lexical * carries(i, p) + (1 - lexical) * cos(v(i), proto(p))

The lexical term is what makes profiles controllable: boosting ``p`` lifts every item carrying
``p`` by more than any item without it, so the share of ``p`` in the top-k can only grow.

Example:
    >>> import numpy as np
    >>> space = ItemSpace(np.eye(2, dtype=np.float32), [("jazz",), ("metal",)])
    >>> protos = build_prototypes(space, ["jazz"], np.array([[1.0, 0.0]], np.float32), blend=0.5)
    >>> affinity(space, protos, lexical=0.5).round(2).tolist()
    [[1.0], [0.0]]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from nlrec.text import descriptor_key

if TYPE_CHECKING:
    from nlrec.index import Index


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """L2-normalise the rows of ``x`` (zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


@dataclass
class ItemSpace:
    """The items a profile ranks: one unit vector and one descriptor set per row.

    For an index, the rows are its unique descriptor sets (documents), weighted by how many tracks
    share each; for the evaluation datasets, the rows are the items themselves.

    Attributes:
        vectors: ``(N, d)`` float32 unit rows.
        descriptors: per row, its descriptor keys (see :func:`descriptor_key`).
        multiplicity: per row, how many catalog items it stands for (counts for the vocabulary).
    """

    vectors: np.ndarray
    descriptors: list[tuple[str, ...]]
    multiplicity: np.ndarray | None = None
    _rows: dict[str, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        self.descriptors = [tuple(dict.fromkeys(descriptor_key(d) for d in ds)) for ds in self.descriptors]
        if len(self.vectors) != len(self.descriptors):
            raise ValueError(f"{len(self.vectors)} vectors but {len(self.descriptors)} descriptor sets")
        if self.multiplicity is None:
            self.multiplicity = np.ones(len(self.descriptors), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.descriptors)

    @classmethod
    def from_index(cls, index: Index) -> ItemSpace:
        """The documents of an index, with the vectors stored in its FAISS file (no model needed)."""
        vectors = index_vectors(index)
        groups = index.doc_tracks
        descriptors = [index.tracks[rows[0]].descriptors if rows else () for rows in groups]
        multiplicity = np.array([len(rows) for rows in groups], dtype=np.int64)
        return cls(vectors, descriptors, multiplicity)

    @property
    def inverted(self) -> dict[str, np.ndarray]:
        """Descriptor key -> sorted rows carrying it."""
        if self._rows is None:
            rows: dict[str, list[int]] = {}
            for r, ds in enumerate(self.descriptors):
                for d in ds:
                    rows.setdefault(d, []).append(r)
            self._rows = {d: np.asarray(v, dtype=np.int64) for d, v in rows.items()}
        return self._rows

    def rows_carrying(self, key: str) -> np.ndarray:
        """Rows whose descriptor set contains ``key`` (empty if none)."""
        return self.inverted.get(descriptor_key(key), np.empty(0, dtype=np.int64))

    def counts(self) -> Counter[str]:
        """How many items carry each descriptor (rows weighted by their multiplicity)."""
        assert self.multiplicity is not None
        return Counter({d: int(self.multiplicity[rows].sum()) for d, rows in self.inverted.items()})

    def vocabulary(self, size: int) -> list[str]:
        """The ``size`` most frequent descriptors, most frequent first (ties by name)."""
        counts = self.counts()
        return sorted(counts, key=lambda d: (-counts[d], d))[:size]

    def carries(self, keys: Sequence[str], rows: np.ndarray | None = None) -> np.ndarray:
        """``(n, len(keys))`` float32 0/1 matrix: does row carry descriptor ``keys[j]``?"""
        n = len(self) if rows is None else len(rows)
        out = np.zeros((n, len(keys)), dtype=np.float32)
        if rows is None:
            for j, k in enumerate(keys):
                out[self.rows_carrying(k), j] = 1.0
            return out
        pos = {int(r): i for i, r in enumerate(np.asarray(rows).tolist())}
        for j, k in enumerate(keys):
            hit = [pos[r] for r in self.rows_carrying(k).tolist() if r in pos]
            out[hit, j] = 1.0
        return out


def index_vectors(index: Index) -> np.ndarray:
    """The document vectors of an index, read back from its FAISS file.

    Falls back to re-encoding the documents when the FAISS index cannot reconstruct its vectors
    (a compressed ``--factory``).
    """
    from nlrec.encoders.faiss_dense import DenseRetriever

    if index.backend == "milvus":
        return normalize_rows(np.asarray(index.retriever("dense").stored_vectors(), dtype=np.float32))
    faiss_index = DenseRetriever.load_index(index.path / "dense")
    try:
        vectors = faiss_index.reconstruct_n(0, faiss_index.ntotal)
    except RuntimeError:
        vectors = index.encoder().encode(index.documents)
    return normalize_rows(np.asarray(vectors, dtype=np.float32))


@dataclass
class Prototypes:
    """Named prototype vectors.

    Attributes:
        names: descriptor keys, one a prototype.
        vectors: ``(P, d)`` float32 unit rows, row ``j`` the prototype of ``names[j]``.
    """

    names: list[str]
    vectors: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    def subset(self, names: Sequence[str]) -> Prototypes:
        """The prototypes of ``names`` (each must be present), in that order."""
        pos = {n: j for j, n in enumerate(self.names)}
        return Prototypes(list(names), self.vectors[[pos[n] for n in names]])


def build_prototypes(
    space: ItemSpace, names: Sequence[str], text_vectors: np.ndarray, *, blend: float
) -> Prototypes:
    """One prototype per descriptor: its text embedding blended with its carriers' centroid.

    Args:
        space: the items whose carriers give the centroids.
        names: descriptor keys.
        text_vectors: ``(len(names), d)`` unit embeddings of the descriptor texts.
        blend: weight of the centroid (0 = text only). A descriptor no item carries keeps its
            text embedding.
    """
    names = [descriptor_key(n) for n in names]
    text = normalize_rows(text_vectors)
    out = np.empty_like(text)
    for j, name in enumerate(names):
        rows = space.rows_carrying(name)
        if blend > 0 and len(rows):
            centroid = normalize_rows(space.vectors[rows].mean(axis=0, keepdims=True))[0]
            out[j] = (1.0 - blend) * text[j] + blend * centroid
        else:
            out[j] = text[j]
    return Prototypes(names, normalize_rows(out))


def affinity(
    space: ItemSpace, prototypes: Prototypes, rows: np.ndarray | None = None, *, lexical: float
) -> np.ndarray:
    """``(n, P)`` item-prototype affinities ``lexical * carries + (1 - lexical) * cosine``."""
    vectors = space.vectors if rows is None else space.vectors[rows]
    cos = vectors @ prototypes.vectors.T
    if lexical == 0:
        return cos.astype(np.float32, copy=False)
    return (lexical * space.carries(prototypes.names, rows) + (1.0 - lexical) * cos).astype(np.float32)
