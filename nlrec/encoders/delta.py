"""Ship a fine-tuned model as a small delta over the packaged all-MiniLM-L6-v2.

Model weights cannot be downloaded by users and the repository holds no large files, so a model
tuned from the packaged MiniLM (with only its top layers trained) is shipped as the tensors that
changed, in float16 safetensors (a few MB), plus the small config files that changed. At first
use :func:`materialize` rebuilds the full sentence-transformers directory from the packaged
weights and the delta into a cache directory (once; later calls return the cached copy).

Only numpy and safetensors are used here: no torch import, so resolving the default model stays
fast on paths that do not encode anything.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import NlrecError
from nlrec.io import sha256_file

WEIGHTS = "model.safetensors"
#: Text files of a sentence-transformers directory a delta may override.
CONFIG_FILES = ("sentence_bert_config.json", "config_sentence_transformers.json", "modules.json",
                "1_Pooling/config.json")
FORMAT = "nlrec-delta-1"


def write_delta(tuned_dir: str | os.PathLike, base_dir: str | os.PathLike, out_file: str | os.PathLike, *,
                dtype: str = "float16", name: str = "") -> dict[str, Any]:
    """Write the tensors of ``tuned_dir`` that differ from ``base_dir`` (same names and shapes).

    Returns:
        Summary: changed tensors, parameters, file size.

    Raises:
        NlrecError: if the two models do not have the same tensors.
    """
    from safetensors.numpy import load_file, save_file

    tuned_dir, base_dir = Path(tuned_dir), Path(base_dir)
    tuned, base = load_file(str(tuned_dir / WEIGHTS)), load_file(str(base_dir / WEIGHTS))
    # a saved model may leave out buffers of the base (e.g. ``embeddings.position_ids``); the
    # rebuilt model keeps the base's copy of those
    if not set(tuned) <= set(base) or any(tuned[k].shape != base[k].shape for k in tuned):
        raise NlrecError("the tuned model does not have the base model's tensors; cannot write a delta")
    changed = {k: v.astype(dtype) for k, v in tuned.items() if not np.array_equal(v, base[k])}
    configs = {}
    for rel in CONFIG_FILES:
        a, b = tuned_dir / rel, base_dir / rel
        if a.is_file() and (not b.is_file() or a.read_text(encoding="utf-8") != b.read_text(encoding="utf-8")):
            configs[rel] = a.read_text(encoding="utf-8")
    meta = {"format": FORMAT, "name": name, "base_sha256": sha256_file(base_dir / WEIGHTS),
            "configs": json.dumps(configs), "dtype": dtype}
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    save_file(changed, str(out_file), metadata=meta)
    return {"file": str(out_file), "tensors": len(changed), "parameters": int(sum(v.size for v in changed.values())),
            "bytes": Path(out_file).stat().st_size, "configs": sorted(configs)}


def read_delta_metadata(delta_file: str | os.PathLike) -> dict[str, str]:
    from safetensors import safe_open

    with safe_open(str(delta_file), framework="numpy") as f:
        return dict(f.metadata() or {})


def materialize(base_dir: str | os.PathLike, delta_file: str | os.PathLike, cache_root: str | os.PathLike) -> Path:
    """The full model directory of ``base + delta``, built under ``cache_root`` on first use.

    The directory is named after the delta's SHA-256, written to a temporary sibling and renamed
    into place, so concurrent or interrupted first uses never leave a half-written model.

    Raises:
        NlrecError: if the delta is not for this base model.
    """
    from safetensors.numpy import load_file, save_file

    base_dir, delta_file = Path(base_dir), Path(delta_file)
    digest = sha256_file(delta_file)
    dest = Path(cache_root) / f"{delta_file.stem}-{digest[:16]}"
    if (dest / WEIGHTS).is_file() and (dest / "modules.json").is_file():
        return dest
    meta = read_delta_metadata(delta_file)
    if meta.get("format") != FORMAT:
        raise NlrecError(f"{delta_file}: not an nlrec model delta")
    if meta.get("base_sha256") != sha256_file(base_dir / WEIGHTS):
        raise NlrecError(f"{delta_file}: made for other base weights than {base_dir}")
    weights = load_file(str(base_dir / WEIGHTS))
    for k, v in load_file(str(delta_file)).items():
        if k not in weights or weights[k].shape != v.shape:
            raise NlrecError(f"{delta_file}: tensor {k!r} does not fit the base model")
        weights[k] = v.astype(weights[k].dtype)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".tmp-{dest.name}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(base_dir, tmp, ignore=shutil.ignore_patterns(WEIGHTS, "*.onnx", ".git*"))
    save_file(weights, str(tmp / WEIGHTS), metadata={"format": "pt"})
    for rel, text in json.loads(meta.get("configs", "{}")).items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_text(text, encoding="utf-8")
    try:
        tmp.rename(dest)
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
    return dest
