"""Training material from tag-only catalogs (MTT, MSD, a user's catalog), and the guard that keeps
the ``mtt`` / ``msd`` benchmarks out of it.

GPL's promise is adaptation to a catalog nobody labelled: requests are generated from the
catalog's own descriptor sets. For the public tag datasets the training split must never be the
split the benchmarks are built on:

* ``mtt``: ``train`` (18,706 clips) or ``valid`` of ``mtat/mtt_188_all_splits.csv``, all 188 tags;
* ``msd``: ``valid`` (``msd/msd_top50_valid.tsv``); the data has no MSD training split here.

:func:`tag_benchmark_guard` knows every track id of the MTT and MSD test splits and the texts of
the hand-written benchmark requests (``nlrec/data/tag_requests.json``).
"""

from __future__ import annotations

import os
from pathlib import Path

from nlrec.errors import NlrecError
from nlrec.evaluation.mtt_msd import MSD_TSV, MTT_CSV, load_tag_catalog, natural_requests
from nlrec.training.data import LeakageGuard, normalize_text

TRAINING_SPLITS: dict[str, tuple[str, ...]] = {"mtt": ("train", "valid"), "msd": ("valid",)}


def tag_training_items(dataset: str, data_dir: str | os.PathLike, split: str) -> list[tuple[str, list[str]]]:
    """``(track id, tags)`` of the tagged tracks of a training split of ``mtt`` or ``msd``.

    Raises:
        NlrecError: for the test split (it is the benchmark), an unknown split or dataset, or a
            missing / malformed file.
    """
    if dataset not in TRAINING_SPLITS:
        raise NlrecError(f"unknown tag dataset {dataset!r}; choose mtt or msd")
    if split == "test":
        raise NlrecError(f"the {dataset} test split is the {dataset} benchmark; train on "
                         f"{' or '.join(TRAINING_SPLITS[dataset])}")
    if split not in TRAINING_SPLITS[dataset]:
        raise NlrecError(f"{dataset} can be trained on {' or '.join(TRAINING_SPLITS[dataset])}, not {split!r}")
    catalog = load_tag_catalog(dataset, data_dir, split)
    return [(t.id, list(t.tags)) for t in catalog.tracks]


def tag_benchmark_guard(data_dir: str | os.PathLike) -> LeakageGuard:
    """A :class:`LeakageGuard` with the MTT and MSD test track ids (those whose files exist under
    ``data_dir``) and the natural request texts of both benchmarks."""
    root = Path(data_dir)
    ids: set[str] = set()
    if (root / MTT_CSV).is_file():
        ids.update(t.id for t in load_tag_catalog("mtt", root, "test").tracks)
    if (root / MSD_TSV["test"]).is_file():
        ids.update(t.id for t in load_tag_catalog("msd", root, "test").tracks)
    texts = [r["text"] for ds in ("mtt", "msd") for r in natural_requests(ds)]
    return LeakageGuard(ids, texts)


def tag_benchmark_texts_guard() -> LeakageGuard:
    """A guard holding only the benchmark request texts (no data directory needed)."""
    return LeakageGuard((), [r["text"] for ds in ("mtt", "msd") for r in natural_requests(ds)])


def drop_benchmark_texts(texts: list[str], guard: LeakageGuard) -> list[bool]:
    """For each generated request, whether to keep it: a template can write a benchmark request
    by chance ("solo piano"); such requests are dropped rather than refused."""
    return [normalize_text(t) not in guard.texts for t in texts]
