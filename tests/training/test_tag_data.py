"""GPL on unlabelled tag catalogs: MTT / MSD training splits, the leakage guard, the CLI flags."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlrec.cli import cli
from nlrec.errors import NlrecError
from nlrec.training.config import load_config
from nlrec.training.gpl import build_queries
from nlrec.training.tag_data import tag_benchmark_guard, tag_training_items
from tests.evaluation.test_mtt_msd import write_tag_data


@pytest.fixture
def tag_data(tmp_path):
    return write_tag_data(tmp_path / "data")


def test_training_splits_never_the_test_split(tag_data):
    assert tag_training_items("mtt", tag_data, "train") == [("13", ["sitar", "female voice"])]
    assert [i for i, _ in tag_training_items("mtt", tag_data, "valid")] == ["11", "12"]
    assert len(tag_training_items("msd", tag_data, "valid")) > 0
    with pytest.raises(NlrecError, match="test split is the mtt benchmark"):
        tag_training_items("mtt", tag_data, "test")
    with pytest.raises(NlrecError, match="msd can be trained on valid"):
        tag_training_items("msd", tag_data, "train")


def test_guard_knows_the_test_tracks_and_requests(tag_data):
    guard = tag_benchmark_guard(tag_data)
    assert {"1", "9", "TRA", "TRE"} <= guard.ids and "13" not in guard.ids
    guard.check(ids=["13", "11"])
    with pytest.raises(NlrecError, match="overlaps the evaluation"):
        guard.check(ids=["13", "5"])
    with pytest.raises(NlrecError, match="overlaps the evaluation"):
        guard.check(texts=["No singing please."])


def test_build_queries_from_the_catalogs_own_tags(tag_data):
    config = load_config(None, {"data.dataset": "mtt", "data.split": "valid", "queries.captions": "false",
                                "queries.per_item": "3"})
    queries, info = build_queries(config, tag_data)
    assert info["tracks"] == 2 and {q.item for q in queries} == {"11", "12"}
    assert all(q.kind == "template" and len(q.positives) == 1 for q in queries)
    assert {q.positives[0] for q in queries} == {"harpsichord, classical", "harpsicord, classical"}
    config.data.split = "test"
    with pytest.raises(NlrecError, match="test split"):
        build_queries(config, tag_data)


def test_cli_flags(tag_data, tmp_path):
    runner = CliRunner()
    run_dir = tmp_path / "run"
    res = runner.invoke(cli, ["train", "gpl", "--dataset", "mtt", "--split", "valid", "--data-dir", str(tag_data),
                              "--run-dir", str(run_dir), "--until", "queries", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["config"]["data"] == {**summary["config"]["data"], "dataset": "mtt", "split": "valid"}
    assert summary["stages"][0]["details"]["tracks"] == 2 and (run_dir / "queries.jsonl").is_file()
    res = runner.invoke(cli, ["train", "gpl", "--dataset", "mtt", "--split", "test", "--data-dir", str(tag_data),
                              "--run-dir", str(tmp_path / "r2"), "--until", "queries"])
    assert res.exit_code == 1 and "Error: the mtt test split" in res.output
    res = runner.invoke(cli, ["train", "gpl", "--dataset", "msd", "--catalog", str(tmp_path / "x.csv")])
    assert res.exit_code == 2
