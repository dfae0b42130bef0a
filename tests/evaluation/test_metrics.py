from __future__ import annotations

import math

import numpy as np
import pytest

from nlrec.evaluation.metrics import (
    CURVE_KS,
    SeedMetrics,
    check_against_ranks,
    evaluate,
    median_rank,
    per_query,
    ranks_of,
    recall_curve,
    recall_ndcg,
    run_from_rankings,
    summarize,
    top_k_rows,
)

# four queries whose relevant document sits at rank 1, 3, 12 and 7
RANKS = {"q1": 1, "q2": 3, "q3": 12, "q4": 7}


def toy():
    qrels = {q: {f"rel-{q}": 1} for q in RANKS}
    rankings = {}
    for q, r in RANKS.items():
        docs = [f"other-{q}-{i:02d}" for i in range(20)]
        docs.insert(r - 1, f"rel-{q}")
        rankings[q] = docs
    return qrels, rankings


def test_measures_match_a_hand_computation():
    qrels, rankings = toy()
    m = evaluate(qrels, run_from_rankings(rankings), list(RANKS.values()))
    assert m.n_queries == 4
    expected = {
        "R@1": 100 * 1 / 4,
        "R@5": 100 * 2 / 4,
        "R@10": 100 * 3 / 4,
        "RR@10": 100 * (1 + 1 / 3 + 0 + 1 / 7) / 4,
        "nDCG@10": 100 * (1 + 1 / math.log2(4) + 0 + 1 / math.log2(8)) / 4,
        "MedR": 5.0,  # median of 1, 3, 7, 12
    }
    assert m.values == pytest.approx(expected)
    assert len(m.curve) == len(CURVE_KS)
    assert m.curve[0] == pytest.approx(25.0) and m.curve[11] == pytest.approx(100.0)  # R@12
    check_against_ranks(m, list(RANKS.values()))


def test_rank_scores_keep_our_order_against_trec_eval_tie_breaking():
    # trec_eval would order equal scores by descending doc id ("b" before "a"); our run
    # carries rank-derived scores so the order we computed ("a" first) is what gets measured
    run = run_from_rankings({"q": ["a", "b"]})
    assert run == {"q": {"a": 10.0, "b": 9.0}}
    m = evaluate({"q": {"a": 1}}, run, [1])
    assert m.values["R@1"] == 100.0


def test_recall_curve_from_ranks_equals_ir_measures():
    import ir_measures

    qrels, rankings = toy()
    run = run_from_rankings(rankings, depth=21)
    m = evaluate(qrels, run, list(RANKS.values()))
    agg = ir_measures.calc_aggregate(
        [ir_measures.parse_measure(f"R@{k}") for k in range(1, 21)], qrels, run
    )
    assert m.curve[:20] == pytest.approx(
        [100 * agg[ir_measures.parse_measure(f"R@{k}")] for k in range(1, 21)]
    )
    assert recall_curve([1, 3], ks=(1, 2, 3)) == [50.0, 50.0, 100.0]


def test_summary_is_mean_and_population_std():
    seeds = [
        SeedMetrics({"R@10": v, "MedR": r}, [v] * len(CURVE_KS))
        for v, r in ((60.0, 2), (70.0, 3), (80.0, 7))
    ]
    s = summarize(seeds)
    assert s["measures"]["R@10"] == {
        "mean": 70.0,
        "std": round(math.sqrt(200 / 3), 4),
        "per_seed": [60.0, 70.0, 80.0],
    }
    assert s["measures"]["MedR"]["mean"] == 4.0
    assert s["recall_curve"]["k"] == list(CURVE_KS) and s["recall_curve"]["mean"][0] == 70.0
    assert np.isclose(s["recall_curve"]["std"][0], np.std([60, 70, 80]))


def test_guards():
    qrels, rankings = toy()
    with pytest.raises(ValueError, match="no ranking"):
        evaluate(qrels, run_from_rankings({"q1": rankings["q1"]}))
    m = evaluate(qrels, run_from_rankings(rankings))
    assert "MedR" not in m.values
    with pytest.raises(RuntimeError):
        check_against_ranks(m, [1, 1, 1, 1])
    with pytest.raises(ValueError):
        median_rank([])
    with pytest.raises(ValueError):
        median_rank([0, 1])


def test_results_table_reports_taste_profiles(tmp_path):
    import json

    from nlrec.evaluation.table import render_extras

    prof = tmp_path / "results" / "profiles"
    prof.mkdir(parents=True)
    (prof / "hetrec.json").write_text(json.dumps({
        "dataset": "hetrec", "boost_success": 99.0, "mute_selectivity": 7.5,
        "recall@50": {"profile": 20.0, "baseline": 16.0, "ratio": 1.25},
        "ndcg@50": {"profile": 10.0, "baseline": 8.0, "ratio": 1.25}}))
    (prof / "broken.json").write_text("{not json")
    md = render_extras(tmp_path)
    assert "## Taste profiles" in md
    assert "| hetrec | 20.0 / 16.0 (1.25x) | 10.0 / 8.0 | 99.0 % | 7.50 |" in md
    assert "broken" not in md


def test_top_k_and_ranks_break_ties_by_row():
    s = np.array([0.5, 0.9, -np.inf, 0.9, 0.1])
    assert top_k_rows(s, 3).tolist() == [1, 3, 0]
    assert top_k_rows(s, 10).tolist() == [1, 3, 0, 4]
    assert ranks_of(s, np.array([3, 4, 1])).tolist() == [2, 4, 1]


def test_recall_ndcg_match_ir_measures():
    ir_measures = pytest.importorskip("ir_measures")
    rng = np.random.default_rng(0)
    qrels, run_, ours = [], [], []
    for q in range(20):
        scores = rng.random(200)
        rel = set(rng.choice(200, size=int(rng.integers(1, 15)), replace=False).tolist())
        top = top_k_rows(scores, 50)
        ours.append(recall_ndcg(top, rel, 50))
        qrels += [ir_measures.Qrel(str(q), str(d), 1) for d in rel]
        run_ += [ir_measures.ScoredDoc(str(q), str(d), float(50 - i)) for i, d in enumerate(top)]
    ref = ir_measures.calc_aggregate([ir_measures.R @ 50, ir_measures.nDCG @ 50], qrels, run_)
    assert np.mean([o[0] for o in ours]) == pytest.approx(ref[ir_measures.R @ 50], abs=1e-9)
    assert np.mean([o[1] for o in ours]) == pytest.approx(ref[ir_measures.nDCG @ 50], abs=1e-9)


def test_per_query_gives_each_query_its_measures():
    pytest.importorskip("ir_measures")
    qrels = {"q1": {"a": 1}, "q2": {"c": 1}}
    run_ = run_from_rankings({"q1": ["a", "b"], "q2": ["a", "b", "c"]})
    pq = per_query(qrels, run_, ["RR@10", "P@1"])
    assert pq["q1"] == {"RR@10": 100.0, "P@1": 100.0}
    assert pq["q2"]["RR@10"] == pytest.approx(100 / 3) and pq["q2"]["P@1"] == 0.0
