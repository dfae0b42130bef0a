"""Record the original musicnn's outputs on real audio, for nlrec's parity test.

Runs in the tooling environment (TensorFlow 2.15 + ``musicnn`` + librosa; see README.md)::

    /work/tools-musicnn-venv/bin/python tools/musicnn/record_reference.py \
        --out tests/audio/data/musicnn_reference.json FILE...

For every file, librosa decodes it (``librosa.load(sr=16000)``) and the windows nlrec uses are
cut (back-to-back 187-frame patches, thinned evenly to ``--max-windows``; the same rule as
``nlrec.audio.features.patch_starts``). musicnn's own TensorFlow graph, restored strictly by
``convert.restore_session``, then tags them twice:

- ``float32``: librosa's mel spectrogram and ``log10(10000 x + 1)`` in float32 (nlrec's pipeline);
- ``upstream``: ``musicnn.extractor.batch_data`` as published, which casts the mel to float16
  before the log (so values above 6.55 overflow to ``inf``).

Written per track: per-window MTT/MSD probabilities and pooled probabilities and penultimate
embeddings (float32 pipeline), pooled probabilities of the upstream pipeline, and the number of
feature values upstream turned into ``inf``. Audio files are never copied: the JSON names each file
by its Debian package and installed path, with its SHA-256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert import restore_session  # noqa: E402

PATCH = 187


def patch_starts(n_frames: int, max_patches: int | None) -> np.ndarray:
    starts = np.arange(0, max(n_frames - PATCH, 0) + 1, PATCH)
    if max_patches is not None and len(starts) > max_patches:
        starts = starts[np.round(np.linspace(0, len(starts) - 1, max_patches)).astype(int)]
    return starts


def debian_package(path: Path) -> str | None:
    try:
        out = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True, check=True)
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    return out.stdout.split(":", 1)[0].strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-windows", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import librosa
    import tensorflow as tf
    from musicnn import extractor

    tf.compat.v1.disable_eager_execution()
    sessions = {m: restore_session(m) for m in ("MTT_musicnn", "MSD_musicnn")}
    tracks = []
    for path in args.files:
        y, sr = librosa.load(str(path), sr=16000)
        mel = librosa.feature.melspectrogram(y=y, sr=sr, hop_length=256, n_fft=512, n_mels=96).T
        f32 = np.log10(np.float32(10000) * mel.astype(np.float32) + np.float32(1))
        _, f16 = extractor.batch_data(str(path), PATCH, PATCH)  # upstream features, float16
        starts = patch_starts(len(f32), args.max_windows)
        batch32 = np.stack([f32[s : s + PATCH] for s in starts]).astype(np.float32)
        batch16 = np.stack([f16[s : s + PATCH] for s in starts]).astype(np.float32)
        entry = {
            "package": debian_package(path.resolve()),
            "path": str(path.resolve()),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "frames": int(len(f32)),
            "window_starts": starts.tolist(),
            "upstream_inf_values": int(np.isinf(f16).sum()),
        }
        for model, (session, x, is_training, probs, pen, _) in sessions.items():
            key = model.split("_")[0].lower()
            p32, e32 = session.run([probs, pen], {x: batch32, is_training: False})
            p16 = session.run(probs, {x: batch16, is_training: False})
            entry[key] = {
                "window_probabilities": np.round(p32, 7).tolist(),
                "probabilities": np.round(p32.mean(axis=0), 7).tolist(),
                "embedding": np.round(e32.mean(axis=0), 6).tolist(),
                "upstream_probabilities": np.round(p16.mean(axis=0), 7).tolist(),
            }
        tracks.append(entry)
        print(f"{path.name}: {len(starts)} windows, {entry['upstream_inf_values']} inf", flush=True)
    import musicnn

    args.out.parent.mkdir(parents=True, exist_ok=True)
    head = json.dumps({
        "generator": "tools/musicnn/record_reference.py",
        "musicnn": getattr(musicnn, "__version__", "0.1.0"),
        "tensorflow": tf.__version__,
        "librosa": librosa.__version__,
        "numpy": np.__version__,
        "max_windows": args.max_windows,
    }, indent=1)[:-2]
    body = ",\n".join(json.dumps(t, separators=(",", ":")) for t in tracks)  # a track a line
    args.out.write_text(f'{head},\n "tracks": [\n{body}\n ]\n}}\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
