"""Training recipes as TOML files (read with :mod:`tomllib`), one dataclass per section.

A recipe (``gpl/configs/musiccaps.toml``) sets any field; command-line flags override it, either
through a dedicated flag (``--steps``) or ``--set section.field=value``. Unknown sections or
fields are errors, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nlrec.errors import NlrecError
from nlrec.training.teacher import TeacherSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass
class DataConfig:
    """Where training material comes from.

    Attributes:
        dataset: ``musiccaps`` (captions + aspect lists), ``mtt`` / ``msd`` (tags only), or
            ``catalog`` (a catalog file, tags only).
        data_dir: public-data directory (empty: ``--data-dir`` / ``NLREC_DATA``).
        catalog: catalog file for ``dataset = "catalog"`` (columns ``id`` and ``descriptors``).
        split: split of ``mtt`` (``train`` or ``valid``, 188 tags) / ``msd`` (``valid``) to train on;
            their ``test`` split is the benchmark and is refused.
        validation_clips: MusicCaps training clips held out for validation (fixed seed).
    """

    dataset: Literal["musiccaps", "mtt", "msd", "catalog"] = "musiccaps"
    data_dir: str = ""
    catalog: str = ""
    split: str = "valid"
    validation_clips: int = 300


@dataclass
class QueryConfig:
    """Stage 1: training requests.

    Attributes:
        captions: use real caption sentences where the catalog has them (MusicCaps).
        sets_per_query: descriptor sets sampled per caption request (the protocol's three).
        whole_captions: also use each whole caption as a request.
        reco_fraction: share of caption requests rewritten as recommendation requests.
        generator: ``templates``, a local seq2seq model directory, or ``""`` for none.
        per_item: generated requests per track.
        max_queries: keep at most this many requests (random sample; 0 = all).
    """

    captions: bool = True
    sets_per_query: int = 3
    whole_captions: bool = True
    reco_fraction: float = 0.25
    generator: str = "templates"
    per_item: int = 2
    max_queries: int = 0


@dataclass
class NegativesConfig:
    """Stage 2: hard negatives (top ``top_k`` of each retriever, positives removed)."""

    retrievers: list[str] = field(default_factory=lambda: ["dense", "bm25"])
    dense_model: str = "minilm"
    top_k: int = 30


@dataclass
class LabelsConfig:
    """Stage 3: pseudo-labels ``teacher(q, pos) - teacher(q, neg)``.

    Attributes:
        queries: requests to label (a random sample; 0 = all).
        negatives_per_query: negatives drawn per request from the union of the retrievers' lists.
        batch_size: teacher batch size.
    """

    queries: int = 0
    negatives_per_query: int = 2
    batch_size: int = 64


@dataclass
class StudentConfig:
    """Stage 4: the bi-encoder trained with MarginMSE on the pseudo-labels.

    Attributes:
        base: ``default`` (packaged MiniLM), a local directory or a hub id.
        loss: ``margin_mse`` (GPL as published) or ``margin_mse+mnrl``: batches of the
            pseudo-labelled triplets (MarginMSE) mixed, in proportion to their sizes, with
            batches of the (request, positive) pairs (MultipleNegativesRankingLoss). MarginMSE
            alone only constrains score *differences*; where the teacher gives small margins it
            lets the whole space contract (measured: every cosine near 0.7), and the in-batch
            negatives of MNRL keep it spread.
        steps: optimiser steps; batch_size: (request, positive, negative) triplets per step.
        similarity_scale: the student's margin is ``scale * (cos(q, pos) - cos(q, neg))``, to
            match the range of the teacher's logits.
        train_layers: 0 trains every layer; N trains only the top N transformer layers.
        save_steps: checkpoint interval (an interrupted run resumes from the latest).
        replay: ``""`` (none), ``"musiccaps"`` (the supervised MusicCaps training pairs of
            ``gpl/configs/finetune.toml``, which made ``music-minilm``) or a recipe file: its
            labelled pairs are replayed as extra MNRL batches, so that adapting to a new catalog
            does not undo the starting model's training (see :mod:`nlrec.training.replay`).
        replay_ratio: share of the student's batches drawn from the replayed pairs.
    """

    base: str = "default"
    loss: Literal["margin_mse", "margin_mse+mnrl"] = "margin_mse+mnrl"
    steps: int = 400
    batch_size: int = 32
    lr: float = 2e-5
    warmup_ratio: float = 0.1
    max_seq_length: int = 128
    similarity_scale: float = 20.0
    train_layers: int = 0
    save_steps: int = 100
    replay: str = ""
    replay_ratio: float = 0.25


@dataclass
class NegationConfig:
    """Negation-aware training (see :mod:`nlrec.training.negation`); both off by default.

    Attributes:
        p: probability of a negation insert ("no <tag>" for a tag the item lacks) per request.
        k: weight of the dissimilarity loss ``k * mean cos(request, fully negated request)``.
        vocabulary: how many of the training items' most frequent tags can be negated.
    """

    p: float = 0.0
    k: float = 0.0
    vocabulary: int = 200


@dataclass
class GPLConfig:
    """A whole GPL recipe."""

    run_dir: str = "gpl/runs/musiccaps"
    seed: int = 0
    device: str = "auto"
    data: DataConfig = field(default_factory=DataConfig)
    queries: QueryConfig = field(default_factory=QueryConfig)
    negatives: NegativesConfig = field(default_factory=NegativesConfig)
    teacher: TeacherSettings = field(default_factory=TeacherSettings)
    teacher_path: str = ""
    labels: LabelsConfig = field(default_factory=LabelsConfig)
    student: StudentConfig = field(default_factory=StudentConfig)
    negation: NegationConfig = field(default_factory=NegationConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_SECTIONS = ("data", "queries", "negatives", "teacher", "labels", "student", "negation")


def _coerce(value: Any, current: Any, name: str) -> Any:
    """Convert a flag string (or TOML value) to the type of the field's current value."""
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise NlrecError(f"{name}: expected true or false, got {value!r}")
    try:
        if isinstance(current, int):
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if isinstance(current, float):
            return float(value)
        if isinstance(current, list):
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            return list(value)
    except (TypeError, ValueError):
        raise NlrecError(f"{name}: expected {type(current).__name__}, got {value!r}") from None
    return str(value)


def apply_overrides(config: GPLConfig, values: Mapping[str, Any]) -> GPLConfig:
    """Set fields from ``{"section.field": value}`` (or top-level ``{"seed": 1}``) in place.

    Raises:
        NlrecError: on an unknown section or field, or a value of the wrong type.
    """
    for key, value in values.items():
        if value is None:
            continue
        parts = key.split(".")
        target: Any = config
        if len(parts) == 2:
            if parts[0] not in _SECTIONS:
                raise NlrecError(f"unknown config section {parts[0]!r} (sections: {', '.join(_SECTIONS)})")
            target = getattr(config, parts[0])
        elif len(parts) != 1 or parts[0] in _SECTIONS:
            raise NlrecError(f"unknown config field {key!r}")
        name = parts[-1]
        names = {f.name for f in dataclasses.fields(target)}
        if name not in names:
            raise NlrecError(f"unknown config field {key!r}")
        setattr(target, name, _coerce(value, getattr(target, name), key))
    return config


def load_config(path: str | os.PathLike | None = None, overrides: Mapping[str, Any] | None = None) -> GPLConfig:
    """Read a TOML recipe (``None``: the built-in defaults) and apply ``overrides``.

    Raises:
        NlrecError: if the file is missing or not valid TOML, or a field is unknown.
    """
    config = GPLConfig()
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NlrecError(f"config file not found: {path}") from None
        except UnicodeDecodeError as e:
            raise NlrecError(f"cannot read config {path}: not UTF-8 text (byte offset {e.start}); "
                             "save it as UTF-8") from None
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise NlrecError(f"cannot read config {path}: {e}") from None
        flat: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, dict):
                if key not in _SECTIONS:
                    raise NlrecError(f"{path}: unknown section [{key}]")
                flat.update({f"{key}.{k}": v for k, v in value.items()})
            else:
                flat[key] = value
        apply_overrides(config, flat)
    if overrides:
        apply_overrides(config, overrides)
    return config


def parse_set_options(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``("student.steps=10", ...)`` -> ``{"student.steps": "10"}``.

    Raises:
        NlrecError: for an item without ``=``.
    """
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise NlrecError(f"--set expects section.field=value, got {item!r}")
        out[key.strip()] = value.strip()
    return out
