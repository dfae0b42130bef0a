"""Run a system on the ``mtt`` / ``msd`` tag benchmarks through the search API.

Unlike the MusicCaps benchmarks (one relevant set a query, ranked by the runner's own scorers),
these queries have many relevant sets and the natural requests need the negation handling of
``nlrec query``. So every query is ranked by :func:`nlrec.search.search_many` over a throw-away
index of the benchmark's documents (one track per unique tag set, id = document id): tag, pair
and synonym queries with ``negation="off"`` (they are tag strings: "no vocals" is a tag, not a
negation), natural requests with ``negation="filter"``, exactly as ``nlrec query`` ranks them.

The index needs a dense encoder even for the lexical systems: it embeds the documents, and the
negation matcher compares descriptors with the negated facets in its space. Lexical systems use
the default model for that; the results record which (``negation_model``).

Measures (ir-measures, ×100), per subset and over all queries: R@10, nDCG@10, P@10, AP@100
(mAP@100) and RR@10.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.encoders.cache import EmbeddingCache
from nlrec.errors import NlrecError
from nlrec.evaluation.mtt_msd import (
    SUBSETS,
    TagBenchmark,
    load_tag_benchmark,
    subset_of,
    write_tag_beir,
)

TAG_MEASURES: tuple[str, ...] = ("R@10", "nDCG@10", "P@10", "AP@100", "RR@10")
RUN_DEPTH = 100


class CachedEncoder:
    """A :class:`~nlrec.encoders.base.DenseEncoder` that encodes through an
    :class:`EmbeddingCache`, so documents and queries shared by several runs are embedded once."""

    onnx_exportable = False

    def __init__(self, cache: EmbeddingCache) -> None:
        self.cache = cache

    @property
    def id(self) -> str:
        return self.cache.encoder.id

    @property
    def dimension(self) -> int:
        return self.cache.encoder.dimension

    def fingerprint(self) -> str:
        return self.cache.encoder.fingerprint()

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None) -> np.ndarray:
        return self.cache.encode(list(texts))


def tag_index(bench: TagBenchmark, directory: str | Path, encoder: Any) -> Any:
    """Build an nlrec index of ``bench``'s documents (one track a document) under ``directory``."""
    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    catalog = Catalog.from_records(
        [{"id": d, "descriptors": list(tags)} for d, tags in zip(bench.doc_ids, bench.doc_tags)],
        source=f"benchmark:{bench.name}",
    )
    return build_index(catalog, Path(directory), encoder=encoder, onnx=False)


def rank_tag_queries(
    index: Any, bench: TagBenchmark, config: Any, depth: int = RUN_DEPTH, *, layers: Sequence[Any] = ()
) -> dict[str, list[tuple[str, float]]]:
    """``{qid: [(docid, score), ...]}``, at most ``depth`` deep, ranked by the search API
    (``layers``: extra searcher layers, e.g. a cross-encoder reranker)."""
    from nlrec.search import SearchOptions, build_searcher

    mode = config.system
    options: dict[str, Any] = {"mode": mode}
    if mode == "hybrid":
        options.update(sparse=config.sparse, fusion=config.fusion, alpha=config.alpha,
                       late_weight=getattr(config, "late_weight", 0.0))
    out: dict[str, list[tuple[str, float]]] = {}
    for negation in ("off", "filter"):
        qs = [q for q in bench.queries if q.negation == (negation == "filter")]
        if not qs:
            continue
        searcher = build_searcher(index, SearchOptions.from_kwargs(negation=negation, understand=negation != "off",
                                                                   **options), layers=layers)
        for q, result in zip(qs, searcher.batch_search([q.text for q in qs], depth)):
            out[q.qid] = [(h.id, float(h.score)) for h in result.hits]
    return out


def evaluate_tag_run(
    qrels: dict[str, dict[str, int]], ranked: dict[str, list[tuple[str, float]]]
) -> dict[str, dict[str, float]]:
    """``{subset | "all": {measure: value ×100}}`` by ir-measures; a query with an empty ranking
    scores 0 (it is kept in the mean)."""
    import ir_measures

    measures = {m: ir_measures.parse_measure(m) for m in TAG_MEASURES}
    # rank-derived scores: ir-measures' own tie-breaking cannot reorder the ranking
    run = {q: {d: float(len(r) - i) for i, (d, _) in enumerate(r)} for q, r in ranked.items()}
    per_query: dict[str, dict[str, float]] = {q: dict.fromkeys(TAG_MEASURES, 0.0) for q in qrels}
    by_measure = {v: k for k, v in measures.items()}
    for m in ir_measures.iter_calc(list(measures.values()), qrels, {q: run.get(q, {}) for q in qrels}):
        per_query[m.query_id][by_measure[m.measure]] = float(m.value)
    out: dict[str, dict[str, float]] = {}
    for name in ("all", *SUBSETS):
        qs = [q for q in qrels if name == "all" or subset_of(q) == name]
        if qs:
            out[name] = {
                m: round(100.0 * float(np.mean([per_query[q][m] for q in qs])), 4) for m in TAG_MEASURES
            }
            out[name]["queries"] = len(qs)
    return out


def run_tag_benchmark(
    benchmark: str,
    config: Any,
    *,
    data_dir: str | Path | None = None,
    out_dir: str | Path = "eval",
    run_depth: int = RUN_DEPTH,
    cache: EmbeddingCache | None = None,
    cache_dir: str | Path | None = None,
    negation_model: str = "default",
    seeds: Sequence[int] | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Evaluate ``config`` (a :class:`~nlrec.evaluation.runner.SystemConfig`) on a tag benchmark.

    Writes ``<out_dir>/benchmarks/<name>/`` (BEIR), ``<out_dir>/runs/<name>/<label>__<model>/
    run.trec.gz`` and ``<out_dir>/results/<name>__<label>__<model>.json``.

    Raises:
        NlrecError: on bad data or options.
    """
    import gzip

    from nlrec import __version__
    from nlrec.encoders.dense import load_encoder
    from nlrec.evaluation.runner import HYBRID_DEPTH, command_line, results_path
    from nlrec.io import atomic_write_bytes, write_json
    from nlrec.trec import format_run

    if config.system == "hybrid" and config.hybrid_depth != HYBRID_DEPTH:
        raise NlrecError(f"tag benchmarks rank through nlrec query's hybrid (depth {HYBRID_DEPTH})")
    if seeds is not None and tuple(seeds) not in ((), (0, 1, 2), (0,)):
        raise NlrecError("the tag benchmarks sample nothing: they have no seeds")
    if run_depth < 100:
        raise NlrecError("run depth must be at least 100 (AP@100)")
    if data_dir is None:
        raise NlrecError("no data directory: pass --data-dir DIR or set NLREC_DATA")
    t0 = time.perf_counter()
    bench = load_tag_benchmark(benchmark, data_dir)
    out_dir = Path(out_dir)
    write_tag_beir(bench, out_dir / "benchmarks" / bench.name)

    spec = config.model if config.uses_model else negation_model
    if cache is None:  # lexical systems: the negation model's vectors, kept for the next run
        cache = EmbeddingCache(load_encoder(spec), cache_dir or out_dir / "runs" / "embeddings")
    encoder = CachedEncoder(cache)
    encode_before = cache.seconds
    cache.encode(list(dict.fromkeys([*bench.corpus, *(q.text for q in bench.queries)])), progress)
    cache.save()
    model_info = {"spec": spec, "id": cache.encoder.id, "weights_sha256": cache.encoder.fingerprint()}

    (out_dir / "runs").mkdir(parents=True, exist_ok=True)
    t_rank = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=".tagindex-", dir=out_dir / "runs") as tmp:
        index = tag_index(bench, Path(tmp) / "index", encoder)
        ranked = rank_tag_queries(index, bench, config, run_depth)
    cache.save()  # the negation matcher may have embedded descriptors
    rank_seconds = time.perf_counter() - t_rank
    measures = evaluate_tag_run(bench.qrels, ranked)

    run_rel = Path("runs") / bench.name / f"{config.label}__{config.model_slug}" / "run.trec.gz"
    # scores written rank-derived (depth - rank), so trec_eval reads the order that was evaluated
    trec = format_run(
        {q: [(d, float(run_depth - i)) for i, (d, _) in enumerate(r)] for q, r in ranked.items()},
        tag=f"nlrec-{config.label}",
    )
    atomic_write_bytes(out_dir / run_rel, gzip.compress(trec.encode("utf-8"), compresslevel=1, mtime=0))
    result: dict[str, Any] = {
        "kind": "tag_benchmark",
        "benchmark": bench.name,
        "dataset": bench.dataset,
        "split": bench.split,
        "system": config.system,
        "label": config.label,
        "model": model_info if config.uses_model else None,
        "negation_model": None if config.uses_model else model_info,
        "model_slug": config.model_slug,
        "options": config.options(),
        "seeds": [],
        "n_queries": len(bench.queries),
        "n_documents": len(bench.corpus),
        "measures": measures,
        "protocol": {**bench.stats, "run_depth": run_depth,
                     "ranking": "nlrec.search.search_many over the benchmark's documents; "
                                "natural requests with negation=filter, the rest negation=off"},
        "sources": bench.sources,
        "runs": [run_rel.as_posix()],
        "timing": {
            "seconds": round(time.perf_counter() - t0, 3),
            "encode_seconds": round(cache.seconds - encode_before, 3),
            "rank_seconds": round(rank_seconds, 3),
        },
        "nlrec_version": __version__,
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "command": command_line(bench.name, config),
    }
    write_json(results_path(out_dir, bench.name, config), result)
    return result


def summary_line(r: dict[str, Any]) -> str:
    """One line for the terminal: nDCG@10 per subset."""
    m = r["measures"]
    model = f" ({r['model_slug']})" if r.get("model_slug", "none") != "none" else ""
    cells = "  ".join(
        f"{s} {m[s]['nDCG@10']:5.1f}" for s in ("all", *SUBSETS) if s in m
    )
    return (
        f"{r['benchmark']:<9} {r['label'] + model:<32} nDCG@10: {cells}  "
        f"[{r['n_queries']:,} queries, {r['timing']['seconds']:.0f} s]"
    )


#: The rows of ``nlrec eval tags``: each lexical system once, dense and hybrid for every model.
TAG_SUITE_MODELS: tuple[str, ...] = ("minilm", "music-minilm")


def run_tag_suite(
    data_dir: str | Path,
    *,
    benchmarks: Sequence[str] = ("mtt", "msd"),
    models: Sequence[str] = TAG_SUITE_MODELS,
    out_dir: str | Path = "eval",
    cache_dir: str | Path | None = None,
    batch_size: int = 64,
    on_result: Any = None,
    progress: Any = None,
) -> list[dict[str, Any]]:
    """Run tfidf, bm25, and dense + hybrid (dense + BM25, RRF) for each model on each benchmark.

    One :class:`EmbeddingCache` a model is shared by all its runs; ``on_result(result)`` is called
    after each run.
    """
    from nlrec.encoders.dense import canonical_model, load_encoder
    from nlrec.evaluation.runner import SystemConfig

    if not models:
        raise NlrecError("give at least one model")
    configs = [SystemConfig("tfidf"), SystemConfig("bm25")]
    configs += [SystemConfig(s, model=m) for m in models for s in ("dense", "hybrid")]
    caches: dict[str, EmbeddingCache] = {}
    results = []
    for name in benchmarks:
        for config in configs:
            key = canonical_model(config.model if config.uses_model else "default")
            if key not in caches:
                caches[key] = EmbeddingCache(load_encoder(key), cache_dir, batch_size=batch_size)
            r = run_tag_benchmark(name, config, data_dir=data_dir, out_dir=out_dir,
                                  cache=caches[key], progress=progress)
            results.append(r)
            if on_result is not None:
                on_result(r)
    return results
