"""``nlrec eval verify``: recorded cheap rows are re-run and compared; drift fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlrec.cli import cli
from nlrec.evaluation.verify import QUICK, cheap_rows, compare

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "eval" / "results"


def _row(**measures):
    return {"benchmark": "mtt", "system": "bm25", "model_slug": "none", "n_queries": 10, "measures": measures}


def test_compare_tolerance():
    old = _row(all={"nDCG@10": 80.0, "R@10": 30.0, "queries": 10}, tag={"nDCG@10": 90.0, "queries": 4})
    same = _row(all={"nDCG@10": 80.09, "R@10": 29.95, "queries": 10}, tag={"nDCG@10": 90.0, "queries": 4})
    n, diffs = compare("mtt bm25", old, same)
    assert n == 5 and diffs == []
    moved = _row(all={"nDCG@10": 80.2, "R@10": 30.0, "queries": 11}, tag={"nDCG@10": 90.0, "queries": 4})
    _, diffs = compare("mtt bm25", old, moved)
    assert [(d.metric, round(d.delta, 2)) for d in diffs] == [("all/nDCG@10", 0.2), ("all/queries", 1.0)]
    # a metric that disappeared is drift too
    _, diffs = compare("x", old, _row(all={"nDCG@10": 80.0, "queries": 10}, tag={"nDCG@10": 90.0, "queries": 4}))
    assert [d.metric for d in diffs] == ["all/R@10"]


def test_compare_seed_means():
    old = {"measures": {"R@10": {"mean": 88.05, "std": 0.3, "per_seed": [88.5, 87.8, 87.8]}}}
    new = {"measures": {"R@10": {"mean": 88.10, "std": 0.9, "per_seed": [88.0, 88.0, 88.3]}}}
    assert compare("mc bm25", old, new)[1] == []


def test_cheap_rows_of_the_repository():
    rows = cheap_rows(RESULTS)
    names = {p.name for p in rows}
    assert {"mc__bm25__none.json", "msd__tfidf__none.json"} <= names
    assert not any("dense" in n or "hybrid" in n for n in names)
    quick = {(json.loads(p.read_text())["benchmark"], json.loads(p.read_text())["system"])
             for p in cheap_rows(RESULTS, quick=True)}
    assert quick == set(QUICK)


def test_no_rows_is_an_error(tmp_path):
    (tmp_path / "results").mkdir()
    res = CliRunner().invoke(cli, ["eval", "verify", "--out", str(tmp_path), "--data-dir", str(tmp_path)])
    assert res.exit_code == 1 and "no recorded tfidf / bm25 results" in res.output


@pytest.mark.data
def test_verify_quick_on_the_recorded_rows(tmp_path, shared_data):
    """CI: the quick rows still hold; a tampered copy of one of them is reported as drift."""
    out = tmp_path / "eval"
    (out / "results").mkdir(parents=True)
    for path in cheap_rows(RESULTS, quick=True):
        shutil.copy(path, out / "results" / path.name)
    tampered = out / "results" / "mc__bm25__none.json"
    rec = json.loads(tampered.read_text())
    rec["measures"]["nDCG@10"]["mean"] += 0.5
    tampered.write_text(json.dumps(rec))
    res = CliRunner().invoke(cli, ["eval", "verify", "--quick", "--data-dir", str(shared_data), "--out", str(out),
                                   "--json"])
    assert res.exit_code == 1, res.output
    report = json.loads(res.stdout)
    bad = {r["row"]: r for r in report["rows"] if not r["ok"]}
    assert list(bad) == ["mc bm25"], bad  # every recorded quick row holds but the tampered one
    assert [d["metric"] for d in bad["mc bm25"]["differences"]] == ["nDCG@10"]
    assert bad["mc bm25"]["differences"][0]["delta"] == pytest.approx(-0.5, abs=0.01)
