"""The speed benchmark's results file and its section of ``eval/RESULTS.md``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


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
