"""The GPL pipeline end to end with tiny models: stage files, skipping, resuming, the CLI."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from nlrec.cli import cli
from nlrec.search import search
from nlrec.training.config import load_config
from nlrec.training.gpl import STAGES, GPLPipeline
from nlrec.training.rundir import RunDir, read_training_set


def test_pipeline_writes_stages_and_resumes(recipe, data_dir, tiny_tracks, tmp_path):
    config = load_config(recipe)
    reports = GPLPipeline(config, data_dir=data_dir, show_progress=False).run_all()
    assert [r.name for r in reports] == list(STAGES) and not any(r.skipped for r in reports)
    run = RunDir(config.run_dir)
    for stage in STAGES:
        assert run.done(stage)
    corpus, queries, qrels = read_training_set(run)
    assert set(qrels) == set(queries) and all(d in corpus for rel in qrels.values() for d in rel)
    held_out = json.loads(run.validation.read_text())["ytids"]
    assert len(held_out) == 1 and not any(json.loads(line)["metadata"]["item"] in held_out
                                          for line in run.queries.read_text().splitlines())
    negatives = [json.loads(line) for line in run.negatives.read_text().splitlines()]
    assert {"dense", "bm25"} == set(negatives[0]["neg"])
    assert all(not set(r["pos"]) & set(d for lst in r["neg"].values() for d in lst) for r in negatives)
    labels = [line.split("\t") for line in run.labels.read_text().splitlines()]
    assert labels and all(len(x) == 4 and x[0] in queries and x[1] in qrels[x[0]] for x in labels)
    stages = json.loads(run.stages.read_text())
    assert set(stages) == set(STAGES) and all(s["seconds"] >= 0 and s["peak_rss_mb"] > 0 for s in stages.values())

    # every output exists: nothing runs again
    again = GPLPipeline(config, data_dir=data_dir, show_progress=False).run_all()
    assert all(r.skipped for r in again)

    assert reports[-1].details["loss"] == "margin_mse+mnrl" and reports[-1].details["pairs"] > 0

    # losing the last two outputs redoes exactly those stages (here with MarginMSE alone)
    run.labels.unlink()
    shutil.rmtree(run.model)
    config.student.loss = "margin_mse"
    third = GPLPipeline(config, data_dir=data_dir, show_progress=False).run_all()
    assert [r.skipped for r in third] == [True, True, True, False, False]
    assert third[-1].details["loss"] == "margin_mse" and third[-1].details["pairs"] == 0

    # the student is a sentence-transformers directory an index accepts
    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    idx = build_index(Catalog.from_records(tiny_tracks), str(tmp_path / "idx"), model=str(run.model), onnx=False)
    assert search(idx, "calm piano", k=2, mode="dense")


def test_cli_gpl_json_and_errors(recipe, data_dir, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["train", "gpl", "--config", str(recipe), "--data-dir", str(data_dir),
                              "--until", "queries", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert [s["name"] for s in summary["stages"]] == ["queries"] and summary["model"] is None
    res = runner.invoke(cli, ["train", "gpl", "--config", str(recipe), "--set", "student.stepz=3"])
    assert res.exit_code == 1 and "unknown config field" in res.output
    res = runner.invoke(cli, ["train", "gpl", "--config", str(tmp_path / "none.toml")])
    assert res.exit_code == 1 and "not found" in res.output


def test_cli_finetune(recipe, data_dir, tmp_path):
    out = tmp_path / "ft"
    res = CliRunner().invoke(cli, ["train", "finetune", "--config", str(recipe), "--data-dir", str(data_dir),
                                   "--steps", "2", "--batch-size", "4", "--train-layers", "1",
                                   "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["steps"] == 2 and summary["pairs"] > 0 and (out / "modules.json").is_file()
