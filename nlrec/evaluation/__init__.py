"""Evaluation: the reference paper's MusicCaps benchmarks, metrics, runs over seeds and the table.

Heavy dependencies (ir-measures, scikit-learn, sentence-transformers, matplotlib) are imported
inside the functions that need them.
"""

from __future__ import annotations

from nlrec.evaluation.beir import read_beir, write_beir
from nlrec.evaluation.benchmarks import (
    BENCHMARKS,
    SEEDS,
    Benchmark,
    BenchmarkSpec,
    Clip,
    Clips,
    build_benchmark,
    load_clips,
    sample_descriptor_set,
)
from nlrec.evaluation.metrics import MEASURES, SeedMetrics, evaluate, median_rank, summarize
from nlrec.evaluation.runner import SYSTEMS, EmbeddingCache, SystemConfig, run_benchmark

__all__ = [
    "BENCHMARKS",
    "MEASURES",
    "SEEDS",
    "SYSTEMS",
    "Benchmark",
    "BenchmarkSpec",
    "Clip",
    "Clips",
    "EmbeddingCache",
    "SeedMetrics",
    "SystemConfig",
    "build_benchmark",
    "evaluate",
    "load_clips",
    "median_rank",
    "read_beir",
    "run_benchmark",
    "sample_descriptor_set",
    "summarize",
    "write_beir",
]
