"""``nlrec eval all``: the paper's baselines on every benchmark, then the results table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from nlrec.evaluation.benchmarks import BENCHMARKS, SEEDS, Clips
from nlrec.evaluation.runner import Progress, SystemConfig, encoder_cache, run_benchmark

#: What ``nlrec eval all`` runs: the four baselines, plus hybrid with TF-IDF as its lexical side.
BASELINES: tuple[dict[str, Any], ...] = (
    {"system": "tfidf"},
    {"system": "bm25"},
    {"system": "dense"},
    {"system": "hybrid"},
    {"system": "hybrid", "sparse": "tfidf"},
)


def run_baselines(clips: Clips, out_dir: str | Path, *, benchmarks: Sequence[str] = (), model: str = "default",
                  seeds: Sequence[int] = SEEDS, batch_size: int = 64, keep_cache: bool = True,
                  progress: Callable[[str], AbstractContextManager[Progress | None]] | None = None,
                  on_result: Callable[[dict[str, Any]], None] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run every :data:`BASELINES` system on each benchmark (default: all), sharing one embedding
    cache, then regenerate the table.

    Args:
        progress: ``progress(label)`` opens a progress display for one run and yields its
            ``update`` callback (or None).
        on_result: told each results object as it is written.

    Returns:
        The results objects, and what :func:`~nlrec.evaluation.table.write_table` wrote.
    """
    from nlrec.evaluation.table import write_table

    configs = [SystemConfig(**b, model=model) for b in BASELINES]
    shared = encoder_cache(configs[2], out_dir, batch_size, keep=keep_cache)
    results = []
    for name in benchmarks or tuple(BENCHMARKS):
        for config in configs:
            with (progress(f"{name} · {config.label}") if progress else nullcontext()) as update:
                r = run_benchmark(name, config, clips=clips, seeds=seeds, out_dir=out_dir,
                                  cache=shared if config.uses_model else None, progress=update)
            results.append(r)
            if on_result:
                on_result(r)
    return results, write_table(out_dir)
