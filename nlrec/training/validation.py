"""Validation on MusicCaps training clips held out from training: every tuning decision (recipe,
checkpoint, fusion weights) is taken here, never on the test benchmarks.

Two benchmarks are built from the held-out clips with the evaluation protocol
(:func:`nlrec.evaluation.benchmarks.build_benchmark`, seeds 0-2):

* ``val_caption``: each whole human caption as one request (sentences joined with ``"; "``),
  the closest stand-in for the one-sentence LLM captions of ``mc`` / ``mc_reco``;
* ``val_sentence``: each caption sentence that names a tag verbatim (as ``mc_human``).

The selection score of a system is the mean over both of ``(R@10 + RR@10) / 2``: the held-out
corpora are small (hundreds of documents), so R@10 alone saturates.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import SEEDS, Benchmark, Clip, build_benchmark
from nlrec.evaluation.runner import EmbeddingCache, SystemConfig, rank_seed
from nlrec.training.data import TrainingClip, load_training_clips, split_validation

ALPHAS: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def validation_clips(data_dir: str | os.PathLike, n_validation: int = 300) -> list[TrainingClip]:
    """The held-out clips of the fixed split (the same as training runs with this size use)."""
    return split_validation(load_training_clips(data_dir), n_validation)[1]


def validation_benchmarks(clips: Sequence[TrainingClip], seeds: Sequence[int] = SEEDS) -> dict[str, list[Benchmark]]:
    """``{"val_caption": [one Benchmark per seed], "val_sentence": [...]}``."""
    if not clips:
        raise NlrecError("no validation clip")
    bclips = [Clip(c.ytid, c.tags, c.caption.replace(". ", "; "), c.caption.replace(". ", "; "), c.caption)
              for c in clips]
    return {"val_caption": [build_benchmark(bclips, "mc", s) for s in seeds],
            "val_sentence": [build_benchmark(bclips, "mc_human", s) for s in seeds]}


@dataclass
class ValidationResult:
    """Measures of one system on the validation benchmarks (means over seeds, ×100)."""

    config: SystemConfig
    measures: dict[str, dict[str, float]]

    @property
    def score(self) -> float:
        return float(np.mean([(m["R@10"] + m["RR@10"]) / 2 for m in self.measures.values()]))

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.config.label, "system": self.config.system, "options": self.config.options(),
                "score": round(self.score, 2),
                "measures": {b: {k: round(v, 2) for k, v in m.items()} for b, m in self.measures.items()}}


def _measures(ranks: np.ndarray) -> dict[str, float]:
    return {"R@1": float((ranks <= 1).mean() * 100), "R@10": float((ranks <= 10).mean() * 100),
            "RR@10": float(np.where(ranks <= 10, 1.0 / ranks, 0.0).mean() * 100)}


def evaluate_system(config: SystemConfig, benches: dict[str, list[Benchmark]],
                    cache: EmbeddingCache | None = None) -> ValidationResult:
    """Rank every seed of every validation benchmark with ``config``."""
    if config.uses_model and cache is None:
        raise NlrecError(f"{config.system} needs an embedding cache")
    measures = {}
    for name, seeds in benches.items():
        per_seed = [_measures(rank_seed(config, b, embed=cache.encode if cache is not None else None).relevant_rank.astype(float))
                    for b in seeds]
        measures[name] = {k: float(np.mean([m[k] for m in per_seed])) for k in per_seed[0]}
    return ValidationResult(config, measures)


def fusion_grid(model: str = "default") -> list[SystemConfig]:
    """Hybrid settings tried on validation: RRF and weighted fusion with BM25 or TF-IDF."""
    grid = []
    for sparse in ("bm25", "tfidf"):
        grid.append(SystemConfig("hybrid", model=model, sparse=sparse, fusion="rrf"))
        grid += [SystemConfig("hybrid", model=model, sparse=sparse, fusion="weighted", alpha=a) for a in ALPHAS]
    return grid


def validate_model(model: str, clips: Sequence[TrainingClip], *, fusion: bool = True,
                   cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Dense and hybrid validation results of one model, with the best fusion setting.

    Returns:
        ``{"model", "dense", "hybrid": [results], "best_hybrid"}`` (``hybrid`` only if ``fusion``).
    """
    from nlrec.encoders.dense import load_encoder

    benches = validation_benchmarks(clips)
    cache = EmbeddingCache(load_encoder(model), cache_dir)
    texts = list(dict.fromkeys(t for seeds in benches.values() for b in seeds
                               for t in [q.text for q in b.queries] + b.corpus))
    cache.encode(texts)
    cache.save()
    out: dict[str, Any] = {"model": model, "clips": len(clips),
                           "dense": evaluate_system(SystemConfig("dense", model=model), benches, cache).to_dict()}
    if fusion:
        results = [evaluate_system(c, benches, cache) for c in fusion_grid(model)]
        out["hybrid"] = [r.to_dict() for r in results]
        out["best_hybrid"] = max(results, key=lambda r: r.score).to_dict()
    return out


def validate_lexical(clips: Sequence[TrainingClip]) -> list[dict[str, Any]]:
    """TF-IDF and BM25 on the validation benchmarks (for reference)."""
    benches = validation_benchmarks(clips)
    return [evaluate_system(SystemConfig(s), benches).to_dict() for s in ("tfidf", "bm25")]


def validate_models(models: Sequence[str], data_dir: str | Path | None, n_clips: int, *,
                    fusion: bool = True) -> dict[str, Any]:
    """``nlrec train validate``: TF-IDF and BM25 for reference, then each model (dense, and the
    hybrid grid when ``fusion``) on the ``n_clips`` training clips held out for validation.

    Returns:
        ``{"lexical": [results], "models": [validate_model results]}``.
    """
    from nlrec.encoders.models import canonical_model
    from nlrec.paths import data_dir as resolve_data_dir

    clips = validation_clips(resolve_data_dir(data_dir), n_clips)
    return {"lexical": validate_lexical(clips),
            "models": [validate_model(canonical_model(m), clips, fusion=fusion) for m in models]}

