from __future__ import annotations

import json
import zlib

import numpy as np
import pytest
from click.testing import CliRunner

from nlrec.cli import cli
from nlrec.evaluation.benchmarks import load_clips
from nlrec.evaluation.negation import (
    FORMS,
    build_negation_set,
    evaluate_negation,
    render_negation_markdown,
    search_exclusion,
)


def bag_of_words(texts):
    """A deterministic toy encoder: hashed word counts, L2-normalised (blind to negation)."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().replace(",", " ").split():
            if w not in ("no", "without", "not"):
                out[i, zlib.crc32(w.encode()) % 64] += 1.0
    out += 1e-3
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_items_and_request_forms(tiny_data):
    data = build_negation_set(load_clips(tiny_data), seed=0)
    assert data.stats["documents"] == len(data.corpus) == 5  # clips with a rephrased request
    assert data.items and all(len(it.tags) >= 2 for it in data.items)
    for it in data.items:
        r = it.requests
        assert r["original"] == ", ".join(it.tags)
        changed = [t for t, h in zip(it.tags, r["half"].split(", ")) if t != h]
        assert tuple(changed) == it.negated and len(it.negated) == len(it.tags) // 2
        assert all(f != t for f, t in zip(r["fully"].split(", "), it.tags))
        assert data.corpus[it.doc].split(", ")[0] == data.descriptors[it.doc][0]
    again = build_negation_set(load_clips(tiny_data), seed=0)
    assert [it.requests for it in again.items] == [it.requests for it in data.items]
    assert build_negation_set(load_clips(tiny_data), seed=0, limit=1).stats["items"] == 1


def test_protocols_with_a_negation_blind_encoder(tiny_data):
    data = build_negation_set(load_clips(tiny_data), seed=0)
    res = evaluate_negation(data, bag_of_words)
    assert set(res) == {"dense", "dense+negation"}
    for system in res.values():
        assert set(system["R@10"]) == set(FORMS) and set(system["accuracy"]) == {"O/F", "O/H", "H/F"}
    # a bag of words cannot tell a request from its negation: every form finds the item, and
    # every pair ties (accuracy 0.5); the search-time handling excludes items it rules out
    assert res["dense"]["R@10"] == {"original": 100.0, "half": 100.0, "fully": 100.0}
    assert res["dense"]["accuracy"]["O/F"] == pytest.approx(0.5)
    assert res["dense+negation"]["R@10"]["fully"] == 0.0
    assert res["dense+negation"]["R@10"]["half"] == 0.0
    assert res["dense+negation"]["accuracy"]["O/F"] == 1.0
    assert res["dense+negation"]["accuracy"]["O/H"] == 1.0


def test_cli_writes_results_and_table(tiny_data, tmp_path, tiny_model):
    out = tmp_path / "eval"
    runner = CliRunner()
    r = runner.invoke(cli, ["eval", "run", "--benchmark", "mc", "--system", "tfidf", "--seeds", "0",
                            "--data-dir", str(tiny_data), "--out", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["eval", "negation", "--data-dir", str(tiny_data), "--out", str(out),
                            "--model", str(tiny_model), "--no-search", "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["kind"] == "negation" and res["model_slug"] == "tiny-a" and res["search"] is None
    assert (out / "results" / "negation-tiny-a.json").is_file()
    md = (out / "RESULTS.md").read_text()
    assert "## Negation" in md and "| tiny-a | dense+negation |" in md
    r = runner.invoke(cli, ["eval", "table", "--out", str(out), "--no-plot"])
    assert r.exit_code == 0 and "negation-" not in r.stderr  # not reported as skipped


def test_cli_search_check_on_an_index(tiny_data, tmp_path, tiny_model, tiny_catalog_file):
    runner = CliRunner()
    r = runner.invoke(cli, ["index", "build", "--catalog", str(tiny_catalog_file), "--name", "t",
                            "--model", str(tiny_model)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["eval", "negation", "--data-dir", str(tiny_data), "--out", str(tmp_path / "e"),
                            "--model", str(tiny_model), "--index", "t", "--limit", "1",
                            "--negation-threshold", "1", "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["limit"] == 1 and res["n_items"] == 1 and res["search"]["index"] == "t"
    rows = res["search"]["requests"]
    assert [row["request"] for row in rows][0] == "relaxing piano without vocals"
    assert all(row["violating@10"]["filter"] == 0 for row in rows)
    assert "Search-time exclusion" in render_negation_markdown([res])
    r = runner.invoke(cli, ["eval", "negation", "--data-dir", str(tiny_data), "--out", str(tmp_path / "e"),
                            "--model", str(tiny_model), "--index", "nope"])
    assert r.exit_code == 1 and "no index named 'nope'" in r.stderr


def test_eval_run_with_clap(tiny_data, tmp_path, tiny_clap):
    r = CliRunner().invoke(cli, ["eval", "run", "--benchmark", "mc", "--system", "dense", "--seeds", "0",
                                 "--model", f"clap:{tiny_clap}", "--data-dir", str(tiny_data),
                                 "--out", str(tmp_path / "eval"), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.stdout)
    assert res["model_slug"] == "clap-tiny-clap" and res["model"]["id"].startswith("clap:")


def test_search_exclusion_rows(tiny_tracks, tiny_model):
    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    idx = build_index(Catalog.from_records(tiny_tracks), "x", model=str(tiny_model))
    rows = search_exclusion(idx, mode="bm25")
    assert len(rows) == 3 and rows[0]["negative"] == ["vocals"]
    assert set(rows[0]["violating@10"]) == {"off", "filter", "penalize"}
