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

from nlrec.evaluation.speed.catalogs import (
    EVERYDAY_QUERIES,
    derived_vectors,
    embed_cached,
    memory_index,
    real_descriptor_sets,
    recombined_sets,
)
from nlrec.evaluation.speed.measure import (
    bench_bm25,
    bench_build,
    bench_cold,
    bench_latency,
    bench_open,
    hnsw_recall,
    latency_row,
    percentile,
)
from nlrec.evaluation.speed.report import load_report, render_bench_markdown, write_report

__all__ = [
    "EVERYDAY_QUERIES",
    "bench_bm25",
    "bench_build",
    "bench_cold",
    "bench_latency",
    "bench_open",
    "derived_vectors",
    "embed_cached",
    "hnsw_recall",
    "latency_row",
    "load_report",
    "memory_index",
    "percentile",
    "real_descriptor_sets",
    "recombined_sets",
    "render_bench_markdown",
    "write_report",
]
