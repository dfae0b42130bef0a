"""The packaged musicnn weights, their labels and the cached ONNX export, without importing torch.

Tagging on the default ``onnx`` backend needs only onnxruntime and this module once the export
is cached (``NLREC_HOME/.cache/audio/``): torch (about 300 MB of resident memory) is imported
only to export, or for ``backend="torch"``.

The session runs on one intra-op thread without spin-waiting by default: on a shared or busy
machine onnxruntime's spinning threads burn CPU while they wait (measured: 0.92 CPU-s per track
with 2 spinning threads, 0.60 with 1 thread; ``eval/audio/decode_bench.py``); tag several files
at once to use more cores. ``NLREC_ONNX_THREADS`` overrides the thread count.
"""

from __future__ import annotations

import json
import os
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


def load_onnx_session(vocabulary: Vocabulary, threads: int | None = None):
    """An onnxruntime session of the port, exported once from the packaged weights and cached.

    onnxruntime needs a third of torch's CPU time for these convolutions. The export (the only
    step that imports torch) runs the TorchScript exporter on the module in eval mode (batch
    norm on running statistics); ``tests/audio/test_model.py`` checks the two backends agree.
    """
    import onnxruntime as ort

    path = onnx_path(vocabulary)
    if not path.is_file():
        from nlrec.audio.model import export_onnx

        export_onnx(vocabulary, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or int(os.environ.get("NLREC_ONNX_THREADS", 0)) or 1
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
