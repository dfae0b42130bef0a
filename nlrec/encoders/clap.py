"""CLAP text towers as dense encoders: ``--model clap:PATH``.

A CLAP model (LAION-CLAP as ported to transformers: ``ClapModel``, or a text-only
``ClapTextModelWithProjection``) saved in a local directory embeds requests and descriptor
sets with its text tower and projection, L2-normalised. Indexes, search, evaluation and the
index manifest treat it like any :class:`~nlrec.encoders.base.DenseEncoder`: its id is
``clap:<absolute path>`` and its fingerprint the SHA-256 of the weight files, so a CLAP index
refuses another model. There is no ONNX fast path for CLAP: queries use PyTorch.

No CLAP weights ship with nlrec; point ``clap:`` at a checkpoint you have, e.g. one saved with
``ClapModel.from_pretrained("laion/larger_clap_music").save_pretrained(DIR)`` plus its
tokenizer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.encoders.models import CLAP_PREFIX, is_clap_spec, quiet_transformers, weights_fingerprint
from nlrec.errors import EncoderError

CLAP_MODEL_TYPES = ("clap", "clap_text_model")


def clap_directory(spec: str | os.PathLike) -> tuple[Path, dict[str, Any]]:
    """Resolve ``clap:PATH`` to the model directory and its ``config.json``.

    Raises:
        EncoderError: no path, a missing directory, or a directory that holds no CLAP model.
    """
    raw = str(spec)[len(CLAP_PREFIX):] if is_clap_spec(spec) else str(spec)
    if not raw.strip():
        raise EncoderError("--model clap: needs the path of a local CLAP model, e.g. clap:/models/larger_clap_music")
    path = Path(raw.strip()).expanduser()
    if not path.is_dir():
        raise EncoderError(f"CLAP model directory not found: {path}")
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise EncoderError(f"{path} is not a CLAP model: it has no readable config.json") from None
    kind = config.get("model_type") if isinstance(config, dict) else None
    if kind not in CLAP_MODEL_TYPES:
        raise EncoderError(f"{path} is not a CLAP model (config.json model_type is {kind!r}, expected 'clap')")
    return path.resolve(), config


class ClapTextEncoder:
    """A :class:`~nlrec.encoders.base.DenseEncoder` over a CLAP model's text tower.

    Args:
        spec: ``clap:PATH`` (or the directory itself).
        device: torch device; ``None`` picks CUDA when available, else CPU.
        max_length: token limit (default: the model's, at most 512).

    Example:
        >>> enc = ClapTextEncoder("clap:/models/larger_clap_music")   # doctest: +SKIP
        >>> enc.encode(["calm piano"]).shape                          # doctest: +SKIP
        (1, 512)
    """

    #: torch's ONNX exporter is not wired up for CLAP; queries use PyTorch.
    onnx_exportable = False

    def __init__(
        self, spec: str | os.PathLike, *, device: str | None = None, max_length: int | None = None
    ) -> None:
        self.path, self.config = clap_directory(spec)
        self._device = device
        self._max_length = max_length
        self._model: Any = None
        self._tokenizer: Any = None
        self._fingerprint: str | None = None

    # -- lazy model ------------------------------------------------------------------------
    def _load(self) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch
        from transformers import AutoTokenizer, ClapTextModelWithProjection

        quiet_transformers()
        device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            model = ClapTextModelWithProjection.from_pretrained(str(self.path), local_files_only=True)
        except Exception as e:  # noqa: BLE001 - any load failure becomes one clear line
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise EncoderError(f"cannot load CLAP model {self.path}: {msg[:200]}") from None
        self._model = model.to(device).eval()
        self._tokenizer = tokenizer

    @property
    def max_length(self) -> int:
        if self._max_length:
            return int(self._max_length)
        text = self.config.get("text_config", self.config)
        positions = int(text.get("max_position_embeddings", 514)) - 2  # RoBERTa offsets by 2
        limit = getattr(self._tokenizer, "model_max_length", 512) or 512
        return max(1, min(positions, int(limit) if limit < 100_000 else 512, 512))

    # -- protocol --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return f"{CLAP_PREFIX}{self.path}"

    @property
    def dimension(self) -> int:
        if self._model is not None:
            return int(self._model.config.projection_dim)
        text = self.config.get("text_config") or {}
        return int(text.get("projection_dim") or self.config.get("projection_dim") or 512)

    def fingerprint(self) -> str:
        """SHA-256 of the weight files (computed without importing torch)."""
        if self._fingerprint is None:
            fp = weights_fingerprint(self.path)
            if fp is None:
                raise EncoderError(f"{self.path} holds no weight files (*.safetensors, *.bin)")
            self._fingerprint = fp
        return self._fingerprint

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None) -> np.ndarray:
        import torch

        if self._model is None:
            self._load()
        texts = [str(t) for t in texts]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        device = next(self._model.parameters()).device
        for start in range(0, len(texts), batch_size):
            part = texts[start : start + batch_size]
            enc = self._tokenizer(part, padding=True, truncation=True, max_length=self.max_length,
                                  return_tensors="pt")
            with torch.inference_mode():
                emb = self._model(input_ids=enc["input_ids"].to(device),
                                  attention_mask=enc["attention_mask"].to(device)).text_embeds
                emb = torch.nn.functional.normalize(emb.float(), p=2, dim=-1)
            out[start : start + len(part)] = emb.cpu().numpy()
            if progress is not None:
                progress(len(part))
        return out

    def describe(self) -> dict[str, Any]:
        """Manifest entry for this encoder."""
        return {
            "kind": "clap",
            "id": self.id,
            "weights_sha256": self.fingerprint(),
            "dimension": self.dimension,
            "max_seq_length": self.max_length,
            "normalized": True,
        }
