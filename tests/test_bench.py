from __future__ import annotations

import numpy as np

from nlrec.encoders.dense import load_encoder
from nlrec.encoders.faiss_dense import build_faiss, hnsw_of, tune_ef_search
from nlrec.evaluation import speed as B


def test_recombined_sets_unique_and_real_first():
    real = ["a, b", "c", "d, e, f"]
    out = B.recombined_sets(real, 8, seed=0)
    assert out[:3] == real and len(out) == len(set(out)) == 8
    for s in out[3:]:
        assert set(s.split(", ")) <= {"a", "b", "c", "d", "e", "f"}
    import pytest

    with pytest.raises(ValueError, match="cannot make 500 distinct"):
        B.recombined_sets(["a", "b"], 500)


def test_derived_vectors_are_unit_and_keep_real():
    rng = np.random.default_rng(0)
    real = rng.standard_normal((20, 8)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    out = B.derived_vectors(real, 50)
    assert out.shape == (50, 8) and np.allclose(out[:20], real)
    assert np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)


def test_ef_search_tuning_reaches_target():
    rng = np.random.default_rng(3)
    centers = rng.standard_normal((50, 16))
    x = (centers[rng.integers(0, 50, 4000)] + 0.3 * rng.standard_normal((4000, 16))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    index = build_faiss(x, "HNSW16,Flat")
    ef = hnsw_of(index).efSearch
    assert ef == tune_ef_search(index, x)
    q = x[:100] + x[100:200]
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    _, got = index.search(q, 10)
    exact = np.argsort(-(q @ x.T), axis=1)[:, :10]
    recall = np.mean([len(set(g) & set(e)) / 10 for g, e in zip(got.tolist(), exact.tolist())])
    assert recall >= 0.95


def test_memory_index_latency_and_recall(tiny_model):
    enc = load_encoder(str(tiny_model))
    texts = B.recombined_sets(["calm, piano", "steel drums, upbeat", "heavy metal, aggressive", "synth, night",
                           "jazz", "folk, banjo", "lofi"], 40)
    vecs = enc.encode(texts)
    idx = B.memory_index(texts, vecs, enc)
    assert B.hnsw_recall(idx, vecs, enc.encode(["calm piano"])) is None  # exact index
    lat = B.bench_latency(idx, ["calm piano", "metal"], repeats=1)
    assert lat["timed_queries"] == 2 and lat["p50_ms"] > 0
    hnsw = B.memory_index(texts, vecs, enc, factory="HNSW8,Flat")
    assert 0.0 <= B.hnsw_recall(hnsw, vecs, enc.encode(["calm piano", "metal"])) <= 1.0


def test_bm25_bench_small():
    docs = B.recombined_sets(["calm, piano", "steel drums, upbeat", "heavy metal", "jazz", "folk", "lofi"], 30)
    out = B.bench_bm25(docs, ["calm piano", "metal"])
    assert out["n_documents"] == 30 and out["bm25s_p50_ms"] > 0 and out["speedup_vs_rank_bm25"] > 0


def test_bench_update_keeps_unmeasured_parts_and_report_renders(tmp_path):
    import json

    from click.testing import CliRunner

    from nlrec.cli import cli

    out = tmp_path / "bench.json"
    row = {"n": 10, "vectors": "real embeddings", "factory": "Flat", "faiss_build_s": 0.1, "recall_at_10": None,
           "p50_ms": 5.0, "p99_ms": 9.0, "encode_p50_ms": 4.0, "numpy_exact_scan_p50_ms": 0.1,
           "measured_at": "2026-01-01T10:00:00", "load": "0.5 -> 0.6"}
    out.write_text(json.dumps({"latency": {"10": row}, "bm25": {"n_documents": 5, "bm25s_p50_ms": 1.0,
                                                                   "bm25s_p99_ms": 2.0}}))
    r = CliRunner().invoke(cli, ["bench", "--update", "--skip", "cold", "--skip", "latency", "--skip", "build",
                                 "--skip", "bm25", "--skip", "open", "-o", str(out)])
    assert r.exit_code == 0, r.output
    kept = json.loads(out.read_text())
    assert kept["latency"]["10"] == row and kept["bm25"]["bm25s_p50_ms"] == 1.0 and kept["real_descriptor_sets"] > 0
    md = B.render_bench_markdown(kept)
    assert "10 items 2026-01-01 10:00 (0.5 -> 0.6)" in md and "| warm query, 10 items" in md
    assert "BM25 query, 5 docs | p50 1.0 ms" in md
    r = CliRunner().invoke(cli, ["bench", "--skip", "cold", "--skip", "latency", "--skip", "build",
                                 "--skip", "bm25", "--skip", "open", "-o", str(out)])
    assert r.exit_code == 0 and "latency" not in json.loads(out.read_text())  # without --update: replaced


def test_bench_open_measures_lazy_and_parse_all(tiny_model):
    out = B.bench_open(["calm, piano", "heavy metal, aggressive", "steel drums"], 40, runs=1, model=str(tiny_model))
    assert out["n_tracks"] == 40 and out["n_documents"] == 3
    assert out["cold_query_s"] > 0 and out["parse_all_cold_query_s"] > 0 and out["ratio_vs_parse_all"] > 0
    md = B.render_bench_markdown({"open": out})
    assert "40-track index (3 unique sets)" in md
