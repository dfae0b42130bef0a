"""The packaged musicnn weights, their labels and where their ONNX export is cached, without
importing torch (:mod:`nlrec.audio.onnx_session` runs the export; :mod:`nlrec.audio.model` is
the PyTorch port)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Literal

from nlrec.errors import NlrecError

Vocabulary = Literal["mtt", "msd"]
VOCABULARIES: tuple[Vocabulary, ...] = ("mtt", "msd")
_WEIGHTS = {"mtt": "mtt_musicnn.safetensors", "msd": "msd_musicnn.safetensors"}


def weights_path(vocabulary: Vocabulary):
    """The packaged safetensors file of ``vocabulary`` (``mtt`` or ``msd``)."""
    if vocabulary not in _WEIGHTS:
        raise NlrecError(f"unknown tag vocabulary {vocabulary!r} (expected mtt or msd)")
    return resources.files("nlrec") / "data" / "audio" / _WEIGHTS[vocabulary]


@lru_cache(maxsize=4)
def weights_metadata(vocabulary: Vocabulary) -> dict[str, str]:
    """The metadata the conversion wrote into the weights file (labels, provenance)."""
    from safetensors import safe_open

    path = weights_path(vocabulary)
    if not path.is_file():
        raise NlrecError(f"musicnn weights missing from the install: {path}")
    with safe_open(str(path), framework="numpy") as handle:
        return dict(handle.metadata() or {})


def labels(vocabulary: Vocabulary) -> tuple[str, ...]:
    """The 50 tag names of ``vocabulary``, in output order."""
    return tuple(json.loads(weights_metadata(vocabulary)["labels"]))


def onnx_path(vocabulary: Vocabulary):
    """Where the ONNX export of a port is cached (keyed by the weights' SHA-256)."""
    import hashlib

    from nlrec.paths import cache_dir

    digest = hashlib.sha256(weights_path(vocabulary).read_bytes()).hexdigest()[:16]
    return cache_dir() / "audio" / f"musicnn-{vocabulary}-{digest}.onnx"
