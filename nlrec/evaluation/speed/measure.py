"""The speed benchmark's measurements; each figure comes with a baseline measured in the same run."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.evaluation.speed.catalogs import EVERYDAY_QUERIES, derived_vectors, memory_index

if TYPE_CHECKING:
    from nlrec.encoders.base import DenseEncoder
    from nlrec.index import Index


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def median_wall(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
        times.append(time.perf_counter() - t0)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {out.stderr.strip()[-300:]}")
    return statistics.median(times), times


def bench_cold(runs: int = 5, query: str = "upbeat steel drum") -> dict[str, Any]:
    """Cold CLI wall time (a new process each run) vs importing sentence-transformers alone."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    exe = [sys.executable, "-m", "nlrec"]
    subprocess.run(exe + ["query", "warm up", "-k", "1", "--json"], capture_output=True, env=env, timeout=900)
    out: dict[str, Any] = {}
    for mode in ("hybrid", "dense", "bm25"):
        med, times = median_wall(exe + ["query", query, "--mode", mode, "--json"], runs, env)
        out[f"query_{mode}_s"] = round(med, 3)
        out[f"query_{mode}_runs"] = [round(t, 3) for t in times]
    negated = exe + ["query", "relaxing piano without vocals", "--json"]
    med, times = median_wall(negated, runs, env)
    out["query_negated_s"] = round(med, 3)
    out["query_negated_runs"] = [round(t, 3) for t in times]
    med, times = median_wall(exe + ["--help"], runs, env)
    out["help_s"] = round(med, 3)
    med, times = median_wall([sys.executable, "-c", "import sentence_transformers"], max(3, runs // 2), env)
    out["import_sentence_transformers_s"] = round(med, 3)
    out["ratio_query_hybrid_vs_import"] = round(out["query_hybrid_s"] / med, 3)
    return out


def hnsw_recall(index: Index, vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> float | None:
    """Recall@k of the index's FAISS search against exact inner product (None if exact)."""
    faiss_index = index.retriever("dense").index
    if index.manifest.factory == "Flat":
        return None
    _, got = faiss_index.search(queries, k)
    hits = 0
    for qi in range(len(queries)):
        sims = vectors @ queries[qi]
        exact = np.argpartition(-sims, k)[:k]
        hits += len(set(got[qi].tolist()) & set(exact.tolist()))
    return hits / (k * len(queries))


def bench_latency(index: Index, queries: Sequence[str], *, mode: str = "dense", repeats: int = 3) -> dict[str, float]:
    """p50 / p99 milliseconds of ``index.search`` for single queries (after one warm-up)."""
    from nlrec.search import search

    search(index, queries[0], k=10, mode=mode)
    times, timed = [], []
    for _ in range(repeats):
        for q in queries:
            t0 = time.perf_counter()
            search(index, q, k=10, mode=mode)
            times.append((time.perf_counter() - t0) * 1000)
            timed.append(q)
    slowest = sorted(zip(times, timed), reverse=True)[:3]
    return {"p50_ms": round(percentile(times, 50), 3), "p99_ms": round(percentile(times, 99), 3),
            "timed_queries": len(times), "slowest": [[q, round(t, 1)] for t, q in slowest]}


def bench_build(texts: Sequence[str], model: str = "default") -> dict[str, Any]:
    """Index build throughput vs raw encoder throughput on the same unique descriptor sets."""
    import tempfile

    from nlrec.catalog import Catalog
    from nlrec.encoders.dense import load_encoder
    from nlrec.index import build_index

    enc = load_encoder(model)
    enc.encode(["warm up"])

    def raw() -> float:
        t0 = time.perf_counter()
        enc.encode(list(texts), batch_size=64)
        return time.perf_counter() - t0

    cat = Catalog.from_records([{"id": f"b{i}", "descriptors": t.split(", ")} for i, t in enumerate(texts)])
    before = raw()  # raw runs before and after the build: a shared machine's load drifts
    with tempfile.TemporaryDirectory() as home:
        t0 = time.perf_counter()
        build_index(cat, "bench", encoder=enc, home=Path(home))
        build_s = time.perf_counter() - t0
    after = raw()
    raw_s = (before + after) / 2
    return {
        "n_documents": len(texts),
        "raw_encoder_s": [round(before, 2), round(after, 2)],
        "build_s": round(build_s, 2),
        "raw_encoder_docs_per_s": round(len(texts) / raw_s, 1),
        "build_docs_per_s": round(len(texts) / build_s, 1),
        "ratio_build_vs_raw": round(raw_s / build_s, 3),
    }


def bench_open(real: Sequence[str], n_tracks: int = 1_000_000, *, runs: int = 3,
               model: str = "default") -> dict[str, Any]:
    """Cold ``nlrec query`` on a big catalog: tracks read lazily vs every track parsed at open.

    The catalog has ``n_tracks`` tracks cycling through the real descriptor sets, so it measures
    what grows with the track count (opening the index, assembling hits), not the ANN search.
    The baseline is the same index without ``tracks.offsets.npy`` / ``track_doc.npy``: the format
    before them, where opening parsed all of ``tracks.jsonl``.
    """
    import tempfile

    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    recs = [{"id": f"t{i}", "title": f"Song {i}", "artist": f"Artist {i % 5000}",
             "descriptors": real[i % len(real)].split(", ")} for i in range(n_tracks)]
    cat = Catalog.from_records(recs, source=f"bench-{n_tracks}")
    del recs
    with tempfile.TemporaryDirectory(prefix="nlrec-bench-open-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "NLREC_HOME": str(home)}
        t0 = time.perf_counter()
        built = build_index(cat, "big", model=model, home=home)
        index_dir = built.path  # the generation directory
        built.close()
        out: dict[str, Any] = {"n_tracks": n_tracks, "n_documents": len(set(t.text for t in cat.tracks)),
                               "build_s": round(time.perf_counter() - t0, 1)}
        del cat
        cmd = [sys.executable, "-m", "nlrec", "query", "calm piano for studying", "--index", "big", "--json"]
        subprocess.run(cmd, capture_output=True, env=env, timeout=900)  # warm the page cache
        med, times = median_wall(cmd, runs, env)
        out["cold_query_s"], out["cold_query_runs"] = round(med, 3), [round(t, 3) for t in times]
        manifest = json.loads((index_dir / "manifest.json").read_text())
        for name in ("tracks.offsets.npy", "track_doc.npy"):
            (index_dir / name).unlink()
            manifest["files"].pop(name, None)
        (index_dir / "manifest.json").write_text(json.dumps(manifest))
        _repoint(index_dir)
        med, times = median_wall(cmd, runs, env)
        out["parse_all_cold_query_s"], out["parse_all_runs"] = round(med, 3), [round(t, 3) for t in times]
    out["ratio_vs_parse_all"] = round(out["cold_query_s"] / out["parse_all_cold_query_s"], 3)
    return out


def _repoint(generation: Path) -> None:
    """After editing a generation's manifest by hand, record its new checksum in the pointer."""
    from nlrec.index.generations import Pointer, read_pointer, write_pointer
    from nlrec.io import sha256_file

    root = generation.parent
    ptr = read_pointer(root)
    write_pointer(root, Pointer(ptr.generation, ptr.directory, sha256_file(generation / "manifest.json")))


def bench_bm25(texts: Sequence[str], queries: Sequence[str], *, rank_bm25_queries: int = 5) -> dict[str, Any]:
    """bm25s (as nlrec uses it) vs rank-bm25 single-query latency on the same documents."""
    from nlrec.encoders.sparse import BM25Retriever

    t0 = time.perf_counter()
    ours = BM25Retriever.build(texts)
    build_s = time.perf_counter() - t0
    ours.search([queries[0]], 10)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        ours.search([q], 10)
        times.append((time.perf_counter() - t0) * 1000)
    out: dict[str, Any] = {"n_documents": len(texts), "bm25s_build_s": round(build_s, 2),
                           "bm25s_p50_ms": round(percentile(times, 50), 3),
                           "bm25s_p99_ms": round(percentile(times, 99), 3)}
    try:
        import rank_bm25
    except ImportError:
        return out
    corpus = ours.tokenize(texts)
    ref = rank_bm25.BM25Okapi(corpus)
    rtimes = []
    for q in queries[:rank_bm25_queries]:
        tokens = ours.tokenize([q])[0]
        t0 = time.perf_counter()
        np.argsort(-ref.get_scores(tokens))[:10]
        rtimes.append((time.perf_counter() - t0) * 1000)
    out["rank_bm25_p50_ms"] = round(percentile(rtimes, 50), 3)
    out["speedup_vs_rank_bm25"] = round(out["rank_bm25_p50_ms"] / out["bm25s_p50_ms"], 1)
    return out


def latency_row(n: int, texts: Sequence[str], vectors: np.ndarray, query_vectors: np.ndarray, encoder: DenseEncoder, *,
                embed_up_to: int) -> dict[str, Any]:
    """Warm query latency at catalog size ``n``: the FAISS build, HNSW recall@10, end-to-end p50 /
    p99, the encoder alone, and a numpy exact scan as baselines.

    Args:
        n: catalog size; above ``embed_up_to`` the vectors are derived from real embeddings.
        texts: the embedded descriptor sets (at least ``min(n, embed_up_to)``).
        vectors: their embeddings.
        query_vectors: embeddings of :data:`EVERYDAY_QUERIES`.
        encoder: the query encoder.
        embed_up_to: the largest size embedded for real.
    """
    from nlrec.encoders.faiss_dense import hnsw_of
    from nlrec.negation.semantic import clear_vector_caches

    # negated requests embed their candidates' descriptors: each size starts without the vectors
    # earlier sizes left in memory, as a process meeting these descriptors first
    clear_vector_caches()
    derived = n > embed_up_to
    v = derived_vectors(vectors, n) if derived else vectors[:n]
    t = list(texts[:n]) if not derived else list(texts) + [texts[i % len(texts)] for i in range(len(texts), n)]
    t0 = time.perf_counter()
    idx = memory_index(t, v, encoder)
    build_s = time.perf_counter() - t0
    row: dict[str, Any] = {
        "n": n,
        "vectors": "derived from real embeddings" if derived else "real embeddings",
        "factory": idx.manifest.factory,
        "faiss_build_s": round(build_s, 1),
    }
    hn = hnsw_of(idx.retriever("dense").index)
    if hn is not None:
        row["efSearch"] = int(hn.efSearch)
    row["recall_at_10"] = hnsw_recall(idx, v, query_vectors)
    row.update(bench_latency(idx, EVERYDAY_QUERIES, mode="dense"))
    enc_times = []
    for q in EVERYDAY_QUERIES:
        t0 = time.perf_counter()
        encoder.encode([q])
        enc_times.append((time.perf_counter() - t0) * 1000)
    row["encode_p50_ms"] = round(percentile(enc_times, 50), 3)
    exact_t = []
    for qv in query_vectors[:10]:
        t0 = time.perf_counter()
        s = v @ qv
        np.argpartition(-s, 10)[:10]
        exact_t.append((time.perf_counter() - t0) * 1000)
    row["numpy_exact_scan_p50_ms"] = round(percentile(exact_t, 50), 3)
    return row

