"""Convert the published musicnn checkpoints (TensorFlow 1 graph) to safetensors for nlrec.

Runs in the separate tooling environment described in ``tools/musicnn/README.md`` (TensorFlow and
``musicnn`` are never dependencies of nlrec itself)::

    /work/tools-musicnn-venv/bin/python tools/musicnn/convert.py --out nlrec/data/audio

For every model it builds musicnn's own graph (``musicnn.models.define_model``), restores the
checkpoint that ships inside the ``musicnn`` wheel and fails loudly when anything does not restore:
upstream wraps ``Saver.restore`` in a bare ``except`` and silently tags with random weights. After
the restore every graph variable is compared with the value read straight from the checkpoint
file, so a half-restored graph cannot pass either. The weights are then renamed to the layout of
``nlrec.audio.model.MusiCNN`` (PyTorch order: conv ``(out, in, kh, kw)``, dense ``(out, in)``) and
written as float32 safetensors with the labels and provenance in the metadata.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np

MODELS = ("MTT_musicnn", "MSD_musicnn")

# TensorFlow variable scopes in creation order (musicnn.models.build_musicnn) -> nlrec names.
_LAYERS = [
    ("batch_normalization", "input_bn", "bn"),
    ("conv2d", "timbral74.conv", "conv2d"),
    ("batch_normalization_1", "timbral74.bn", "bn"),
    ("conv2d_1", "timbral77.conv", "conv2d"),
    ("batch_normalization_2", "timbral77.bn", "bn"),
    ("conv2d_2", "temporal128.conv", "conv2d"),
    ("batch_normalization_3", "temporal128.bn", "bn"),
    ("conv2d_3", "temporal64.conv", "conv2d"),
    ("batch_normalization_4", "temporal64.bn", "bn"),
    ("conv2d_4", "temporal32.conv", "conv2d"),
    ("batch_normalization_5", "temporal32.bn", "bn"),
    ("conv2d_5", "mid1.conv", "conv1d"),
    ("batch_normalization_6", "mid1.bn", "bn"),
    ("conv2d_6", "mid2.conv", "conv1d"),
    ("batch_normalization_7", "mid2.bn", "bn"),
    ("conv2d_7", "mid3.conv", "conv1d"),
    ("batch_normalization_8", "mid3.bn", "bn"),
    ("batch_normalization_9", "pool_bn", "bn"),
    ("dense", "dense", "dense"),
    ("batch_normalization_10", "dense_bn", "bn"),
    ("dense_1", "out", "dense"),
]


class RestoreError(RuntimeError):
    """A checkpoint did not restore completely (never tag with random weights)."""


def musicnn_dir() -> Path:
    import musicnn

    return Path(musicnn.__file__).resolve().parent


def build_graph(model: str, n_frames: int = 187):
    """musicnn's graph for ``model``; returns (graph, x, is_training, probs, penultimate)."""
    import tensorflow as tf
    from musicnn import configuration, models

    labels = configuration.MTT_LABELS if model.startswith("MTT") else configuration.MSD_LABELS
    graph = tf.Graph()
    with graph.as_default(), tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, n_frames, configuration.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        outputs = models.define_model(x, is_training, model, len(labels))
        probs = tf.nn.sigmoid(outputs[0])
        penultimate = outputs[-1]
    return graph, x, is_training, probs, penultimate


def restore_session(model: str, n_frames: int = 187):
    """A session with ``model`` restored strictly; raises :class:`RestoreError` on any gap."""
    import tensorflow as tf

    prefix = str(musicnn_dir() / model) + "/"  # upstream's checkpoint prefix (files ".index", ...)
    graph, x, is_training, probs, penultimate = build_graph(model, n_frames)
    reader = tf.compat.v1.train.NewCheckpointReader(prefix)
    stored = reader.get_variable_to_shape_map()
    with graph.as_default():
        variables = tf.compat.v1.global_variables()
        missing = [v.op.name for v in variables if v.op.name not in stored]
        wrong = [
            v.op.name
            for v in variables
            if v.op.name in stored and list(stored[v.op.name]) != v.shape.as_list()
        ]
        if missing or wrong:
            raise RestoreError(f"{model}: missing {missing}, wrong shape {wrong}")
        session = tf.compat.v1.Session(graph=graph)
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().restore(session, prefix)  # no except: a failure is fatal
        for v in variables:
            if not np.array_equal(session.run(v), reader.get_tensor(v.op.name)):
                raise RestoreError(f"{model}: {v.op.name} differs from the checkpoint after restore")
    return session, x, is_training, probs, penultimate, variables


def torch_layout(kind: str, part: str, value: np.ndarray) -> np.ndarray:
    if part == "kernel" and kind == "conv2d":  # (kh, kw, in, out) -> (out, in, kh, kw)
        return value.transpose(3, 2, 0, 1)
    if part == "kernel" and kind == "conv1d":  # (k, in, 1, out) -> (out, in, k)
        return value[:, :, 0, :].transpose(2, 1, 0)
    if part == "kernel" and kind == "dense":  # (in, out) -> (out, in)
        return value.T
    return value


_BN_PARTS = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean",
             "moving_variance": "running_var"}
_PARTS = {"kernel": "weight", "bias": "bias"}


def convert(model: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    from musicnn import configuration

    session, *_, variables = restore_session(model)
    values = {v.op.name: session.run(v) for v in variables}
    session.close()
    tensors: dict[str, np.ndarray] = {}
    used = set()
    for scope, name, kind in _LAYERS:
        parts = _BN_PARTS if kind == "bn" else _PARTS
        for tf_part, torch_part in parts.items():
            key = f"{scope}/{tf_part}"
            used.add(key)
            tensors[f"{name}.{torch_part}"] = np.ascontiguousarray(
                torch_layout(kind, tf_part, values[key]), dtype=np.float32
            )
    unused = sorted(set(values) - used)
    if unused:
        raise RestoreError(f"{model}: checkpoint variables not converted: {unused}")
    data = (musicnn_dir() / model / ".data-00000-of-00001").read_bytes()
    labels = configuration.MTT_LABELS if model.startswith("MTT") else configuration.MSD_LABELS
    metadata = {
        "model": model,
        "labels": json.dumps(labels),
        "source": "musicnn 0.1.0 (https://github.com/jordipons/musicnn), ISC licence",
        "checkpoint_sha256": hashlib.sha256(data).hexdigest(),
        "sample_rate": str(configuration.SR),
        "n_fft": str(configuration.FFT_SIZE),
        "hop_length": str(configuration.FFT_HOP),
        "n_mels": str(configuration.N_MELS),
        "n_frames": "187",
    }
    return tensors, metadata


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("nlrec/data/audio"))
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from safetensors.numpy import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    for model in args.models:
        tensors, metadata = convert(model)
        path = args.out / f"{model.lower()}.safetensors"
        save_file(tensors, str(path), metadata=metadata)
        path.chmod(0o644)
        n = sum(t.size for t in tensors.values())
        print(f"{model}: {n:,} parameters -> {path} ({path.stat().st_size / 1e6:.2f} MB)")
    licence = next(musicnn_dir().parent.glob("musicnn-*.dist-info/LICENSE*"), None)
    if licence is None:
        raise SystemExit("musicnn's LICENSE file was not found next to the package")
    shutil.copyfile(licence, args.out / "LICENSE-musicnn.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
