"""Weight-space interpolation of a base and a fine-tuned model (WiSE-FT, Wortsman et al. 2022).

Fine-tuning a sentence encoder on literal tag matches erases part of what the base model knew
about related words (MTT synonyms drop below the untuned MiniLM). Interpolating the weights,
``theta(alpha) = (1 - alpha) * theta_base + alpha * theta_tuned``, keeps much of both: one
``alpha`` curve measured on validation splits picks the trade-off.

Only numpy and safetensors are needed: the result is a sentence-transformers directory (the
tuned model's files with interpolated ``model.safetensors``) that ``--model`` accepts.

Example:
    >>> from nlrec.training.interpolate import interpolate_models     # doctest: +SKIP
    >>> interpolate_models("minilm", "music-minilm", 0.5, "gpl/runs/wise-0.5")
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import NlrecError

WEIGHTS = "model.safetensors"
MARKER = "nlrec-interpolation.json"


def _model_dir(spec: str | os.PathLike) -> Path:
    from nlrec.encoders.models import resolve_model

    path = Path(resolve_model(str(spec))[1])
    if not (path / WEIGHTS).is_file():
        raise NlrecError(f"{spec}: no {WEIGHTS} in {path}; interpolation needs safetensors weights")
    return path


def interpolate_models(base: str | os.PathLike, tuned: str | os.PathLike, alpha: float,
                       out_dir: str | os.PathLike, *, overwrite: bool = False) -> dict[str, Any]:
    """Write ``(1 - alpha) * base + alpha * tuned`` as a sentence-transformers directory.

    Args:
        base, tuned: model specs (``minilm``, ``music-minilm`` or directories) with the same
            tensors (names and shapes); the tuned model's configuration files are kept.
        alpha: 0 = the base model, 1 = the tuned model.
        out_dir: the new directory (written to a temporary sibling, then renamed into place).
        overwrite: replace ``out_dir`` if it is an interpolation nlrec wrote before.

    Returns:
        A summary: alpha, the two models, tensors interpolated.

    Raises:
        NlrecError: for alpha outside [0, 1], models whose tensors differ, or an ``out_dir`` that
            exists and is not an earlier interpolation (never replaced).
    """
    from safetensors.numpy import load_file, save_file

    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise NlrecError(f"alpha must be in [0, 1], got {alpha}")
    out = Path(out_dir)
    if out.exists():
        if not (overwrite and (out / MARKER).is_file()):
            raise NlrecError(f"{out} exists; choose another directory"
                             + ("" if (out / MARKER).is_file() else " (it was not written by nlrec)")
                             + ("" if overwrite else " or pass --overwrite"))
    base_dir, tuned_dir = _model_dir(base), _model_dir(tuned)
    a, b = load_file(str(base_dir / WEIGHTS)), load_file(str(tuned_dir / WEIGHTS))
    if set(b) - set(a) or any(a[k].shape != b[k].shape for k in b):
        raise NlrecError(f"{base} and {tuned} do not have the same tensors; cannot interpolate")
    mixed = {}
    for k, v in b.items():
        if np.issubdtype(v.dtype, np.floating):
            mixed[k] = ((1.0 - alpha) * a[k].astype(np.float32) + alpha * v.astype(np.float32)).astype(v.dtype)
        else:
            mixed[k] = v
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        shutil.copytree(tuned_dir, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns(WEIGHTS, "onnx*", ".*"))
        save_file(mixed, str(tmp / WEIGHTS))
        summary = {"alpha": alpha, "base": str(base), "tuned": str(tuned), "tensors": len(mixed)}
        (tmp / MARKER).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {**summary, "path": str(out)}


__all__ = ["interpolate_models"]
