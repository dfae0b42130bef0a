"""Speed benchmarks: every figure is printed beside a baseline measured in the same run.

* cold CLI: ``nlrec query`` wall time vs ``python -c "import sentence_transformers"``;
* warm end-to-end query latency (encode + search + hit assembly), p50 / p99, at several catalog
  sizes, with the HNSW recall@10 against exact search;
* index build throughput vs the raw encoder's throughput on the same unique descriptor sets;
* BM25 query latency (bm25s) vs rank-bm25.

Catalogs come from real descriptor sets (MusicCaps aspect lists, MTT and MSD tag sets, the
demo catalog, HetRec artists, Yes.com songs). Larger sizes than the real sets provide add
*recombined* real sets (a real set with some descriptors swapped for another's, embedded for
real); at 1M the vectors are *derived* from real embeddings (normalised sums of two real
embeddings), as the report says.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

EVERYDAY_QUERIES = [
    "upbeat steel drum", "calm piano for studying", "aggressive metal", "relaxing piano without vocals",
    "sad acoustic guitar with female vocals", "workout music high energy", "romantic dinner jazz",
    "lofi beats to study to", "80s synthwave night drive", "happy ukulele", "dark techno",
    "christmas songs", "sleep music", "party dance hits", "classical string quartet",
    "reggae summer vibes", "epic orchestral trailer music", "coffee shop acoustic",
    "something chill for a rainy sunday", "songs to cry to", "old school hip hop",
    "music for a road trip with friends", "meditation music with no drums", "female vocal soul ballad",
    "fast punk rock", "ambient drone for focus", "latin dance with trumpets", "country with banjo",
    "electronic dance music with heavy bass", "soft lullaby for a baby",
]


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def _median_wall(cmd: list[str], runs: int, env: dict[str, str]) -> tuple[float, list[float]]:
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
        med, times = _median_wall(exe + ["query", query, "--mode", mode, "--json"], runs, env)
        out[f"query_{mode}_s"] = round(med, 3)
        out[f"query_{mode}_runs"] = [round(t, 3) for t in times]
    negated = exe + ["query", "relaxing piano without vocals", "--json"]
    med, times = _median_wall(negated, runs, env)
    out["query_negated_s"] = round(med, 3)
    out["query_negated_runs"] = [round(t, 3) for t in times]
    med, times = _median_wall(exe + ["--help"], runs, env)
    out["help_s"] = round(med, 3)
    med, times = _median_wall([sys.executable, "-c", "import sentence_transformers"], max(3, runs // 2), env)
    out["import_sentence_transformers_s"] = round(med, 3)
    out["ratio_query_hybrid_vs_import"] = round(out["query_hybrid_s"] / med, 3)
    return out


# --------------------------------------------------------------------------- catalogs
def real_descriptor_sets(data_dir: str | os.PathLike | None) -> list[str]:
    """Unique descriptor-set strings from the demo catalog and, when present, the public data.

    The public pool is MusicCaps aspect lists, MTT and MSD tag sets, HetRec Last.fm artists'
    tag sets and Yes.com songs' Last.fm tag sets (about 31,000 unique sets in all).
    """
    from nlrec.catalog.demo import demo_catalog

    texts = [t.text for t in demo_catalog().tracks]
    if data_dir is not None:
        from nlrec.catalog.datasets import load_dataset
        from nlrec.profiles.datasets import load_listening

        for name in ("musiccaps", "mtt", "msd"):
            try:
                texts += [t.text for t in load_dataset(name, data_dir).tracks]
            except Exception:  # noqa: BLE001 - a missing dataset only shrinks the pool
                pass
        for name in ("hetrec", "yes"):
            try:
                texts += load_listening(name, data_dir).texts
            except Exception:  # noqa: BLE001
                pass
    return list(dict.fromkeys(t for t in texts if t.strip()))


def recombined_sets(real: Sequence[str], n: int, seed: int = 0) -> list[str]:
    """``n`` unique strings: the real sets first, then recombinations of real sets.

    A recombination takes a random real set and swaps up to half of its descriptors (at least
    one) for descriptors of another random real set, sometimes adding one more, so the extra
    catalog entries keep the real sets' length and vocabulary.

    Raises:
        ValueError: if the pool is too small to make ``n`` distinct strings.
    """
    rng = np.random.default_rng(seed)
    out = dict.fromkeys(real[:n])
    split = [s.split(", ") for s in real]
    misses = 0
    while len(out) < n:
        base = list(split[int(rng.integers(len(split)))])
        donor = split[int(rng.integers(len(split)))]
        for pos in rng.choice(len(base), int(rng.integers(1, max(1, len(base) // 2) + 1)), replace=False):
            base[pos] = donor[int(rng.integers(len(donor)))]
        if rng.random() < 0.5:
            base.append(donor[int(rng.integers(len(donor)))])
        before = len(out)
        out.setdefault(", ".join(dict.fromkeys(base)), None)
        misses = misses + 1 if len(out) == before else 0
        if misses > 10_000:
            raise ValueError(f"cannot make {n} distinct descriptor sets from {len(real)} real ones")
    return list(out)


def derived_vectors(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` unit vectors: the real ones, then normalised sums of two random real vectors."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    m = min(n, len(real))
    out[:m] = real[:m]
    for start in range(m, n, 100_000):
        end = min(n, start + 100_000)
        a, b = rng.integers(0, len(real), end - start), rng.integers(0, len(real), end - start)
        v = real[a] + real[b]
        out[start:end] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def embed_cached(encoder: Any, texts: Sequence[str], cache: Path,
                 progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Embed ``texts`` once; later runs load ``cache`` (keyed by encoder and texts)."""
    import hashlib

    key = hashlib.sha256((encoder.fingerprint() + "\n".join(texts)).encode()).hexdigest()[:16]
    path = cache / f"emb-{key}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False)
    vecs = encoder.encode(list(texts), batch_size=32, progress=progress)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs, allow_pickle=False)
    return vecs


# --------------------------------------------------------------------------- warm latency
def memory_index(texts: Sequence[str], vectors: np.ndarray, encoder: Any, factory: str = "auto") -> Any:
    """An in-memory :class:`~nlrec.index.Index` over ``texts`` (one track per text)."""
    from nlrec.encoders.faiss_dense import DenseRetriever, auto_factory, build_faiss
    from nlrec.index import Index

    fac = auto_factory(len(texts)) if factory == "auto" else factory
    return Index.in_memory(texts, encoder=encoder, factory=fac,
                           retrievers={"dense": DenseRetriever(encoder, build_faiss(vectors, fac))})


def hnsw_recall(index: Any, vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> float | None:
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


def bench_latency(index: Any, queries: Sequence[str], *, mode: str = "dense", repeats: int = 3) -> dict[str, float]:
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
        med, times = _median_wall(cmd, runs, env)
        out["cold_query_s"], out["cold_query_runs"] = round(med, 3), [round(t, 3) for t in times]
        manifest = json.loads((index_dir / "manifest.json").read_text())
        for name in ("tracks.offsets.npy", "track_doc.npy"):
            (index_dir / name).unlink()
            manifest["files"].pop(name, None)
        (index_dir / "manifest.json").write_text(json.dumps(manifest))
        _repoint(index_dir)
        med, times = _median_wall(cmd, runs, env)
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


def write_report(results: dict[str, Any], path: str | os.PathLike) -> None:
    from nlrec.io import write_json

    write_json(path, results)


def load_report(path: str | os.PathLike) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def render_bench_markdown(r: dict[str, Any]) -> str:
    """The speed section of ``eval/RESULTS.md`` from a ``nlrec bench`` results object."""
    t = r.get("targets", {})
    ok = lambda good: "met" if good else "**not met**"  # noqa: E731
    cpus = r.get("machine", {}).get("cpus", "?")
    parts = [("cold CLI", r.get("cold"))] + [(f"{int(n):,} items", row) for n, row in (r.get("latency") or {}).items()]
    parts += [("build", r.get("build")), ("BM25", r.get("bm25")), ("big index", r.get("open"))]
    stamps = [f"{name} {p['measured_at'].replace('T', ' ')[:16]} ({p['load']})"
              for name, p in parts if p and "measured_at" in p]
    if stamps:
        when = (f"Measured on {cpus} CPUs, each part with its 1-minute load average (start -> end): "
                + "; ".join(stamps) + ".")
    else:
        when = (f"Measured {r.get('started', '?')} on {cpus} CPUs"
                + (f", load average {r['load']}" if r.get("load") else "") + ".")
    lines = ["## Speed (`nlrec bench`)", "", when + " Medians unless noted.", ""]
    lines += ["| measure | value | baseline / target | verdict |", "|---|---|---|---|"]
    c = r.get("cold")
    if c:
        lines.append(f"| cold `nlrec query` (hybrid, demo catalog) | {c['query_hybrid_s']:.2f} s | "
                     f"import sentence_transformers {c['import_sentence_transformers_s']:.2f} s "
                     f"(ratio {c['ratio_query_hybrid_vs_import']:.2f}); target <= {t.get('cold_query_s', 1.0)} s | "
                     f"{ok(c['query_hybrid_s'] <= t.get('cold_query_s', 1.0))} |")
        lines.append(f"| cold `nlrec query --mode dense` / `bm25` | {c['query_dense_s']:.2f} s / "
                     f"{c['query_bm25_s']:.2f} s | | |")
        if "query_negated_s" in c:
            lines.append(f"| cold `nlrec query \"relaxing piano without vocals\"` (hybrid, negation filter; candidate descriptor vectors on disk from an earlier query) | "
                         f"{c['query_negated_s']:.2f} s | | |")
        lines.append(f"| `nlrec --help` | {c['help_s']:.2f} s | | |")
        for o in c.get("other_runs", []):
            lines.append(f"| cold `nlrec query`, another run ({o['measured_at'].replace('T', ' ')[:16]}) | "
                         f"{o['query_hybrid_s']:.2f} s (dense {o['query_dense_s']:.2f} s"
                         + (f", negated {o['query_negated_s']:.2f} s" if "query_negated_s" in o else "")
                         + ") | import "
                         f"sentence_transformers {o['import_sentence_transformers_s']:.2f} s (ratio "
                         f"{o['ratio_query_hybrid_vs_import']:.2f}) | "
                         f"{ok(o['query_hybrid_s'] <= t.get('cold_query_s', 1.0))} |")
    for n, row in (r.get("latency") or {}).items():
        target = t.get("p50_ms_1m", 15.0) if int(n) >= 1_000_000 else t.get("p50_ms_100k", 10.0)
        rec = row.get("recall_at_10")
        rec_s = "exact" if rec is None else f"recall@10 {rec:.3f} (target >= {t.get('recall_at_10', 0.98)})"
        good = row["p50_ms"] <= target and (rec is None or rec >= t.get("recall_at_10", 0.98))
        lines.append(
            f"| warm query, {int(n):,} items ({row['vectors']}; {row['factory']}"
            + (f", efSearch {row['efSearch']}" if "efSearch" in row else "")
            + (f"; FAISS build {row['faiss_build_s']:.0f} s" if row.get("faiss_build_s", 0) >= 1 else "")
            + f") | p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms (encode {row['encode_p50_ms']:.1f} ms) | "
            f"numpy exact scan alone {row['numpy_exact_scan_p50_ms']:.1f} ms; {rec_s}; p50 target <= {target:.0f} ms | "
            f"{ok(good)} |")
    b = r.get("build")
    if b:
        lines.append(f"| index build throughput, {b['n_documents']:,} sets | {b['build_docs_per_s']:.1f} sets/s | "
                     f"raw encoder {b['raw_encoder_docs_per_s']:.1f} sets/s (ratio {b['ratio_build_vs_raw']:.2f}); "
                     f"target >= {t.get('build_ratio', 0.9)} | {ok(b['ratio_build_vs_raw'] >= t.get('build_ratio', 0.9))} |")
    o = r.get("open")
    if o:
        lines.append(f"| cold `nlrec query`, {o['n_tracks']:,}-track index ({o['n_documents']:,} unique sets) | "
                     f"{o['cold_query_s']:.2f} s (tracks read lazily) | every track parsed at open (the earlier "
                     f"format) {o['parse_all_cold_query_s']:.1f} s (ratio {o['ratio_vs_parse_all']:.2f}); no target | |")
    m = r.get("bm25")
    if m:
        ref = (f"rank-bm25 {m['rank_bm25_p50_ms']:.0f} ms ({m['speedup_vs_rank_bm25']:.0f}x); "
               if "rank_bm25_p50_ms" in m else "")
        lines.append(f"| BM25 query, {m['n_documents']:,} docs | p50 {m['bm25s_p50_ms']:.1f} ms, "
                     f"p99 {m['bm25s_p99_ms']:.1f} ms | {ref}target <= {t.get('bm25_p50_ms_1m', 15.0):.0f} ms | "
                     f"{ok(m['bm25s_p50_ms'] <= t.get('bm25_p50_ms_1m', 15.0))} |")
    if r.get("latency"):
        lines += ["", "Warm latency times 30 everyday requests, 3 times each, after one warm-up query, "
                  "dense mode (encode + search + hit assembly), FAISS on one thread, the ONNX encoder on two. The FAISS build time "
                  "includes tuning efSearch. Slowest requests (the p99 end):"]
        for n, row in r["latency"].items():
            if row.get("slowest"):
                lines.append(f"- {int(n):,} items: " + ", ".join(f"\"{q}\" {ms:.0f} ms" for q, ms in row["slowest"]))
    n_real = r.get("real_descriptor_sets")
    lines += ["", "Catalogs are built from real descriptor sets (MusicCaps, MTT, MSD, HetRec artists, "
              "Yes.com songs, demo" + (f"; {n_real:,} unique" if n_real else "") + "). Beyond the real "
              "pool, sets embedded for real are recombinations of real sets (a real set with some "
              "descriptors swapped for another's); rows marked derived use vectors derived from real "
              "embeddings (normalised sums of two). Regenerate: `nlrec bench --data-dir ../shared/data`.", ""]
    return "\n".join(lines)
