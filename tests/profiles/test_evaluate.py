from __future__ import annotations

import json

import numpy as np
import pytest

from nlrec.catalog.listeners import load_hetrec, load_listening, load_yes
from nlrec.errors import NlrecError
from nlrec.profiles.evaluate import ProtocolConfig, run_protocol, split_history
from nlrec.profiles.profile import ProfileSettings
from nlrec.profiles.prototypes import normalize_rows

from .conftest import run


def test_split_history_holds_out_a_share():
    hist = {i: float(i) for i in range(10)}
    lst = split_history(hist, 0.2, np.random.default_rng(0))
    assert len(lst.heldout) == 2 and len(lst.liked) == 8
    assert set(lst.heldout) | set(lst.liked) == set(hist) and not set(lst.heldout) & set(lst.liked)
    assert lst.plays.tolist() == [hist[int(r)] for r in lst.liked]
    assert len(split_history({1: 1.0, 2: 1.0}, 0.9, np.random.default_rng(0)).liked) == 1


def test_hetrec_split_is_leakage_free(data_dir):
    data = load_hetrec(data_dir, n_listeners=9, seed=0)
    assert data.info["listeners_drawn"] == 9 and data.info["taggers"] == 31
    listeners = {lid for lid, _ in data.listeners}
    # rebuild the catalog from the taggers only: it must be exactly what the loader produced
    raw = (data_dir / "hetrec_lastfm2k" / "user_taggedartists.dat").read_text().splitlines()[1:]
    raw += (data_dir / "hetrec_lastfm2k" / "user_taggedartists_2.dat").read_text().splitlines()[1:]
    tagged_by_taggers = {r.split("\t")[1] for r in raw if r.split("\t")[0] not in listeners}
    assert set(data.item_ids) == tagged_by_taggers
    assert data.descriptors[0][0] in {"jazz", "metal", "pop", "piano", "smooth", "heavy", "guitar", "dance",
                                      "female vocalists", "seen live"}
    for _lid, hist in data.listeners:
        assert len(hist) >= 10 and all(0 <= r < len(data.item_ids) for r in hist)
    again = load_hetrec(data_dir, n_listeners=9, seed=0)
    assert again.listeners == data.listeners  # seeded


def test_yes_drops_call_signs_and_untagged_songs(data_dir):
    data = load_yes(data_dir, n_listeners=5, seed=1)
    assert data.info["dropped_tags"] == ["9"]
    assert all("wxyz-fm" not in d for d in data.descriptors)
    assert len(data.item_ids) == 45 and len(data.listeners) == 5
    assert max(max(h.values()) for _, h in data.listeners) == 2.0  # repeated songs are play counts
    with pytest.raises(NlrecError, match="unknown profile dataset"):
        load_listening("nope", data_dir)
    with pytest.raises(NlrecError, match="missing"):
        load_hetrec(data_dir / "nowhere")


def test_protocol_on_synthetic_listeners(data_dir):
    data = load_hetrec(data_dir, n_listeners=12, seed=0)
    names = sorted({d for ds in data.descriptors for d in ds})
    rng = np.random.default_rng(0)
    text = {n: v for n, v in zip(names, normalize_rows(rng.normal(size=(len(names), 16))))}
    items = normalize_rows(np.stack([sum(text[d] for d in ds) for ds in data.descriptors]) + 0.3 * rng.normal(size=(len(data.item_ids), 16)))
    config = ProtocolConfig(n_dev=4, n_test=8, k=5, boost_descriptors=2)
    out = run_protocol(data, items, lambda ns: np.stack([text[n] for n in ns]),
                       settings=ProfileSettings(top_m=3), config=config)
    test = out["test"]
    assert test["listeners"] == len(data.listeners) - 4 and out["dev"]["listeners"] == 4
    assert test["mean_prototypes"] <= 3
    assert test["boost"]["pairs"] == 2 * test["listeners"] and test["boost"]["strictly_monotone_violations"] == 0
    assert test["boost"]["success"] is not None and 0 <= test["boost"]["success"] <= 100
    assert test["mute"]["pairs"] > 0 and test["mute"]["carriers_mean_log2_drop"] > 0
    for m in ("recall", "ndcg"):
        assert 0 <= test["accuracy"][m]["profile"] <= 100 and 0 <= test["accuracy"][m]["baseline"] <= 100
    assert test["accuracy"]["recall"]["profile"] > 20  # genre listeners: tag profiles find their genre


def test_eval_profiles_command(data_dir, tiny_model, tmp_path):
    out = tmp_path / "eval"
    r = run("eval", "profiles", "--dataset", "hetrec", "--data-dir", str(data_dir), "--model", str(tiny_model),
            "--listeners", "6", "--dev-listeners", "3", "-k", "5", "--out", str(out), "--json")
    assert r.exit_code == 0, (r.output, r.stderr)
    result = json.loads(r.stdout)
    assert {"boost_success", "mute_selectivity", "recall@5", "ndcg@5"} <= set(result)
    assert set(result["recall@5"]) >= {"profile", "baseline"}
    assert result["test"]["listeners"] == 6 and result["kind"] == "profiles"
    saved = json.loads((out / "results" / "profiles" / "hetrec.json").read_text())
    assert not list((out / "results").glob("*.json"))  # `nlrec eval table` reads those
    assert saved["recall@5"] == result["recall@5"]
    assert saved["command"].startswith("nlrec eval profiles --dataset hetrec --data-dir ")
    assert "--listeners 6 --dev-listeners 3 -k 5" in saved["command"] and saved["command"].endswith("--json")
    report = (out / "PROFILES.md").read_text()
    assert "| hetrec | 6 |" in report and "Mute selectivity" in report
    assert list((tmp_path / "nlrec_home" / ".cache" / "profiles-eval").rglob("vectors.npy"))
    r = run("eval", "profiles", "--dataset", "yes", "--data-dir", str(data_dir), "--model", str(tiny_model),
            "--listeners", "4", "--dev-listeners", "2", "-k", "5", "--out", str(out), "--no-cache")
    assert r.exit_code == 0, (r.output, r.stderr)
    assert "yes: boost success" in r.stderr
    report = (out / "PROFILES.md").read_text()
    assert report.index("## hetrec") < report.index("## yes")
    bad = run("eval", "profiles", "--dataset", "hetrec", "--data-dir", str(tmp_path / "missing"))
    assert bad.exit_code == 1 and "data directory not found" in bad.stderr
