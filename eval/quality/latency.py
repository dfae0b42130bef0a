"""Warm latency of the default search with and without descriptor-level matching, in one run, on a
100k-set catalog (real descriptor sets recombined to 100k, as `nlrec bench`'s latency rows), for
the 30 everyday requests of the speed benchmark.

    python eval/quality/latency.py [--n 100000] [--out eval/results/quality_latency.json]

The descriptor vocabulary of the catalog is embedded for real (once; ``--cache`` keeps the vectors
between runs), the set vectors are derived from real embeddings. Request words are embedded
through the same text -> vector cache as a loaded index (`nlrec.negation.semantic._vector_cache`):
the "new words" rows empty it before every request, so each request pays for embedding every
word the catalog does not use (the worst case); the "words seen" rows keep it (a server that has
met the words before). The dense side's recent-query cache is emptied before every request in
every row, so each request is new to it (the 30 requests repeat). Rows alternate so that load on the machine hits every row alike.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

# One BLAS thread, as `nlrec query` and the server's search processes run: with OpenBLAS' own pool
# beside PyTorch's on 2 cores, every row's p50 rose to 40-60 ms and the rows' order was noise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--embed", type=int, default=3000, help="sets embedded for real (the rest derived)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--cache", default="/tmp/nlrec-latency-cache", help="where the vocabulary's vectors are kept")
    ap.add_argument("--out", default="eval/results/quality_latency.json")
    a = ap.parse_args(argv)
    from nlrec.encoders.cache import EmbeddingCache
    from nlrec.encoders.dense import load_encoder
    from nlrec.encoders.late import LateRetriever
    from nlrec.evaluation.speed.catalogs import (
        EVERYDAY_QUERIES,
        derived_vectors,
        embed_cached,
        memory_index,
        real_descriptor_sets,
        recombined_sets,
    )

    enc = load_encoder("music-minilm")
    real = real_descriptor_sets(a.data_dir)
    texts = recombined_sets(real, a.n)
    seed_vecs = np.asarray(enc.encode(texts[: a.embed]), dtype=np.float32)
    index = memory_index(texts, derived_vectors(seed_vecs, len(texts)), enc)
    cache = EmbeddingCache(enc)  # in memory, as a loaded index's
    words = LateRetriever(texts, lambda t: cache.encode(list(t)))
    words._vectors = embed_cached(enc, words._forms, Path(a.cache))
    t0 = time.perf_counter()
    words.link()  # what an index build saves (late/neighbours.npz)
    link_seconds = round(time.perf_counter() - t0, 1)
    every = LateRetriever(texts, lambda t: enc.encode(list(t)), vectors=words._vectors, phrases="all")

    variants = {
        "hybrid, late off (before)": (None, 0.0, False),
        "hybrid, late on, every n-gram embedded (last round's default)": (every, 1.0, False),
        "hybrid, late on, new words (default)": (words, 1.0, True),
        "hybrid, late on, words seen (default)": (words, 1.0, False),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    from nlrec.search import search

    for late, lw, _ in variants.values():  # warm every path once
        if late is not None:
            index._retrievers["late"] = late
        search(index, EVERYDAY_QUERIES[0], k=10, mode="hybrid", late_weight=lw)
    dense = index.retriever("dense")
    t_start = time.perf_counter()
    for _ in range(a.repeats):
        for q in EVERYDAY_QUERIES:
            for name, (late, lw, fresh) in variants.items():
                if late is not None:
                    index._retrievers["late"] = late
                dense._recent.clear()  # every request is new to the dense side (no query-vector reuse)
                if fresh:
                    cache.clear()
                t0 = time.perf_counter()
                search(index, q, k=10, mode="hybrid", late_weight=lw)
                times[name].append((time.perf_counter() - t0) * 1000)
    from nlrec.evaluation.speed.measure import percentile

    rows = {name: {"p50_ms": round(percentile(t, 50), 2), "p99_ms": round(percentile(t, 99), 2),
                   "timed_queries": len(t)} for name, t in times.items()}
    base = rows["hybrid, late off (before)"]["p50_ms"]
    out = {"n_sets": len(texts), "vocabulary": len(words.vocabulary), "seconds": round(time.perf_counter() - t_start, 1),
           "link_seconds": link_seconds, "neighbours": int(len(words._neighbours[1])),
           "rows": rows,
           "p50_ratio_vs_late_off": {name: round(r["p50_ms"] / base, 2) for name, r in rows.items()}}
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
