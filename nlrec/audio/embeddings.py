"""Per-track audio embeddings on disk and "sounds like" ranking over them.

An index stores them as plain files in an ``audio/`` sub-directory (no pickles):

- ``audio/embeddings.npy``: ``(n_tracks, 400)`` float32, row *i* = the track on line *i* of the
  index's ``tracks.jsonl`` (MTT penultimate mean, then MSD penultimate mean);
- ``audio/ids.json``: the track ids of those rows (checked on load);
- ``audio/manifest.json``: dimension, layout, the SHA-256 of both weight files, window setting.

Tracks without audio (catalog rows) get a zero row and ``has_audio`` false, so the rows stay
aligned with the index. Similarity is the mean of the cosines of the MTT half and the MSD half
(each vocabulary counts equally whatever its scale). :func:`fuse_similar` fuses an audio ranking
with a descriptor ranking by reciprocal rank fusion (``nlrec.fusion.rrf``) for ``--by both``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from nlrec.errors import NlrecError

SimilarBy = Literal["descriptors", "audio", "both"]
HALF = 200
SUBDIR = "audio"


@dataclass
class AudioEmbeddings:
    """Audio embeddings aligned with an index's tracks.

    Attributes:
        ids: track ids, one per row.
        vectors: ``(n, 400)`` float32 pooled penultimate activations.
        has_audio: ``(n,)`` bool, false for rows without audio (zero vectors).
        info: free provenance (weights hashes, windows) kept in the manifest.
    """

    ids: list[str]
    vectors: np.ndarray
    has_audio: np.ndarray
    info: dict

    def __post_init__(self) -> None:
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        self.has_audio = np.asarray(self.has_audio, dtype=bool)
        if self.vectors.ndim != 2 or self.vectors.shape[1] != 2 * HALF:
            raise NlrecError(f"audio embeddings must be (n, {2 * HALF}), got {self.vectors.shape}")
        if not (len(self.ids) == len(self.vectors) == len(self.has_audio)):
            raise NlrecError("audio embeddings: ids, vectors and has_audio differ in length")
        self._row = {tid: i for i, tid in enumerate(self.ids)}

    @classmethod
    def from_rows(cls, ids: Sequence[str], rows: Sequence[np.ndarray | None],
                  info: dict | None = None) -> AudioEmbeddings:
        """Build from one vector (or None for a track without audio) per id."""
        vectors = np.zeros((len(ids), 2 * HALF), dtype=np.float32)
        has = np.zeros(len(ids), dtype=bool)
        for i, row in enumerate(rows):
            if row is not None:
                vectors[i] = row
                has[i] = True
        return cls(list(ids), vectors, has, dict(info or {}))

    def normalized(self) -> np.ndarray:
        """Each half L2-normalised and scaled by 1/sqrt(2): a dot product is the mean cosine."""
        halves = []
        for part in (self.vectors[:, :HALF], self.vectors[:, HALF:]):
            norm = np.linalg.norm(part, axis=1, keepdims=True)
            halves.append(np.divide(part, norm, out=np.zeros_like(part), where=norm > 0))
        return np.concatenate(halves, axis=1) / np.float32(np.sqrt(2.0))

    def similar(self, track_id: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` tracks that sound most like ``track_id`` (itself excluded), best first."""
        rows, scores = self.similar_rows(self.row(track_id), k)
        return [(self.ids[r], float(s)) for r, s in zip(rows, scores)]

    def similar_rows(self, row: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows and scores for :meth:`similar`; rows without audio never appear."""
        if not self.has_audio[row]:
            raise NlrecError(f"track {self.ids[row]!r} has no audio embedding")
        unit = self.normalized()
        scores = unit @ unit[row]
        scores[~self.has_audio] = -np.inf
        scores[row] = -np.inf
        order = np.lexsort((np.arange(len(scores)), -scores))  # ties: lower row first
        order = order[np.isfinite(scores[order])][:k]
        return order.astype(np.int64), scores[order].astype(np.float32)

    def __contains__(self, track_id: object) -> bool:
        return track_id in self._row

    def row(self, track_id: str) -> int:
        if track_id not in self._row:
            raise NlrecError(f"unknown track id {track_id!r}")
        return self._row[track_id]

    def save(self, index_dir: str | os.PathLike) -> list[Path]:
        """Write ``audio/`` inside ``index_dir`` (a build's temporary directory); returns the files."""
        out = Path(index_dir) / SUBDIR
        out.mkdir(parents=True, exist_ok=True)
        np.save(out / "embeddings.npy", self.vectors)
        (out / "ids.json").write_text(json.dumps(self.ids))
        manifest = {
            "dimension": int(self.vectors.shape[1]),
            "layout": "musicnn MTT penultimate mean (200) + MSD penultimate mean (200)",
            "similarity": "mean cosine of the two halves",
            "has_audio": np.flatnonzero(self.has_audio).tolist(),
            **self.info,
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
        return [out / "embeddings.npy", out / "ids.json", out / "manifest.json"]

    @classmethod
    def load(cls, index_dir: str | os.PathLike) -> AudioEmbeddings:
        """Read what :meth:`save` wrote; a missing ``audio/`` is an :class:`NlrecError`."""
        base = Path(index_dir) / SUBDIR
        if not (base / "embeddings.npy").is_file():
            raise NlrecError(f"{index_dir} has no audio embeddings (build it with --audio-dir)")
        manifest = json.loads((base / "manifest.json").read_text())
        ids = json.loads((base / "ids.json").read_text())
        vectors = np.load(base / "embeddings.npy", allow_pickle=False)
        has = np.zeros(len(ids), dtype=bool)
        has[manifest.pop("has_audio")] = True
        for key in ("dimension", "layout", "similarity"):
            manifest.pop(key, None)
        return cls(ids, vectors, has, manifest)


def weights_info() -> dict:
    """SHA-256 of the packaged weights, for a manifest (an index refuses other weights later)."""
    from nlrec.audio.weights import VOCABULARIES, weights_path

    return {
        f"{v}_weights_sha256": hashlib.sha256(weights_path(v).read_bytes()).hexdigest()
        for v in VOCABULARIES
    }


def fuse_similar(descriptor_rows: np.ndarray, descriptor_scores: np.ndarray,
                 audio_rows: np.ndarray, audio_scores: np.ndarray, k: int,
                 weights: tuple[float, float] = (1.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """``--by both``: reciprocal rank fusion of a descriptor and an audio ranking (track rows)."""
    from nlrec.encoders.base import Ranking
    from nlrec.encoders.fusion import rrf

    fused = rrf([Ranking(np.asarray(descriptor_rows, dtype=np.int64), np.asarray(descriptor_scores)),
                 Ranking(np.asarray(audio_rows, dtype=np.int64), np.asarray(audio_scores))],
                k, weights=list(weights))
    return fused.doc_ids, fused.scores
