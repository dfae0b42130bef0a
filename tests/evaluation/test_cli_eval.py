from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlrec.cli import cli

REPO = Path(__file__).resolve().parents[2]


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_run_tfidf_json(tiny_data, tmp_path):
    out = tmp_path / "eval"
    res = invoke(
        "eval",
        "run",
        "--benchmark",
        "mc",
        "--system",
        "tfidf",
        "--data-dir",
        str(tiny_data),
        "--out",
        str(out),
        "--json",
    )
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert {"benchmark", "system", "model", "seeds", "n_queries", "measures"} <= set(r)
    assert (r["benchmark"], r["system"], r["model"], r["seeds"], r["n_queries"]) == (
        "mc",
        "tfidf",
        None,
        [0, 1, 2],
        5,
    )
    assert list(r["measures"]) == ["R@1", "R@5", "R@10", "RR@10", "nDCG@10", "MedR"]
    for name, m in r["measures"].items():
        assert set(m) == {"mean", "std", "per_seed"} and len(m["per_seed"]) == 3
        assert 0 <= m["mean"] <= (100 if name != "MedR" else 10)
    assert r["measures"]["R@10"]["mean"] == 100.0  # 5 queries, fewer than 10 documents
    assert (out / "results" / "mc__tfidf__none.json").is_file()
    assert sorted(p.name for p in (out / "runs" / "mc" / "tfidf__none").iterdir()) == [
        "seed0.trec.gz",
        "seed1.trec.gz",
        "seed2.trec.gz",
    ]
    assert (out / "benchmarks" / "mc" / "seed2" / "corpus.jsonl").is_file()


def test_benchmarks_and_table(tiny_data, tmp_path):
    out = tmp_path / "eval"
    res = invoke(
        "eval",
        "benchmarks",
        "--out",
        str(out),
        "--seeds",
        "0,1",
        "--json",
        env={"NLREC_DATA": str(tiny_data)},
    )
    assert res.exit_code == 0, res.output
    manifests = json.loads(res.stdout)
    assert [m["benchmark"] for m in manifests] == ["mc", "mc_reco", "mc_human"]
    assert (
        manifests[2]["seeds"]["0"]["queries"] == 11 and manifests[2]["spec"]["no_match"] == "drop"
    )
    for system in ("tfidf", "bm25"):
        for bench in ("mc", "mc_reco"):
            res = invoke(
                "eval",
                "run",
                "--benchmark",
                bench,
                "--system",
                system,
                "--seeds",
                "0,1",
                "--data-dir",
                str(tiny_data),
                "--out",
                str(out),
            )
            assert res.exit_code == 0, res.output
            assert "R@10" in res.stderr and res.stdout == ""
    (out / "results" / "notes.json").write_text('{"something": "else"}')
    (out / "results" / "broken.json").write_text("{")
    res = invoke("eval", "table", "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert info["results"] == 4 and info["benchmarks"] == ["mc", "mc_reco"]
    assert info["skipped"] == ["broken.json", "notes.json"]
    md = (out / "RESULTS.md").read_text()
    assert "| tfidf | 100.0 ± 0.0 | 89.4 |" in md  # ours beside the paper's Tf-Idf
    assert "*paper: GPL (msmarco-bert-base-dot-v5)*" in md and "recall_at_k.png" in md
    assert (out / "recall_at_k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_expected_failures_are_one_line(tiny_data, tmp_path):
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            "run",
            "--benchmark",
            "mc",
            "--system",
            "tfidf",
            "--data-dir",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path),
        ],
    )
    assert (
        res.exit_code == 1
        and "data directory not found" in res.output
        and "Traceback" not in res.output
    )
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            "run",
            "--benchmark",
            "mc",
            "--system",
            "tfidf",
            "--model",
            "x",
            "--data-dir",
            str(tiny_data),
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 2 and "--model applies" in res.output
    res = CliRunner().invoke(cli, ["eval", "table", "--out", str(tmp_path / "empty")])
    assert res.exit_code == 1 and "no results" in res.output
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            "run",
            "--benchmark",
            "mc",
            "--system",
            "tfidf",
            "--seeds",
            "a",
            "--data-dir",
            str(tiny_data),
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 2


def test_hybrid_with_a_tiny_model(tiny_data, tmp_path, tiny_model):
    out = tmp_path / "eval"
    res = invoke(
        "eval",
        "run",
        "--benchmark",
        "mc_human",
        "--system",
        "hybrid",
        "--model",
        str(tiny_model),
        "--seeds",
        "0",
        "--data-dir",
        str(tiny_data),
        "--out",
        str(out),
        "--json",
    )
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert r["label"] == "hybrid" and r["model_slug"] == "tiny-a" and r["n_queries"] == 11
    assert r["model"]["weights_sha256"] and r["options"]["sparse"] == "bm25"
    assert list((out / "runs" / "embeddings").iterdir())  # the embedding cache was kept


def test_eval_help_imports_nothing_heavy():
    code = (
        "import sys; from click.testing import CliRunner; from nlrec.cli import cli; "
        "r = CliRunner().invoke(cli, ['eval', '--help']); assert r.exit_code == 0; "
        "heavy = [m for m in ('torch', 'numpy', 'sklearn', 'ir_measures', 'matplotlib') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.data
def test_real_data_protocol_counts(shared_data):
    from nlrec.evaluation.benchmarks import build_benchmark, load_clips

    clips = load_clips(shared_data)
    assert clips.stats["clips"] == 2354  # the paper: ~2,357 clips have a rephrasing
    counts = {name: build_benchmark(clips, name, 0).stats for name in ("mc", "mc_reco", "mc_human")}
    assert (counts["mc"]["queries"], counts["mc"]["no_match"]) == (2354, 3)
    assert (counts["mc_reco"]["queries"], counts["mc_reco"]["no_match"]) == (2355, 84)
    assert (
        counts["mc_human"]["queries"]
        == counts["mc_human"]["sentences"] - counts["mc_human"]["no_match"]
    )


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.parametrize(("bench", "paper"), [("mc", 89.4), ("mc_reco", 77.7)])
def test_real_data_tfidf_reproduces_the_paper(tmp_path, bench, paper, shared_data):
    res = invoke(
        "eval",
        "run",
        "--benchmark",
        bench,
        "--system",
        "tfidf",
        "--data-dir",
        str(shared_data),
        "--out",
        str(tmp_path / "eval"),
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert abs(json.loads(res.stdout)["measures"]["R@10"]["mean"] - paper) <= 1.5
