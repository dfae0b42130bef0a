"""Ship a tuned model as the packaged music model: write its delta over the packaged MiniLM and
check that the model rebuilt from the delta embeds as the tuned one does."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import NlrecError

#: Requests the rebuilt model must embed like the tuned one.
CHECK_TEXTS = ("calm solo piano", "aggressive metal with distorted guitar", "reggae, steel drum, upbeat",
               "female vocal, soul, ballad", "no vocals, ambient, drone")
#: The lowest cosine between the tuned and the rebuilt model's embedding of a check text.
MIN_COSINE = 0.999


@dataclass(frozen=True)
class ShipResult:
    """What :func:`ship_model` wrote.

    Attributes:
        file: the delta file, in place.
        model: the tuned model directory it was made from.
        tensors: tensors that differ from the packaged weights.
        parameters: their parameter count.
        bytes: size of the delta file.
        configs: config files the delta overrides.
        min_cosine_rebuilt: lowest cosine between the tuned and rebuilt model's embeddings.
    """

    file: str
    model: str
    tensors: int
    parameters: int
    bytes: int
    min_cosine_rebuilt: float
    configs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary of ``nlrec train ship --json``."""
        return asdict(self)


def ship_model(model: str | os.PathLike, out_file: str | os.PathLike | None = None) -> ShipResult:
    """Make ``model`` (tuned from the packaged MiniLM) the shipped music model.

    Writes the tensors that differ from the packaged weights as a float16 delta (to a temporary
    sibling of ``out_file``), rebuilds the model from it, and moves the delta into place only if
    the rebuilt model embeds :data:`CHECK_TEXTS` as ``model`` does (cosine >= :data:`MIN_COSINE`).

    Args:
        model: a sentence-transformers directory holding ``model.safetensors``.
        out_file: the delta file [default: the music model's place in the package].

    Raises:
        NlrecError: not a model directory, not tuned from the packaged MiniLM, or the rebuilt
            model drifts.
    """
    from nlrec.encoders import models as named_models
    from nlrec.encoders.delta import materialize, write_delta
    from nlrec.encoders.dense import load_encoder
    from nlrec.paths import cache_dir

    out = Path(out_file) if out_file else named_models.MUSIC_DELTA
    base = named_models.default_model_path()
    if not (Path(model) / "model.safetensors").is_file():
        raise NlrecError(f"{model}: not a sentence-transformers directory with model.safetensors")
    tmp = out.parent / f".tmp-{out.name}"
    info = write_delta(model, base, tmp, name=named_models.MUSIC_MODEL)
    rebuilt = materialize(base, tmp, cache_dir() / "models")
    a = load_encoder(str(Path(model).resolve())).encode(list(CHECK_TEXTS))
    b = load_encoder(str(rebuilt)).encode(list(CHECK_TEXTS))
    cos = float(np.min(np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))))
    if cos < MIN_COSINE:
        tmp.unlink(missing_ok=True)
        raise NlrecError(f"the model rebuilt from the delta drifts from {model} (cosine {cos:.4f} < {MIN_COSINE})")
    tmp.replace(out)
    return ShipResult(file=str(out), model=str(model), tensors=info["tensors"], parameters=info["parameters"],
                      bytes=info["bytes"], configs=info["configs"], min_cosine_rebuilt=round(cos, 6))
