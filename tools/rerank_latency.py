"""Latency of ``nlrec query --rerank N``: the same requests with and without the reranker, one
request at a time, in one process (warm searchers), interleaved so both see the same machine load.

    OMP_NUM_THREADS=1 python tools/rerank_latency.py --reranker gpl/runs/mtt-train/teacher \
        --data-dir ../shared/data --requests 50 --out eval/training/rerank-latency.json

The catalog is the ``mtt_valid`` benchmark's documents (1,139 tag sets) indexed with music-minilm;
the requests are a fixed sample of its requests (tag, pair, synonym and natural).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reranker", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--depth", type=int, default=100)
    ap.add_argument("--modes", default="hybrid,bm25,dense")
    ap.add_argument("--out", default="")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    from nlrec.encoders.cross import CrossEncoderScorer
    from nlrec.encoders.dense import load_encoder
    from nlrec.evaluation.mtt_msd import load_tag_benchmark
    from nlrec.evaluation.tag_runner import tag_index
    from nlrec.search import SearchOptions, build_searcher
    from nlrec.search.rerank import rerank_layer

    bench = load_tag_benchmark("mtt_valid", args.data_dir)
    rng = np.random.default_rng(0)
    texts = [bench.queries[i].text for i in sorted(rng.choice(len(bench.queries), args.requests, replace=False))]
    scorer = CrossEncoderScorer.load(args.reranker)
    result = {"reranker": args.reranker, "depth": args.depth, "requests": len(texts), "documents": len(bench.corpus),
              "threads": torch.get_num_threads(), "modes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        index = tag_index(bench, tmp + "/index", load_encoder("music-minilm"))
        for mode in args.modes.split(","):
            plain = build_searcher(index, SearchOptions(mode=mode))
            reranked = build_searcher(index, SearchOptions(mode=mode), layers=[rerank_layer(scorer, args.depth)])
            for s in (plain, reranked):  # warm-up: load retrievers and the model
                s.search(texts[0], 10)
            times: dict[str, list[float]] = {"plain": [], "rerank": []}
            for t in texts:
                for name, s in (("plain", plain), ("rerank", reranked)):
                    t0 = time.perf_counter()
                    s.search(t, 10)
                    times[name].append((time.perf_counter() - t0) * 1000)
            stats = {name: {"mean_ms": round(float(np.mean(v)), 1), "p50_ms": round(float(np.median(v)), 1),
                            "p95_ms": round(float(np.percentile(v, 95)), 1)} for name, v in times.items()}
            stats["ratio_mean"] = round(stats["rerank"]["mean_ms"] / stats["plain"]["mean_ms"], 1)
            stats["added_mean_ms"] = round(stats["rerank"]["mean_ms"] - stats["plain"]["mean_ms"], 1)
            result["modes"][mode] = stats
            print(mode, json.dumps(stats))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
