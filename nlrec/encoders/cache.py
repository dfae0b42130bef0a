"""A text -> vector cache for one encoder, in memory and optionally on disk.

Evaluation runs, taste profiles and the negation matcher embed the same texts again and again
(queries across seeds, descriptors across requests); each distinct text is encoded once per
encoder. On disk the cache is one pair of files, rewritten atomically by :meth:`save`; two
processes saving at once keep the last writer's vectors (the others are embedded again later).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nlrec.progress import ProgressCallback, counter

if TYPE_CHECKING:
    from nlrec.encoders.base import DenseEncoder

Progress = ProgressCallback


class EmbeddingCache:
    """Encodes each distinct text once per encoder; optionally persisted under ``directory``.

    The cache directory is keyed by the encoder's weight fingerprint, so vectors of one model are
    never served for another. Files: ``texts.json`` (a list) and ``vectors.npy`` (float32 rows).
    """

    def __init__(
        self, encoder: DenseEncoder, directory: str | Path | None = None, *, batch_size: int = 64
    ) -> None:
        self.encoder = encoder
        self.batch_size = batch_size
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        self._lock = threading.Lock()  # concurrent searches share one cache
        self._save_lock = threading.Lock()
        self.encoded = 0
        self.seconds = 0.0
        self.directory: Path | None = None
        if directory is not None:
            name = re.split(r"[/\\]", str(encoder.id).rstrip("/\\"))[-1]
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower())[:40].strip("-") or "model"
            self.directory = Path(directory) / f"{slug}-{encoder.fingerprint()[:16]}"
            self._load()

    def _load(self) -> None:
        assert self.directory is not None
        try:
            texts = json.loads((self.directory / "texts.json").read_text(encoding="utf-8"))
            vectors = np.load(self.directory / "vectors.npy", allow_pickle=False)
        except (OSError, ValueError):
            return
        if isinstance(texts, list) and vectors.ndim == 2 and len(texts) == len(vectors):
            self._vectors = dict(zip(texts, vectors.astype(np.float32, copy=False)))

    def __len__(self) -> int:
        return len(self._vectors)

    def clear(self) -> None:
        """Forget the vectors held in memory (the files stay as they are)."""
        with self._lock:
            self._vectors.clear()
            self._dirty = False

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors of ``texts`` (unit rows), encoding only the texts not seen before."""
        from nlrec.limits import check_time

        with self._lock:
            known = {t: self._vectors.get(t) for t in dict.fromkeys(texts)}
        # longest first: batches of similar length pad less (the encoder sorts only within chunks)
        missing = sorted((t for t, v in known.items() if v is None), key=len, reverse=True)
        if missing:
            count = counter(progress, "encoding", len(missing))

            def tick(n: int) -> None:
                count(n)
                check_time()  # a request over its time budget stops between batches

            t0 = time.perf_counter()
            vecs = np.asarray(self.encoder.encode(missing, batch_size=self.batch_size, progress=tick),
                              dtype=np.float32)
            with self._lock:
                self.seconds += time.perf_counter() - t0
                self._vectors.update(zip(missing, vecs))
                self.encoded += len(missing)
                self._dirty = True
            known.update(zip(missing, vecs))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([known[t] for t in texts])

    def save(self) -> None:
        """Write the cache to disk (if it has a directory and new vectors)."""
        if self.directory is None or not self._dirty:
            return
        from nlrec.io import atomic_write_npy, atomic_write_text

        with self._save_lock:  # the two files are written as a pair, one thread at a time
            with self._lock:
                if not self._dirty:
                    return
                texts = list(self._vectors)
                vectors = np.stack([self._vectors[t] for t in texts])
                self._dirty = False
            try:
                atomic_write_npy(self.directory / "vectors.npy", vectors)
                atomic_write_text(self.directory / "texts.json", json.dumps(texts, ensure_ascii=False))
            except OSError:  # a read-only NLREC_HOME: the vectors stay in memory (a cache, never needed)
                with self._lock:
                    self._dirty = True
