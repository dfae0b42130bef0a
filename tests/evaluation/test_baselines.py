"""``run_baselines`` (``nlrec eval all``): every baseline on a benchmark, one shared cache, then the table."""

from __future__ import annotations

from contextlib import contextmanager

from nlrec.evaluation.baselines import BASELINES, run_baselines
from nlrec.evaluation.benchmarks import load_clips


def test_run_baselines_runs_every_system_and_writes_the_table(tiny_data, tiny_model, tmp_path):
    out = tmp_path / "eval"
    labels, seen = [], []

    @contextmanager
    def progress(label):
        labels.append(label)
        yield None

    results, info = run_baselines(load_clips(tiny_data), out, benchmarks=("mc",), model=str(tiny_model),
                                  seeds=(0,), keep_cache=False, progress=progress, on_result=seen.append)
    assert [r["label"] for r in results] == ["tfidf", "bm25", "dense", "hybrid", "hybrid-tfidf"]
    assert len(BASELINES) == len(results) == len(seen) and labels[0] == "mc · tfidf"
    assert all(r["benchmark"] == "mc" and r["seeds"] == [0] for r in results)
    assert (out / "RESULTS.md").is_file() and info["markdown"] == str(out / "RESULTS.md")
    assert not (out / "runs" / "embeddings").exists()
