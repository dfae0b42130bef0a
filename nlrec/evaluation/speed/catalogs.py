"""The speed benchmark's catalogs and requests: real descriptor sets, recombined sets for sizes the
real sets do not reach, vectors derived from real embeddings at 1M, and in-memory indexes over them."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nlrec.encoders.base import DenseEncoder
    from nlrec.index import Index

EVERYDAY_QUERIES = [
    "upbeat steel drum", "calm piano for studying", "aggressive metal", "relaxing piano without vocals",
    "sad acoustic guitar with female vocals", "workout music high energy", "romantic dinner jazz",
    "lofi beats to study to", "80s synthwave night drive", "happy ukulele", "dark techno",
    "christmas songs", "sleep music", "party dance hits", "classical string quartet",
    "reggae summer vibes", "epic orchestral trailer music", "coffee shop acoustic",
    "something chill for a rainy sunday", "songs to cry to", "old school hip hop",
    "music for a road trip with friends", "meditation music with no drums", "female vocal soul ballad",
    "fast punk rock", "ambient drone for focus", "latin dance with trumpets", "country with banjo",
    "electronic dance music with heavy bass", "soft lullaby for a baby",
]


def real_descriptor_sets(data_dir: str | os.PathLike | None) -> list[str]:
    """Unique descriptor-set strings from the demo catalog and, when present, the public data.

    The public pool is MusicCaps aspect lists, MTT and MSD tag sets, HetRec Last.fm artists'
    tag sets and Yes.com songs' Last.fm tag sets (about 31,000 unique sets in all).
    """
    from nlrec.catalog.demo import demo_catalog

    texts = [t.text for t in demo_catalog().tracks]
    if data_dir is not None:
        from nlrec.catalog.datasets import load_dataset
        from nlrec.catalog.listeners import load_listening

        for name in ("musiccaps", "mtt", "msd"):
            try:
                texts += [t.text for t in load_dataset(name, data_dir).tracks]
            except Exception:  # noqa: BLE001 - a missing dataset only shrinks the pool
                pass
        for name in ("hetrec", "yes"):
            try:
                texts += load_listening(name, data_dir).texts
            except Exception:  # noqa: BLE001
                pass
    return list(dict.fromkeys(t for t in texts if t.strip()))


def recombined_sets(real: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """``n`` unique strings: the real sets first, then recombinations of real sets.

    A recombination takes a random real set and swaps up to half of its descriptors (at least
    one) for descriptors of another random real set, sometimes adding one more, so the extra
    catalog entries keep the real sets' length and vocabulary.

    Raises:
        ValueError: if the pool is too small to make ``n`` distinct strings.
    """
    rng = np.random.default_rng(seed)
    out = dict.fromkeys(real[:n])
    split = [s.split(", ") for s in real]
    misses = 0
    while len(out) < n:
        base = list(split[int(rng.integers(len(split)))])
        donor = split[int(rng.integers(len(split)))]
        for pos in rng.choice(len(base), int(rng.integers(1, max(1, len(base) // 2) + 1)), replace=False):
            base[pos] = donor[int(rng.integers(len(donor)))]
        if rng.random() < 0.5:
            base.append(donor[int(rng.integers(len(donor)))])
        before = len(out)
        out.setdefault(", ".join(dict.fromkeys(base)), None)
        misses = misses + 1 if len(out) == before else 0
        if misses > 10_000:
            raise ValueError(f"cannot make {n} distinct descriptor sets from {len(real)} real ones")
    return list(out)


def derived_vectors(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` unit vectors: the real ones, then normalised sums of two random real vectors."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    m = min(n, len(real))
    out[:m] = real[:m]
    for start in range(m, n, 100_000):
        end = min(n, start + 100_000)
        a, b = rng.integers(0, len(real), end - start), rng.integers(0, len(real), end - start)
        v = real[a] + real[b]
        out[start:end] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def embed_cached(encoder: DenseEncoder, texts: Sequence[str], cache: Path,
                 progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Embed ``texts`` once; later runs load ``cache`` (keyed by encoder and texts)."""
    import hashlib

    key = hashlib.sha256((encoder.fingerprint() + "\n".join(texts)).encode()).hexdigest()[:16]
    path = cache / f"emb-{key}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False)
    vecs = encoder.encode(list(texts), batch_size=32, progress=progress)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs, allow_pickle=False)
    return vecs


def memory_index(texts: Sequence[str], vectors: np.ndarray, encoder: DenseEncoder, factory: str = "auto") -> Index:
    """An in-memory :class:`~nlrec.index.Index` over ``texts`` (one track per text)."""
    from nlrec.encoders.faiss_dense import DenseRetriever, auto_factory, build_faiss
    from nlrec.index import Index

    fac = auto_factory(len(texts)) if factory == "auto" else factory
    return Index.in_memory(texts, encoder=encoder, factory=fac,
                           retrievers={"dense": DenseRetriever(encoder, build_faiss(vectors, fac))})
