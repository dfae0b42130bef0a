"""Milvus Lite against the local FAISS backend, measured in the same run.

``python -m nlrec.evaluation.milvus_bench --data-dir ../shared/data --tracks 100000`` builds one
catalog of real descriptor sets (as ``nlrec bench`` and the load test draw them, with synthetic
titles, artists, years and labels) four times: local exact (FAISS Flat), local HNSW32, Milvus Lite
FLAT and Milvus Lite HNSW. The unique sets are embedded once (cached) and every build reuses those
vectors, so build times compare indexing, not embedding. For each backend it reports the build
time, warm p50 / p99 per request through ``nlrec query``'s searcher (dense and hybrid, without and
with ``--where`` filters), and recall@10 of the returned track ids against exact local search.
It also measures how much unique-set deduplication saves on the real catalogs here (tracks per
unique descriptor set), the figure ``docs/scaling.md`` builds its capacity estimate on.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.evaluation.loadtest import REQUESTS, WHERE, make_rows


class CachedEncoder:
    """An encoder answering from precomputed vectors of known texts (the real encoder otherwise)."""

    def __init__(self, encoder: Any, texts: list[str], vectors: np.ndarray) -> None:
        self.inner = encoder
        self.id = encoder.id
        self.dimension = encoder.dimension
        self._rows = {t: i for i, t in enumerate(texts)}
        self._vectors = vectors

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def describe(self) -> dict[str, Any]:
        d = getattr(self.inner, "describe", None)
        return d() if d else {"kind": "dense", "id": self.id, "weights_sha256": self.fingerprint(),
                              "dimension": self.dimension, "normalized": True}

    def encode(self, texts: Any, *, batch_size: int = 64, progress: Any = None) -> np.ndarray:
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self._rows))
        if missing:  # remembered: a request's parsed text is embedded once
            self._rows.update({t: len(self._vectors) + i for i, t in enumerate(missing)})
            self._vectors = np.concatenate([self._vectors, self.inner.encode(missing, batch_size=batch_size)])
        return self._vectors[[self._rows[t] for t in texts]]


def dedup_table(data_dir: str | None) -> list[dict[str, Any]]:
    """Tracks (or artists) per unique descriptor set in each real catalog here."""
    from nlrec.catalog.datasets import load_dataset
    from nlrec.catalog.listeners import load_listening

    out = []
    for name in ("musiccaps", "mtt", "msd"):
        try:
            texts = [t.text for t in load_dataset(name, data_dir).tracks]
        except Exception:  # noqa: BLE001 - a missing dataset is left out
            continue
        out.append({"catalog": name, "items": len(texts), "unique_sets": len(set(texts))})
    from nlrec.evaluation.mtt_msd import load_mtt

    try:  # MTT with all 188 tags, every split (the top-50 file above holds the tagged clips only)
        texts = []
        for split in ("train", "valid", "test"):
            texts += [", ".join(sorted(t.tags)) for t in load_mtt(data_dir, split).tracks if t.tags]
        out.append({"catalog": "mtt (188 tags, all splits)", "items": len(texts), "unique_sets": len(set(texts))})
    except Exception:  # noqa: BLE001
        pass
    for name in ("hetrec", "yes"):
        try:
            texts = [t for t in load_listening(name, data_dir).texts if t.strip()]
        except Exception:  # noqa: BLE001
            continue
        out.append({"catalog": name, "items": len(texts), "unique_sets": len(set(texts))})
    for row in out:
        row["items_per_set"] = round(row["items"] / max(1, row["unique_sets"]), 2)
    return out


def _requests(sets: list[str], n: int) -> list[str]:
    """The load test's requests, then two descriptors of evenly spread real sets."""
    out = list(REQUESTS)
    step = max(1, len(sets) // max(1, n - len(out)))
    for s in sets[::step]:
        if len(out) >= n:
            break
        out.append(" ".join(s.split(", ")[:2]))
    return out[:n]


def _latencies(searcher: Any, queries: list[str], k: int = 10) -> tuple[list[list[str]], dict[str, float]]:
    for q in queries:  # warm: files and collections loaded, every request's text embedded once
        searcher.search(q, k)
    times, results = [], []
    for q in queries:
        t0 = time.perf_counter()
        r = searcher.search(q, k)
        times.append((time.perf_counter() - t0) * 1000)
        results.append([h.id for h in r.hits])
    return results, {"p50_ms": round(statistics.median(times), 2),
                     "p99_ms": round(float(np.percentile(times, 99)), 2)}


def _recall(got: list[list[str]], exact: list[list[str]]) -> float:
    scores = [len(set(g) & set(e)) / len(e) for g, e in zip(got, exact) if e]
    return round(float(np.mean(scores)), 4) if scores else 1.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    from nlrec.catalog import Catalog
    from nlrec.encoders.dense import load_encoder
    from nlrec.evaluation.speed.catalogs import embed_cached, real_descriptor_sets
    from nlrec.index import build_index
    from nlrec.index.milvus import target
    from nlrec.index.milvus.build import build_milvus_index
    from nlrec.search import SearchOptions, build_searcher

    work = Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    os.environ["NLREC_HOME"] = str(work / "home")
    sets = real_descriptor_sets(args.data_dir)
    rows = make_rows(sets, args.tracks)
    catalog = Catalog.from_records(rows, source=f"bench-{args.tracks}")
    texts = list(dict.fromkeys(t.text for t in catalog.tracks))
    enc = load_encoder(args.model)
    t0 = time.perf_counter()
    vectors = embed_cached(enc, texts, Path(args.cache))
    report: dict[str, Any] = {
        "tracks": len(catalog), "unique_sets": len(texts), "embed_seconds_or_cached": round(time.perf_counter() - t0, 1),
        "queries": args.queries, "cpu_count": os.cpu_count(), "dedup": dedup_table(args.data_dir), "backends": {},
    }
    queries = _requests(sets, args.queries)
    # requests are embedded up front too: encoding runs on the client, the same for every backend
    # (ONNX, a few ms); the latencies below are what the backends differ in
    asked = list(dict.fromkeys(q for q in queries if q not in set(texts)))
    cached = CachedEncoder(enc, texts + asked, np.concatenate([vectors, enc.encode(asked)]))
    builds = {
        "local Flat (exact)": lambda: build_index(catalog, "local-flat", encoder=cached, factory="Flat", onnx=False),
        "local HNSW32": lambda: build_index(catalog, "local-hnsw", encoder=cached, factory="HNSW32", onnx=False),
        "milvus-lite FLAT": lambda: build_milvus_index(catalog, "milvus-flat", target(str(work / "milvus.db"), "flat"),
                                                       encoder=cached, onnx=False, chunk_size=args.chunk_size),
        "milvus-lite HNSW": lambda: build_milvus_index(
            catalog, "milvus-hnsw", target(str(work / "milvus.db"), "hnsw"), encoder=cached, onnx=False,
            chunk_size=args.chunk_size, index_type="HNSW", index_params={"M": 32, "efConstruction": 200}),
    }
    exact: dict[str, list[list[str]]] = {}
    for name, build in builds.items():
        t0 = time.perf_counter()
        index = build()
        row: dict[str, Any] = {"build_seconds": round(time.perf_counter() - t0, 1)}
        index.use_encoder(cached)
        for mode in ("dense", "hybrid"):
            for where in [None] + WHERE:
                label = f"{mode}" + ("" if where is None else " filtered")
                searcher = build_searcher(index, SearchOptions(mode=mode, where=where))
                qs = queries if where is None else queries[: max(10, args.queries // len(WHERE))]
                got, lat = _latencies(searcher, qs)
                key = (mode, where)
                if name.startswith("local Flat"):
                    exact[f"{key}"] = got
                agg = row.setdefault(label, {"latencies": [], "recall": []})
                agg["latencies"].append(lat)
                agg["recall"].append(_recall(got, exact[f"{key}"]))
        for label in [k for k in row if isinstance(row[k], dict)]:
            agg = row[label]
            row[label] = {"p50_ms": round(statistics.median(x["p50_ms"] for x in agg["latencies"]), 2),
                          "p99_ms": round(max(x["p99_ms"] for x in agg["latencies"]), 2),
                          "recall@10": round(float(np.mean(agg["recall"])), 4)}
        report["backends"][name] = row
        index.close()
        print(json.dumps({name: row}), flush=True)
    return report


def markdown(r: dict[str, Any]) -> str:
    lines = [f"{r['tracks']:,} tracks, {r['unique_sets']:,} unique descriptor sets, {r['queries']} requests "
             f"({r['cpu_count']} cores); p50 / p99 in ms per request (filtered: over the load test's 4 filters), "
             "recall@10 of track ids against exact local search.", "",
             "| backend | build (s) | dense p50 / p99 | dense recall@10 | dense filtered p50 / p99 | filtered recall@10 "
             "| hybrid p50 / p99 | hybrid filtered p50 / p99 | hybrid filtered recall@10 |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, b in r["backends"].items():
        d, df, h, hf = b["dense"], b["dense filtered"], b["hybrid"], b["hybrid filtered"]
        lines.append(f"| {name} | {b['build_seconds']} | {d['p50_ms']} / {d['p99_ms']} | {d['recall@10']} | "
                     f"{df['p50_ms']} / {df['p99_ms']} | {df['recall@10']} | {h['p50_ms']} / {h['p99_ms']} | "
                     f"{hf['p50_ms']} / {hf['p99_ms']} | {hf['recall@10']} |")
    lines += ["", "| catalog | items | unique sets | items per set |", "|---|---|---|---|"]
    for d in r["dedup"]:
        lines.append(f"| {d['catalog']} | {d['items']:,} | {d['unique_sets']:,} | {d['items_per_set']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="Milvus Lite vs local FAISS, measured in the same run")
    p.add_argument("--data-dir", default=os.environ.get("NLREC_DATA"))
    p.add_argument("--tracks", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--threads", type=int, default=1, help="torch / FAISS threads (1: steady timings on a shared machine)")
    p.add_argument("--model", default="default")
    p.add_argument("--chunk-size", type=int, default=20_000)
    p.add_argument("--work", default="/tmp/nlrec-milvus-bench")
    p.add_argument("--cache", default=str(Path.home() / ".cache" / "nlrec" / "bench"))
    p.add_argument("--out", default="eval/results/milvus.json")
    a = p.parse_args()
    import faiss
    import torch

    torch.set_num_threads(a.threads)
    faiss.omp_set_num_threads(a.threads)
    rep = run(a)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(rep, indent=2) + "\n")
    print(markdown(rep))
