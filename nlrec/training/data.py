"""Training data from MusicCaps: the training clips, a validation split carved from them, the
benchmark protocol's descriptor-set sampling, and a guard against evaluation leakage.

Only the 2,663 MusicCaps clips with ``is_audioset_eval`` false are training material; the other
2,858 are the evaluation clips every benchmark is built from. :class:`LeakageGuard` knows the
evaluation clips' ids and every request text of the benchmarks (human captions, LP-MusicCaps
``caption_writing``, rephrased requests) and refuses training data that contains any of them.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import (
    LPMC_JSON,
    MUSICCAPS_CSV,
    REPHRASED_CSV,
    TAG_JOINER,
    exact_matches,
    parse_aspect_list,
    sample_descriptor_set,
    split_sentences,
)

#: Seed of the fixed validation split (a property of the data, not of a run).
SPLIT_SEED = 20240611


@dataclass(frozen=True)
class TrainingClip:
    """A MusicCaps clip usable for training: id, de-duplicated aspect list and human caption."""

    ytid: str
    tags: tuple[str, ...]
    caption: str

    @property
    def document(self) -> str:
        """The clip's full descriptor set, as a catalog document (tags joined with ``", "``)."""
        return TAG_JOINER.join(self.tags)


@dataclass(frozen=True)
class Pair:
    """A request and one descriptor set relevant to it."""

    query: str
    document: str
    ytid: str
    kind: str


def _bool(value: str) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _read_musiccaps(data_dir: str | os.PathLike) -> list[dict[str, str]]:
    path = Path(data_dir) / MUSICCAPS_CSV
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise NlrecError(f"MusicCaps file not found: {path}") from None
    if not rows or not {"ytid", "aspect_list", "caption", "is_audioset_eval"} <= set(rows[0]):
        raise NlrecError(f"{path}: expected columns ytid, aspect_list, caption, is_audioset_eval")
    return rows


def load_training_clips(data_dir: str | os.PathLike) -> list[TrainingClip]:
    """The MusicCaps training clips (``is_audioset_eval`` false), in file order.

    Raises:
        NlrecError: if the MusicCaps file is missing or malformed.
    """
    clips = []
    for r in _read_musiccaps(data_dir):
        if _bool(r["is_audioset_eval"]):
            continue
        try:
            tags = parse_aspect_list(r["aspect_list"])
        except (ValueError, SyntaxError):
            raise NlrecError(f"clip {r['ytid']}: bad aspect_list {r['aspect_list'][:60]!r}") from None
        if tags and r["caption"].strip():
            clips.append(TrainingClip(r["ytid"], tags, r["caption"].strip()))
    if not clips:
        raise NlrecError(f"{data_dir}: no MusicCaps training clip")
    return clips


def split_validation(clips: Sequence[TrainingClip], n_validation: int,
                     seed: int = SPLIT_SEED) -> tuple[list[TrainingClip], list[TrainingClip]]:
    """``(train, validation)``: ``n_validation`` clips drawn with a fixed seed; both keep file order."""
    if not 0 <= n_validation < len(clips):
        raise NlrecError(f"cannot hold out {n_validation} of {len(clips)} clips for validation")
    rng = np.random.default_rng(seed)
    held = set(rng.choice(len(clips), size=n_validation, replace=False).tolist())
    train = [c for i, c in enumerate(clips) if i not in held]
    val = [c for i, c in enumerate(clips) if i in held]
    return train, val


# ---------------------------------------------------------------------------------- leakage
class LeakageGuard:
    """Refuses training data that touches the evaluation clips.

    Args:
        ids: ids of evaluation clips (MusicCaps ``ytid``).
        texts: request texts of the benchmarks (captions and requests of the evaluation clips).

    Example:
        >>> guard = LeakageGuard({"abc"}, {"A calm piano piece."})
        >>> guard.check(ids=["xyz"], texts=["upbeat steel drums"])
        >>> guard.check(ids=["abc"])
        Traceback (most recent call last):
        ...
        nlrec.errors.NlrecError: training data overlaps the evaluation clips: 1 clip id(s) (e.g. 'abc')
    """

    def __init__(self, ids: Iterable[str] = (), texts: Iterable[str] = ()) -> None:
        self.ids = frozenset(ids)
        self.texts = frozenset(normalize_text(t) for t in texts if t and t.strip())

    @classmethod
    def for_musiccaps(cls, data_dir: str | os.PathLike) -> LeakageGuard:
        """The guard for the MusicCaps benchmarks: evaluation clip ids and every request text."""
        root = Path(data_dir)
        ids, texts = set(), set()
        for r in _read_musiccaps(root):
            if _bool(r["is_audioset_eval"]):
                ids.add(r["ytid"])
                texts.add(r["caption"])
        lpmc = root / LPMC_JSON
        if lpmc.is_file():
            for item in json.loads(lpmc.read_text(encoding="utf-8")):
                texts.update(str(item.get(k, "")) for k in ("prediction", "ground_truth"))
        reph = root / REPHRASED_CSV
        if reph.is_file():
            with open(reph, encoding="utf-8", newline="") as f:
                for r in csv.DictReader(f):
                    texts.update((r.get("caption", ""), r.get("caption_rephrased", "")))
        return cls(ids, texts)

    def check(self, *, ids: Iterable[str] = (), texts: Iterable[str] = ()) -> None:
        """Raise if any id is an evaluation clip or any text is an evaluation request or caption.

        Texts are compared after normalising white space, case and a final period. Single caption
        sentences are not compared with the sentences of evaluation captions: generic sentences
        ("This song can be played in a coffee shop.") occur in both splits by chance.

        Raises:
            NlrecError: naming how many ids / texts overlap and one example.
        """
        bad_ids = sorted({i for i in ids if i in self.ids})
        bad_texts = [t for t in texts if normalize_text(t) in self.texts]
        problems = []
        if bad_ids:
            problems.append(f"{len(bad_ids)} clip id(s) (e.g. {bad_ids[0]!r})")
        if bad_texts:
            problems.append(f"{len(bad_texts)} text(s) (e.g. {bad_texts[0][:60]!r})")
        if problems:
            raise NlrecError("training data overlaps the evaluation clips: " + "; ".join(problems))

    def check_clips(self, clips: Sequence[TrainingClip]) -> None:
        """Check clip ids and captions."""
        self.check(ids=[c.ytid for c in clips], texts=[c.caption for c in clips])


def normalize_text(text: str) -> str:
    return " ".join(text.split()).rstrip(".").lower()


# ---------------------------------------------------------------------------------- pairs
def protocol_sets(tags: Sequence[str], text: str, n_sets: int, rng: np.random.Generator) -> list[str]:
    """Up to ``n_sets`` distinct descriptor sets sampled for ``text`` as the benchmark protocol does
    (``[]`` when no tag occurs verbatim in it)."""
    if not exact_matches(tags, text)[0]:
        return []
    sets = [TAG_JOINER.join(sample_descriptor_set(tags, text, rng)) for _ in range(n_sets)]
    return list(dict.fromkeys(sets))


def caption_pairs(clips: Sequence[TrainingClip], *, sets_per_query: int = 3, whole_captions: bool = True,
                  seed: int = 0) -> list[Pair]:
    """Caption sentences (and whole captions) paired with protocol-sampled descriptor sets.

    Sentences without an exact-match tag are skipped. This is the supervised data of the
    ``finetune`` baseline and the ``sentence`` / ``caption`` queries of GPL.
    """
    rng = np.random.default_rng(seed)
    pairs = []
    for c in clips:
        texts = [(s, "sentence") for s in split_sentences(c.caption)]
        if whole_captions and len(texts) > 1:
            texts.append((c.caption, "caption"))
        for text, kind in texts:
            for d in protocol_sets(c.tags, text, sets_per_query, rng):
                pairs.append(Pair(text, d, c.ytid, kind))
    return pairs
