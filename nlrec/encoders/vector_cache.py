"""A text -> vector cache for one encoder, in memory and on disk, shared by later processes.

Negation matching embeds the descriptors of each request's candidates; a CLI process starts
cold every time, so without a disk cache each ``nlrec query "... without vocals"`` would embed
them again (about 0.3 s for 150 descriptors on 2 cores). Vectors are stored per encoder
fingerprint under ``NLREC_HOME/.cache/vectors/<fingerprint>/`` as shards: ``<id>.npy``
(float32, one row a text, read with ``allow_pickle=False``) written first, then ``<id>.json``
(the texts), whose presence marks a complete shard. Writes are atomic; a damaged or
half-written shard is skipped (its texts are embedded again). Many small shards are merged.
A cache that cannot be written (read-only home) is used from memory only.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

MAX_SHARDS = 32
MAX_VECTORS = 200_000


class VectorCache:
    """Vectors of texts for one encoder.

    Args:
        directory: where the shards live (``None``: memory only).
        dimension: the encoder's dimension (shards of another shape are ignored).
    """

    def __init__(self, directory: Path | None, dimension: int) -> None:
        self.directory = directory
        self.dimension = int(dimension)
        self.vectors: dict[str, np.ndarray] = {}
        if directory is not None:
            for shard in self._shards():
                self._load(shard)

    def __contains__(self, text: str) -> bool:
        return text in self.vectors

    def __len__(self) -> int:
        return len(self.vectors)

    def missing(self, texts: Iterable[str]) -> list[str]:
        """The distinct ``texts`` not cached yet, in order."""
        return [t for t in dict.fromkeys(texts) if t not in self.vectors]

    def get(self, texts: Sequence[str]) -> np.ndarray:
        """Stacked vectors of ``texts`` (all must be cached)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.vectors[t] for t in texts])

    def add(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Cache new vectors in memory and write them as a shard."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(texts) != len(vectors) or not len(texts):
            return
        if len(self.vectors) + len(texts) > MAX_VECTORS:
            self.vectors.clear()
        self.vectors.update(zip(texts, vectors))
        if self.directory is None:
            return
        try:
            self._write(list(texts), vectors)
            shards = self._shards()
            if len(shards) > MAX_SHARDS:
                self._merge(shards)
        except OSError:  # read-only or full disk: the cache still works in memory
            pass

    # -- files ------------------------------------------------------------------------------
    def _shards(self) -> list[Path]:
        """Complete shards (their ``.json``), oldest first."""
        if self.directory is None or not self.directory.is_dir():
            return []
        shards = [p for p in self.directory.glob("*.json") if not p.name.startswith(".")]
        return sorted(shards, key=lambda p: (p.stat().st_mtime, p.name))

    def _load(self, shard: Path) -> list[str]:
        try:
            texts = json.loads(shard.read_text(encoding="utf-8"))["texts"]
            vecs = np.load(shard.with_suffix(".npy"), allow_pickle=False)
        except (OSError, ValueError, KeyError, TypeError):
            return []
        if (not isinstance(texts, list) or vecs.dtype != np.float32 or vecs.shape != (len(texts), self.dimension)
                or not np.isfinite(vecs).all() or not all(isinstance(t, str) for t in texts)):
            return []
        if len(self.vectors) + len(texts) <= MAX_VECTORS:
            self.vectors.update(zip(texts, vecs))
        return texts

    def _write(self, texts: list[str], vectors: np.ndarray, name: str | None = None) -> Path:
        from nlrec.io import atomic_write_bytes, atomic_write_text

        assert self.directory is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        name = name or f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        npy = self.directory / f"{name}.npy"
        import io

        buf = io.BytesIO()
        np.save(buf, vectors, allow_pickle=False)
        atomic_write_bytes(npy, buf.getvalue())
        atomic_write_text(self.directory / f"{name}.json", json.dumps({"texts": texts}, ensure_ascii=False))
        return npy

    def _merge(self, shards: list[Path]) -> None:
        """Replace the shards by one (newest texts kept when over :data:`MAX_VECTORS`)."""
        merged: dict[str, np.ndarray] = {}
        for shard in reversed(shards):  # newest first
            probe = VectorCache(None, self.dimension)
            for text in probe._load(shard):
                if text not in merged and len(merged) < MAX_VECTORS:
                    merged[text] = probe.vectors[text]
        if merged:
            texts = list(merged)
            self._write(texts, np.stack([merged[t] for t in texts]), name=f"merged-{uuid.uuid4().hex[:12]}")
        for shard in shards:  # another process may be reading: it then re-embeds, nothing breaks
            for p in (shard, shard.with_suffix(".npy")):
                try:
                    p.unlink()
                except OSError:
                    pass


def vector_cache_dir(fingerprint: str) -> Path:
    from nlrec.paths import cache_dir

    return cache_dir() / "vectors" / str(fingerprint)[:64]
