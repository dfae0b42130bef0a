"""Dense bi-encoders from sentence-transformers, and :func:`load_encoder` for any ``--model`` value.

Which names a ``--model`` value may take (``default``, ``minilm``, ``music-minilm``, a local
directory, a hub id, ``clap:PATH``) is documented in :mod:`nlrec.encoders.models`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.encoders.models import (  # noqa: F401 - re-exported for callers that import them from here
    DEFAULT_MODEL,
    DEFAULT_MODEL_ID,
    MINILM,
    MUSIC_MODEL,
    MUSIC_MODEL_ID,
    canonical_model,
    is_clap_spec,
    quiet_transformers,
    resolve_model,
    weights_fingerprint,
)
from nlrec.errors import EncoderError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from nlrec.encoders.base import DenseEncoder


class SentenceTransformerEncoder:
    """A :class:`~nlrec.encoders.base.DenseEncoder` backed by ``SentenceTransformer``.

    Args:
        model: ``"default"``, ``"minilm"``, ``"music-minilm"``, a local directory, or a hub id.
        device: torch device; ``None`` picks CUDA when available, else CPU.
        max_seq_length: optional override of the model's maximum token length.

    Example:
        >>> enc = SentenceTransformerEncoder()            # doctest: +SKIP
        >>> enc.encode(["calm piano"]).shape              # doctest: +SKIP
        (1, 384)
    """

    def __init__(
        self,
        model: str | os.PathLike | None = DEFAULT_MODEL,
        *,
        device: str | None = None,
        max_seq_length: int | None = None,
    ) -> None:
        self._id, self._name_or_path = resolve_model(model)
        self._device = device
        self._max_seq_length = max_seq_length
        self._model: Any = None
        self._fingerprint: str | None = None

    # -- lazy model ------------------------------------------------------------------------
    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self) -> SentenceTransformer:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover
            raise EncoderError("dense encoding needs sentence-transformers and torch") from e
        device = self._device
        if device is None:
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        quiet_transformers()
        local = Path(self._name_or_path).is_dir()
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
        try:
            try:
                # a local directory, or a hub id already in the cache: no network at all
                model = SentenceTransformer(self._name_or_path, device=device, local_files_only=True)
            except Exception:
                if local or offline:
                    raise
                model = SentenceTransformer(self._name_or_path, device=device)
        except Exception as e:  # noqa: BLE001 - any load failure becomes one clear line
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            where = "directory" if local else "hub id (needs network access on first use)"
            raise EncoderError(f"cannot load model {self._id!r} as a {where}: {msg}") from e
        if self._max_seq_length:
            model.max_seq_length = self._max_seq_length
        return model

    # -- protocol --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def dimension(self) -> int:
        m = self.model
        getter = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:
            dim = int(m.encode(["x"], convert_to_numpy=True).shape[1])
        return int(dim)

    def fingerprint(self) -> str:
        """SHA-256 of the weight files (local models) or of the loaded parameters (hub ids)."""
        if self._fingerprint is None:
            fp = None
            if Path(self._name_or_path).is_dir():
                fp = weights_fingerprint(Path(self._name_or_path))
            if fp is None:
                h = hashlib.sha256()
                for name, tensor in sorted(self.model.state_dict().items()):
                    h.update(name.encode() + b"\0")
                    h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
                fp = h.hexdigest()
            self._fingerprint = fp
        return self._fingerprint

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None
    ) -> np.ndarray:
        texts = list(texts)
        dim = self.dimension
        out = np.empty((len(texts), dim), dtype=np.float32)
        # chunks bigger than a batch keep sentence-transformers' length sorting effective
        chunk = max(batch_size * 8, 256)
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            emb = self.model.encode(
                part,
                batch_size=batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            out[start : start + len(part)] = emb.astype(np.float32, copy=False)
            if progress is not None:
                progress(len(part))
        return out

    def describe(self) -> dict[str, Any]:
        """Manifest entry for this encoder."""
        return {
            "kind": "sentence-transformers",
            "id": self.id,
            "weights_sha256": self.fingerprint(),
            "dimension": self.dimension,
            "max_seq_length": int(getattr(self.model, "max_seq_length", 0) or 0),
            "normalized": True,
        }


def load_encoder(spec: str | os.PathLike | None = DEFAULT_MODEL, **kwargs: Any) -> DenseEncoder:
    """Return the dense encoder for a ``--model`` value (see :func:`resolve_model`).

    ``clap:PATH`` gives a :class:`~nlrec.encoders.clap.ClapTextEncoder` (a CLAP text tower).
    """
    from nlrec.encoders.clap import ClapTextEncoder

    if is_clap_spec(spec):
        return ClapTextEncoder(spec, **kwargs)  # type: ignore[arg-type]
    return SentenceTransformerEncoder(spec, **kwargs)
