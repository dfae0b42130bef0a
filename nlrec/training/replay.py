"""Replay of supervised pairs in a GPL student's batches (``student.replay``).

GPL on an unlabelled catalog (MTT tags) moves the shipped model towards that catalog; nothing in
the student's batches holds it where it was trained, so MusicCaps retrieval degrades (mc R@10
89.2 -> 82.8 after 300 steps on MTT). Replaying the labelled pairs the starting model was trained
on, as extra ``MultipleNegativesRankingLoss`` batches, anchors it: the student keeps fitting its
old task while it learns the new catalog's pseudo-labels.

``student.replay``:

* ``""``: no replay (the default);
* ``"musiccaps"``: the requests of the supervised recipe ``gpl/configs/finetune.toml`` (the
  data the shipped ``music-minilm`` was fine-tuned on): MusicCaps *training* clips only, the 300
  validation clips held out by the same fixed seed, and the leakage guard of stage 1 refusing
  any evaluation clip or request;
* a path to a recipe TOML: that recipe's ``[data]`` and ``[queries]`` sections.

``student.replay_ratio`` is the share of the student's batches that are replayed pairs. The
trainer draws batches from its datasets in proportion to their sizes, so the replayed pairs are
repeated or subsampled (fixed seed) to ``ratio / (1 - ratio)`` times the other training rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import NlrecError

#: The supervised recipe whose pairs ``replay = "musiccaps"`` replays.
SUPERVISED_RECIPE = "gpl/configs/finetune.toml"


def replay_recipe(spec: str) -> Path:
    """The recipe file of a ``student.replay`` value.

    Raises:
        NlrecError: if the recipe file does not exist.
    """
    if spec == "musiccaps":
        from nlrec.paths import repo_root

        root = repo_root()
        path = (root / SUPERVISED_RECIPE) if root is not None else Path(SUPERVISED_RECIPE)
    else:
        path = Path(spec)
    if not path.is_file():
        raise NlrecError(f"student.replay: recipe not found: {path} (use \"musiccaps\" or a recipe file)")
    return path


def replay_config(spec: str) -> Any:
    """The recipe (a :class:`~nlrec.training.config.GPLConfig`) whose pairs ``spec`` replays;
    its stage-1 requests (:func:`nlrec.training.gpl.build_queries`) are the replayed data.

    Raises:
        NlrecError: if the recipe is missing or is not a MusicCaps recipe.
    """
    from nlrec.training.config import load_config

    config = load_config(replay_recipe(spec))
    if config.data.dataset != "musiccaps":
        raise NlrecError(f"student.replay: {spec!r} is a {config.data.dataset} recipe; only labelled "
                         "MusicCaps pairs can be replayed")
    return config


def query_pairs(queries: Sequence[Any], seed: int = 0) -> list[tuple[str, str]]:
    """The (request, positive) pairs of stage-1 requests, shuffled with ``seed``."""
    pairs = [(q.text, p) for q in queries for p in q.positives]
    order = np.random.default_rng(seed).permutation(len(pairs))
    return [pairs[i] for i in order]


def replay_size(n_other: int, ratio: float) -> int:
    """Replayed rows so that they make ``ratio`` of ``n_other + replayed`` rows.

    >>> replay_size(300, 0.25)
    100
    """
    if not 0.0 <= ratio < 1.0:
        raise NlrecError(f"student.replay_ratio must be in [0, 1), got {ratio}")
    return int(round(ratio / (1.0 - ratio) * n_other))


def resize(pairs: list[tuple[str, str]], n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` pairs: all of them repeated in shuffled rounds (no pair twice before all were used once),
    or a random subset."""
    if not pairs or n <= 0:
        return []
    rng = np.random.default_rng(seed)
    out: list[tuple[str, str]] = []
    while len(out) < n:
        out += [pairs[i] for i in rng.permutation(len(pairs))[: n - len(out)]]
    return out


def add_replay(data: Any, loss: Any, pairs: list[tuple[str, str]], ratio: float, *, batch_size: int,
               mnrl: Any, seed: int = 0) -> tuple[Any, Any, int]:
    """Add the replayed pairs to the student's training data as ``replay-*`` length buckets,
    trained with ``mnrl``.

    Args:
        data: a ``DatasetDict`` of the student's other buckets.
        loss: one loss for every bucket of ``data``, or ``{bucket: loss}``.
        pairs: the replayed (request, positive) pairs.
        ratio: share of the training rows (hence of the batches) that are replayed.

    Returns:
        ``(data, {bucket: loss}, replayed rows)``.
    """
    from datasets import DatasetDict

    from nlrec.training.common import bucket_by_length

    n_other = sum(len(d) for d in data.values())
    rows = resize(pairs, replay_size(n_other, ratio), seed=seed)
    losses = dict(loss) if isinstance(loss, dict) else {name: loss for name in data}
    if len(rows) < batch_size:
        return data, losses, 0
    buckets = bucket_by_length({"anchor": [a for a, _ in rows], "positive": [p for _, p in rows]}, "anchor", batch_size)
    merged = DatasetDict({**dict(data), **{f"replay-{k}": v for k, v in buckets.items()}})
    losses.update({f"replay-{k}": mnrl for k in buckets})
    return merged, losses, len(rows)
