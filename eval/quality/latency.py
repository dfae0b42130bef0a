"""Warm latency of the default search with and without descriptor-level matching, in one run, on a
100k-set catalog (real descriptor sets recombined to 100k, vectors derived from real embeddings,
as `nlrec bench`'s latency rows), for the 30 everyday requests of the speed benchmark.

    python eval/quality/latency.py [--n 100000] [--out eval/results/quality_latency.json]

Request n-grams are embedded with the same encoder as the requests (PyTorch music-minilm here,
the slow path: an ONNX query encoder makes the late side cheaper, never dearer).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--embed", type=int, default=3000, help="sets embedded for real (the rest derived)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--out", default="eval/results/quality_latency.json")
    a = ap.parse_args(argv)
    from nlrec.encoders.dense import load_encoder
    from nlrec.encoders.late import LateRetriever
    from nlrec.evaluation.speed.catalogs import (
        EVERYDAY_QUERIES,
        derived_vectors,
        memory_index,
        real_descriptor_sets,
        recombined_sets,
    )


    enc = load_encoder("music-minilm")
    real = real_descriptor_sets(a.data_dir)
    texts = recombined_sets(real, a.n)
    seed_vecs = np.asarray(enc.encode(texts[: a.embed]), dtype=np.float32)
    index = memory_index(texts, derived_vectors(seed_vecs, len(texts)), enc)
    late = LateRetriever(texts, lambda t: enc.encode(list(t)), vectors=None)
    # the vocabulary's vectors: real for the first descriptors, derived for the rest (their values do
    # not change the work a search does)
    vocab_real = np.asarray(enc.encode(late._forms[: a.embed]), dtype=np.float32)
    late._vectors = derived_vectors(vocab_real, len(late.vocabulary))
    index._retrievers["late"] = late
    rows = {}
    seen: dict[str, np.ndarray] = {}

    def cached(texts):  # what a long-running process does (nlrec serve): n-grams met before are not re-embedded
        missing = [t for t in dict.fromkeys(texts) if t not in seen]
        if missing:
            seen.update(zip(missing, np.asarray(enc.encode(missing), dtype=np.float32)))
        return np.stack([seen[t] for t in texts])

    for name, lw in (("hybrid, late off (before)", 0.0), ("hybrid, late on (default)", 1.0),
                     ("hybrid, late off (again)", 0.0), ("hybrid, late on, n-grams cached", 1.0)):
        if "cached" in name:
            late.vectors_of = cached
        t0 = time.perf_counter()
        r = bench_latency_opts(index, EVERYDAY_QUERIES, a.repeats, late_weight=lw)
        r["seconds"] = round(time.perf_counter() - t0, 1)
        rows[name] = r
        print(name, r, flush=True)
    base = np.mean([rows["hybrid, late off (before)"]["p50_ms"], rows["hybrid, late off (again)"]["p50_ms"]])
    out = {"n_sets": len(texts), "vocabulary": len(late.vocabulary), "rows": rows,
           "p50_ratio_late_on_vs_off": round(rows["hybrid, late on (default)"]["p50_ms"] / base, 2),
           "p50_ratio_late_on_cached_vs_off": round(rows["hybrid, late on, n-grams cached"]["p50_ms"] / base, 2)}
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))



def bench_latency_opts(index, queries, repeats, **options):
    from nlrec.evaluation.speed.measure import percentile
    from nlrec.search import search

    search(index, queries[0], k=10, mode="hybrid", **options)
    times = []
    for _ in range(repeats):
        for q in queries:
            t0 = time.perf_counter()
            search(index, q, k=10, mode="hybrid", **options)
            times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(percentile(times, 50), 2), "p99_ms": round(percentile(times, 99), 2),
            "timed_queries": len(times)}


if __name__ == "__main__":
    main()
