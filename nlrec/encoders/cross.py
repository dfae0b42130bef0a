"""Cross-encoders: a (request, descriptor set) pair in, one relevance logit out.

The music cross-encoder is GPL's teacher (``nlrec train teacher``) and the reranker of
``nlrec query --rerank``. It is a sentence-transformers ``CrossEncoder`` directory loaded from a
local path only (nothing is downloaded): a model that is missing or not a cross-encoder ends
with one :class:`~nlrec.errors.NlrecError` line.

Example:
    >>> scorer = CrossEncoderScorer.load("gpl/runs/mtt-train/teacher")        # doctest: +SKIP
    >>> scorer.score("calm piano", ["piano, calm, classical", "metal, loud"])
    array([ 4.1, -3.7], dtype=float32)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import NlrecError


def load_cross_encoder(path: str | os.PathLike, *, device: str | None = None, max_length: int | None = None,
                       local_only: bool = False) -> Any:
    """A sentence-transformers ``CrossEncoder`` with one logit (a trained one, or a base model with
    a fresh one-logit head when training starts).

    Args:
        path: a local model directory (or, unless ``local_only``, a hub id already in the cache).
        device: ``cpu``, ``cuda``, ... or ``None`` / ``auto`` (cuda when available).
        max_length: token limit of a pair (``None``: the model's).
        local_only: refuse anything that is not an existing directory.

    Raises:
        NlrecError: if the model cannot be loaded (one line).
    """
    import transformers
    from sentence_transformers import CrossEncoder

    local = Path(str(path)).expanduser().is_dir()
    if local_only and not local:
        raise NlrecError(f"cross-encoder {path} not found: no such directory")
    if device in (None, "", "auto"):
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    transformers.logging.set_verbosity_error()
    try:
        return CrossEncoder(str(Path(str(path)).expanduser()) if local else str(path), num_labels=1,
                            max_length=max_length, device=device, local_files_only=local)
    except Exception as e:  # noqa: BLE001
        raise NlrecError(f"cannot load cross-encoder {path}: {str(e).splitlines()[0] if str(e) else e!r}") from e


class CrossEncoderScorer:
    """Scores documents for a request with a cross-encoder (raw logits, higher = more relevant).

    Args:
        model: a loaded sentence-transformers ``CrossEncoder``.
        batch_size: pairs per forward pass.
    """

    def __init__(self, model: Any, *, batch_size: int = 64) -> None:
        self.model = model
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: str | os.PathLike, *, device: str | None = None, max_length: int | None = None,
             batch_size: int = 64) -> CrossEncoderScorer:
        """Load a trained cross-encoder directory (local only; see :func:`load_cross_encoder`)."""
        return cls(load_cross_encoder(path, device=device, max_length=max_length, local_only=True),
                   batch_size=batch_size)

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Logits of ``(request, document)`` pairs, as float32."""
        if not pairs:
            return np.empty(0, np.float32)
        import torch

        out = self.model.predict(list(pairs), batch_size=self.batch_size, activation_fn=torch.nn.Identity(),
                                 show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32).reshape(-1)

    def score(self, query: str, documents: Sequence[str]) -> np.ndarray:
        """Logits of ``documents`` for one request."""
        return self.score_pairs([(query, d) for d in documents])


def rerank_order(scores: np.ndarray) -> np.ndarray:
    """Positions sorted by descending score, ties kept in the retriever's order."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
