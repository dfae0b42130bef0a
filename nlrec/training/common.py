"""What the teacher and the student trainers share: base-model and device resolution, resumable
checkpoints, saving a finished model atomically, and length-bucketed training data."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasets import DatasetDict


def resolve_base(spec: str) -> str:
    """``default`` / ``minilm`` -> the packaged MiniLM directory (training always starts from the
    untuned weights unless told otherwise); ``music-minilm`` -> the shipped music model;
    anything else unchanged."""
    if spec in ("", "default", "minilm", None):
        from nlrec.encoders.models import default_model_path

        return str(default_model_path())
    if spec == "music-minilm":
        from nlrec.encoders.models import music_model_path

        return str(music_model_path())
    return str(spec)


def resolve_device(device: str | None) -> str:
    """``auto`` / ``None`` -> ``cuda`` when available, else ``cpu``."""
    if device in (None, "", "auto"):
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def latest_checkpoint(directory: Path) -> str | None:
    """The newest ``checkpoint-N`` directory a trainer left in ``directory`` (``None`` if none)."""
    if not directory.is_dir():
        return None
    found = sorted(directory.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1]))
    return str(found[-1]) if found else None


def checkpoint_dir(output_dir: Path) -> Path:
    """Where a trainer writing ``output_dir`` keeps its resumable checkpoints."""
    return Path(str(output_dir) + ".checkpoints")


def save_finished(save: Callable[[str], object], output_dir: Path) -> Path:
    """Save a trained model through a temporary sibling renamed to ``output_dir``, then drop the
    checkpoints: ``output_dir`` exists only when training finished (what makes a stage resumable).

    Args:
        save: writes the model into the directory it is given (e.g. ``model.save``).
        output_dir: the final model directory.
    """
    tmp = output_dir.parent / f".tmp-{output_dir.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    save(str(tmp))
    shutil.rmtree(output_dir, ignore_errors=True)
    tmp.rename(output_dir)
    shutil.rmtree(checkpoint_dir(output_dir), ignore_errors=True)
    return output_dir


#: Word-count edges of the length buckets: templates, sentences, whole captions.
BUCKET_EDGES: tuple[int, ...] = (8, 28)


def bucket_by_length(columns: dict[str, list], key: str, batch_size: int,
                     edges: tuple[int, ...] = BUCKET_EDGES, extra_key: str | None = None) -> DatasetDict:
    """Split training columns into a ``DatasetDict`` of length buckets.

    sentence-transformers' trainers draw every batch from one dataset of a ``DatasetDict``, so
    each batch holds requests of similar length and is padded only to its own longest text (a
    whole caption no longer makes every short request in its batch cost 128 tokens). Buckets
    smaller than a batch are merged into a neighbour.
    """
    from datasets import Dataset, DatasetDict

    def words(i: int) -> int:
        n = len(str(columns[key][i]).split())
        return n + (len(str(columns[extra_key][i]).split()) if extra_key else 0)

    n_rows = len(columns[key])
    buckets: list[list[int]] = [[] for _ in range(len(edges) + 1)]
    for i in range(n_rows):
        w = words(i)
        buckets[sum(w > e for e in edges)].append(i)
    merged: list[list[int]] = []
    for b in buckets:
        if merged and len(merged[-1]) < batch_size:
            merged[-1] += b
        else:
            merged.append(list(b))
    if len(merged) > 1 and len(merged[-1]) < batch_size:
        tail = merged.pop()
        merged[-1] += tail
    merged = [sorted(b) for b in merged if b]
    return DatasetDict({f"len{k}": Dataset.from_dict({c: [v[i] for i in b] for c, v in columns.items()})
                        for k, b in enumerate(merged)})
