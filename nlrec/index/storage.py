"""On-disk mechanics of an index generation: durable files and lazy tracks.

Swapping generations in and out is :mod:`nlrec.index.generations`' job."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from nlrec.catalog import Track
from nlrec.errors import IndexFileError


def fsync_tree(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())


def write_tracks(root: Path, tracks: Sequence[Track], track_doc: np.ndarray) -> None:
    """``tracks.jsonl`` with the byte offset of every line, and each track's document row."""
    from nlrec.io import atomic_write_bytes, atomic_write_npy

    lines = [(json.dumps({**t.to_dict(), "doc": int(d)}, ensure_ascii=False) + "\n").encode("utf-8")
             for t, d in zip(tracks, track_doc)]
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in lines], out=offsets[1:])
    atomic_write_bytes(root / "tracks.jsonl", b"".join(lines))
    atomic_write_npy(root / "tracks.offsets.npy", offsets)
    atomic_write_npy(root / "track_doc.npy", np.asarray(track_doc, dtype=np.int64))


class LazyTracks(Sequence):
    """An index's tracks, each parsed from ``tracks.jsonl`` only when it is read.

    Opening a 1M-track index used to parse every line (over 20 s on 2 cores); a query reads only
    the tracks it shows. The file is memory-mapped; ``offsets[i]:offsets[i + 1]`` is row ``i``.

    Raises:
        IndexFileError: when a line cannot be parsed (the index is corrupted).
    """

    def __init__(self, path: Path, offsets: np.ndarray, name: str) -> None:
        import mmap

        self._name = name
        self._offsets = offsets
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size != int(offsets[-1]):
                raise IndexFileError(f"index {name!r} is corrupted: tracks.jsonl does not match its offsets; rebuild it")
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, i: int) -> Track: ...

    @overload
    def __getitem__(self, i: slice) -> list[Track]: ...

    def __getitem__(self, i: int | slice) -> Track | list[Track]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("track row out of range")
        try:
            return Track.from_dict(json.loads(self._map[self._offsets[i] : self._offsets[i + 1]]))
        except (ValueError, KeyError, TypeError) as e:
            raise IndexFileError(
                f"index {self._name!r} is corrupted (track row {i}: {type(e).__name__}); rebuild it"
            ) from None

    def __iter__(self) -> Iterator[Track]:
        return (self[i] for i in range(len(self)))


class DocTracks:
    """For each unique document, the catalog rows of the tracks carrying it (computed with
    numpy: no per-track Python loop at open)."""

    def __init__(self, track_doc: np.ndarray, n_documents: int) -> None:
        self._order = np.argsort(track_doc, kind="stable")
        self._starts = np.searchsorted(track_doc[self._order], np.arange(n_documents + 1))

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, doc: int) -> list[int]:
        return self._order[self._starts[doc] : self._starts[doc + 1]].tolist()


UNIT_NORM_TOLERANCE = 1e-3


def check_unit_vectors(faiss_index: Any, name: str, *, sample: int = 1024) -> None:
    """Cheap corruption check of a dense index: its stored vectors must be unit length.

    Flat storage (``Flat`` and ``HNSW..,Flat``) is checked row by row in blocks, a few ms per
    100k vectors, with no copy; other indexes are checked on up to ``sample`` reconstructed rows
    when FAISS can reconstruct them. A flipped byte in a vector changes its norm, and it would
    otherwise surface as a cosine above 1 ranking an unrelated track first.

    ``faiss_index`` may also be the stored vectors themselves, an ``(n, d)`` array (an exact index
    read without FAISS: :func:`nlrec.encoders.faiss_dense.read_flat_ip`).

    Raises:
        IndexFileError: naming the first bad row.
    """
    if isinstance(faiss_index, np.ndarray):
        flat, n = faiss_index, len(faiss_index)
    else:
        import faiss

        n, d = int(faiss_index.ntotal), int(faiss_index.d)
        if n == 0:
            return
        inner = faiss.downcast_index(faiss_index)
        storage = getattr(inner, "storage", None)
        if storage is not None:
            inner = faiss.downcast_index(storage)
        flat = faiss.rev_swig_ptr(inner.get_xb(), n * d).reshape(n, d) if isinstance(inner, faiss.IndexFlat) else None
    if flat is not None:
        rows = range(0, n, 65536)
        blocks = ((start, flat[start : start + 65536]) for start in rows)
    else:
        picks = np.unique(np.linspace(0, n - 1, min(n, sample)).astype(np.int64))
        try:
            blocks = iter([(0, np.stack([faiss_index.reconstruct(int(i)) for i in picks]))])
        except RuntimeError:  # e.g. IVF without a direct map: the score check at query time remains
            return
        rows = picks
    for start, block in blocks:
        norms = np.einsum("ij,ij->i", block, block, dtype=np.float64)
        bad = ~(np.abs(norms - 1.0) <= 2 * UNIT_NORM_TOLERANCE)
        if bad.any():
            row = int(np.flatnonzero(bad)[0]) + start
            raise IndexFileError(
                f"index {name!r} is corrupted: dense vector {row} is not unit length "
                f"(squared norm {norms[row - start]:.4g}); rebuild it"
            )
    del rows


def check_scores(scores: np.ndarray, name: str) -> None:
    """Cosines on unit vectors lie in [-1, 1]: anything else proves the dense file is damaged.

    Raises:
        IndexFileError: one line.
    """
    if scores.size and not (np.all(np.isfinite(scores)) and scores.max() <= 1 + UNIT_NORM_TOLERANCE):
        raise IndexFileError(f"index {name!r} is corrupted: a dense score of {float(np.nanmax(scores)):.4g} "
                             "is not a cosine; rebuild it")
