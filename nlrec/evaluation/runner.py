"""Run a retrieval system on a benchmark over sampling seeds; write TREC runs and a results JSON.

Every query is ranked against the whole corpus of its seed, so the median rank is exact:

* Every system ranks through the same document searcher ``nlrec query`` uses
  (:func:`benchmark_searcher`: :mod:`nlrec.search.documents` over an in-memory index of the
  corpus, exact dense search), with the requests as written (negation handling off).
* Documents are ordered by ``(-score, corpus row)`` (rows are sorted by document id, so ties
  break by id); ``hybrid`` is the dense and lexical top-``max(k, hybrid_depth)`` fused by RRF
  (or a weighted sum of min-max normalised scores).
* A relevant document outside the top ``run_depth`` gets its rank from a full-corpus ranking.

Dense embeddings go through :class:`EmbeddingCache`: each distinct text (queries repeat across
seeds, descriptor strings often do) is encoded once per model, and optionally kept on disk.
"""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nlrec.encoders.cache import EmbeddingCache
from nlrec.errors import NlrecError
from nlrec.evaluation.beir import save_benchmark
from nlrec.evaluation.benchmarks import (
    SEEDS,
    Benchmark,
    Clips,
    build_benchmark,
    load_clips,
)
from nlrec.evaluation.metrics import (
    METRIC_DEPTH,
    check_against_ranks,
    evaluate,
    run_from_rankings,
    summarize,
)
from nlrec.search.documents import DocumentSearcher, rank_of
from nlrec.search.options import HYBRID_DEPTH, SearchOptions

SystemName = str
"""A search mode: a registered retriever kind (:mod:`nlrec.index.retrievers`) or ``hybrid``."""
SYSTEMS: tuple[str, ...] = ("tfidf", "bm25", "dense", "hybrid")
"""The built-in systems (any registered mode is accepted: :func:`nlrec.index.retrievers.modes`)."""
LEXICAL: tuple[str, ...] = ("tfidf", "bm25")
RUN_DEPTH = 100
CHUNK = 256
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SystemConfig:
    """A system to evaluate.

    Attributes:
        system: ``tfidf`` | ``bm25`` | ``dense`` | ``hybrid``.
        model: dense encoder (``"default"`` = music-minilm, shipped in the package; ``"minilm"``; or a local directory).
        sparse: lexical side of ``hybrid``.
        fusion: ``rrf`` or ``weighted`` (``alpha`` = dense weight; not tuned on test data).
        hybrid_depth: how many documents each side contributes to the fusion.
    """

    system: SystemName
    model: str = "default"
    sparse: str = "bm25"
    fusion: Literal["rrf", "weighted"] = "rrf"
    alpha: float = 0.5
    hybrid_depth: int = HYBRID_DEPTH
    late_weight: float = 0.0

    def __post_init__(self) -> None:
        from nlrec.index.retrievers import lexical_kinds, modes

        if self.system not in modes():
            raise NlrecError(f"unknown system {self.system!r}; choose one of {', '.join(modes())}")
        if self.sparse not in lexical_kinds() or self.fusion not in ("rrf", "weighted"):
            raise NlrecError(f"unknown hybrid setting {self.sparse!r} / {self.fusion!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise NlrecError(f"alpha must be in [0, 1], got {self.alpha}")
        if self.hybrid_depth < 1:
            raise NlrecError("hybrid depth must be positive")

    @property
    def uses_model(self) -> bool:
        from nlrec.index.retrievers import uses_encoder

        return uses_encoder(self.system)

    @property
    def label(self) -> str:
        """``tfidf`` / ``bm25`` / ``dense`` / ``hybrid`` (dense + BM25, RRF, depth 100), else e.g.
        ``hybrid-tfidf`` or ``hybrid-bm25-weighted0.3``."""
        if self.system != "hybrid":
            return self.system
        if (self.sparse, self.fusion, self.hybrid_depth, self.late_weight) == ("bm25", "rrf", HYBRID_DEPTH, 0.0):
            return "hybrid"
        parts = ["hybrid", self.sparse]
        if self.fusion == "weighted":
            parts.append(f"weighted{self.alpha:g}")
        if self.hybrid_depth != HYBRID_DEPTH:
            parts.append(f"depth{self.hybrid_depth}")
        if self.late_weight > 0:
            parts.append(f"late{self.late_weight:g}")
        return "-".join(parts)

    @property
    def model_slug(self) -> str:
        """``none`` for lexical systems, ``all-minilm-l6-v2`` for the default model, else the
        model directory's name."""
        if not self.uses_model:
            return "none"
        from nlrec.encoders.models import MINILM, MUSIC_MODEL, canonical_model

        named = {MINILM: "all-minilm-l6-v2", MUSIC_MODEL: "nlrec-music-minilm"}
        if canonical_model(self.model) in named:
            return named[canonical_model(self.model)]
        name = Path(self.model.rstrip("/\\")).name or self.model
        if self.model.startswith("clap:"):
            name = f"clap-{name}"
        return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.") or "model"

    def search_options(self) -> SearchOptions:
        """The :class:`~nlrec.search.SearchOptions` of ``nlrec query`` for this system. The
        benchmark protocol ranks requests as written (no understanding, negation handling off)."""
        return SearchOptions(mode=self.system, sparse=self.sparse, fusion=self.fusion, alpha=self.alpha,
                             hybrid_depth=self.hybrid_depth, negation="off", understand=False,
                             late_weight=self.late_weight)

    def options(self) -> dict[str, Any]:
        if self.system != "hybrid":
            return {}
        return {
            "sparse": self.sparse,
            "fusion": self.fusion,
            "hybrid_depth": self.hybrid_depth,
            **({"alpha": self.alpha} if self.fusion == "weighted" else {}),
            **({"late_weight": self.late_weight} if self.late_weight > 0 else {}),
        }


# ----------------------------------------------------------------------------------- ranking
@dataclass
class SeedRanking:
    """A system's output on one seed: top documents (corpus rows) and each relevant doc's rank."""

    top: list[np.ndarray]
    top_scores: list[np.ndarray]
    relevant_rank: np.ndarray


class _EmbedEncoder:
    """A :class:`~nlrec.encoders.base.DenseEncoder` over an embedding function (e.g. a cache)."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], dimension: int) -> None:
        self._embed = embed
        self.id = "embedding-function"
        self.dimension = dimension

    def fingerprint(self) -> str:
        return "embedding-function"

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None) -> np.ndarray:
        return self._embed(list(texts))


def benchmark_searcher(
    config: SystemConfig, corpus: Sequence[str], embed: Callable[[list[str]], np.ndarray] | None = None
) -> DocumentSearcher:
    """The document searcher ``nlrec query`` would use with ``config``'s options, over an
    in-memory index of ``corpus`` (exact dense search)."""
    from nlrec.encoders.faiss_dense import DenseRetriever, build_faiss
    from nlrec.index import Index
    from nlrec.search.searcher import IndexSearcher

    retrievers: dict[str, Any] = {}
    encoder = None
    if config.uses_model:
        if embed is None:
            raise ValueError(f"system {config.system} needs an embed function")
        vectors = embed(list(corpus))
        encoder = _EmbedEncoder(embed, int(vectors.shape[1]))
        retrievers["dense"] = DenseRetriever(encoder, build_faiss(vectors, "Flat"))
    index = Index.in_memory(corpus, encoder=encoder, retrievers=retrievers)
    return IndexSearcher(index, config.search_options()).documents


def rank_seed(
    config: SystemConfig,
    bench: Benchmark,
    *,
    depth: int = RUN_DEPTH,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    progress: Progress | None = None,
) -> SeedRanking:
    """Rank ``bench``'s corpus for each of its queries with ``config``'s searcher.

    The top ``depth`` documents of each query are kept for the run. A relevant document ranked
    deeper is found by ranking the whole corpus for that query (its full-corpus rank, for MedR).

    Args:
        embed: text -> unit vectors (needed by ``dense`` and ``hybrid``).
    """
    searcher = benchmark_searcher(config, bench.corpus, embed)
    queries = [q.text for q in bench.queries]
    n, n_docs = len(queries), len(bench.corpus)
    depth = min(depth, n_docs)
    top: list[np.ndarray] = []
    top_scores: list[np.ndarray] = []
    ranks = np.zeros(n, dtype=np.int64)
    for start in range(0, n, CHUNK):
        part = range(start, min(start + CHUNK, n))
        for i, r in zip(part, searcher.batch_search([queries[i] for i in part], depth)):
            top.append(r.doc_ids)
            top_scores.append(r.scores)
            ranks[i] = rank_of(r, int(bench.relevant[i])) or 0
        if progress:
            progress(f"seed {bench.seed}: ranking", part.stop, n)
    deeper = np.flatnonzero(ranks == 0).tolist()
    for start in range(0, len(deeper), CHUNK):
        part = deeper[start : start + CHUNK]
        for i, r in zip(part, searcher.batch_search([queries[i] for i in part], n_docs)):
            ranks[i] = rank_of(r, int(bench.relevant[i])) or n_docs
    return SeedRanking(top, top_scores, ranks)


# ------------------------------------------------------------------------------------ driver
def results_path(out_dir: str | Path, benchmark: str, config: SystemConfig) -> Path:
    return Path(out_dir) / "results" / f"{benchmark}__{config.label}__{config.model_slug}.json"


def command_line(benchmark: str, config: SystemConfig, seeds: Sequence[int] = SEEDS, no_match: str | None = None) -> str:
    """The ``nlrec eval run`` command that reproduces a result (recorded in its results file)."""
    parts = ["nlrec eval run", f"--benchmark {benchmark}", f"--system {config.system}"]
    if config.uses_model and config.model != "default":
        parts.append(f"--model {config.model}")
    if config.system == "hybrid":
        parts += [f"--sparse {config.sparse}", f"--fusion {config.fusion}"]
        if config.fusion == "weighted":
            parts.append(f"--alpha {config.alpha:g}")
        if config.hybrid_depth != HYBRID_DEPTH:
            parts.append(f"--hybrid-depth {config.hybrid_depth}")
    if tuple(seeds) != SEEDS:
        parts.append("--seeds " + ",".join(map(str, seeds)))
    if no_match:
        parts.append(f"--no-match {no_match}")
    return " ".join(parts) + " --data-dir $NLREC_DATA"


def encoder_cache(config: SystemConfig, out_dir: str | Path, batch_size: int = 64, *,
                  keep: bool = True) -> EmbeddingCache | None:
    """An :class:`EmbeddingCache` of ``config``'s model to share between runs (None for systems
    without one); kept on disk under ``<out_dir>/runs/embeddings`` when ``keep``."""
    if not config.uses_model:
        return None
    from nlrec.encoders.dense import load_encoder

    return EmbeddingCache(load_encoder(config.model), Path(out_dir) / "runs" / "embeddings" if keep else None,
                          batch_size=batch_size)


def run_benchmark(
    benchmark: str,
    config: SystemConfig,
    *,
    data_dir: str | Path | None = None,
    clips: Clips | None = None,
    seeds: Sequence[int] = SEEDS,
    out_dir: str | Path = "eval",
    run_depth: int = RUN_DEPTH,
    cache: EmbeddingCache | None = None,
    cache_dir: str | Path | None = None,
    no_match: Literal["empty", "drop"] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate ``config`` on every seed of ``benchmark``; write runs, benchmark files and results.

    Writes ``<out_dir>/benchmarks/<benchmark>/seed<k>/`` (BEIR), ``<out_dir>/runs/<benchmark>/
    <label>__<model>/seed<k>.trec.gz`` and ``<out_dir>/results/<benchmark>__<label>__<model>.json``.

    Args:
        clips: pre-loaded clips (else read from ``data_dir``).
        cache: an :class:`EmbeddingCache` to share between runs (else one is made, on disk under
            ``cache_dir`` if given).

    Returns:
        The results object (also written as JSON).

    Raises:
        NlrecError: on bad data or options.
    """
    from nlrec import __version__
    from nlrec.io import atomic_write_bytes, write_json
    from nlrec.trec import format_run

    if not seeds:
        raise NlrecError("give at least one seed")
    if run_depth < METRIC_DEPTH:
        raise NlrecError(f"run depth must be at least {METRIC_DEPTH}")
    t0 = time.perf_counter()
    if clips is None:
        if data_dir is None:
            raise NlrecError("no data directory: pass --data-dir DIR or set NLREC_DATA")
        clips = load_clips(data_dir)
    benches = [build_benchmark(clips, benchmark, seed, no_match=no_match) for seed in seeds]
    name = benches[0].name
    out_dir = Path(out_dir)
    save_benchmark(out_dir / "benchmarks", clips, benches)

    embed = None
    model_info = None
    encode_before = cache.seconds if cache is not None else 0.0
    if config.uses_model:
        if cache is None:
            from nlrec.encoders.dense import load_encoder

            cache = EmbeddingCache(load_encoder(config.model), cache_dir)
        texts = list(
            dict.fromkeys(t for b in benches for t in [q.text for q in b.queries] + b.corpus)
        )
        cache.encode(texts, progress)
        cache.save()
        embed = cache.encode
        model_info = {
            "spec": config.model,
            "id": cache.encoder.id,
            "weights_sha256": cache.encoder.fingerprint(),
        }
    encode_seconds = (cache.seconds - encode_before) if cache is not None else 0.0

    run_dir = out_dir / "runs" / name / f"{config.label}__{config.model_slug}"
    per_seed, runs, seed_seconds = [], [], []
    for bench in benches:
        t_seed = time.perf_counter()
        ranked = rank_seed(config, bench, depth=run_depth, embed=embed, progress=progress)
        qids = [q.qid for q in bench.queries]
        docs = bench.doc_ids
        rankings = {
            qid: [docs[r] for r in top[:METRIC_DEPTH].tolist()]
            for qid, top in zip(qids, ranked.top)
        }
        metrics = evaluate(bench.qrels(), run_from_rankings(rankings), ranked.relevant_rank)
        check_against_ranks(metrics, ranked.relevant_rank)
        per_seed.append(metrics)
        trec = format_run(
            {
                qid: [(docs[r], float(s)) for r, s in zip(top.tolist(), sc.tolist())]
                for qid, top, sc in zip(qids, ranked.top, ranked.top_scores)
            },
            tag=f"nlrec-{config.label}",
        )
        path = run_dir / f"seed{bench.seed}.trec.gz"
        atomic_write_bytes(path, gzip.compress(trec.encode("utf-8"), compresslevel=1, mtime=0))
        runs.append(path.relative_to(out_dir).as_posix())
        seed_seconds.append(round(time.perf_counter() - t_seed, 3))

    summary = summarize(per_seed)
    result: dict[str, Any] = {
        "benchmark": name,
        "system": config.system,
        "label": config.label,
        "model": model_info,
        "model_slug": config.model_slug,
        "options": config.options(),
        "seeds": list(seeds),
        "n_queries": benches[0].stats["queries"],
        "n_documents": [b.stats["documents"] for b in benches],
        "measures": summary["measures"],
        "recall_curve": summary["recall_curve"],
        "protocol": {
            **asdict(benches[0].spec),
            "clips": benches[0].stats["clips"],
            "sentences": benches[0].stats["sentences"],
            "no_match_sentences": benches[0].stats["no_match"],
            "run_depth": run_depth,
            "ranking": "full corpus, ties by document id",
        },
        "sources": clips.sources,
        "runs": runs,
        "timing": {
            "seconds": round(time.perf_counter() - t0, 3),
            "encode_seconds": round(encode_seconds, 3),
            "seed_seconds": seed_seconds,
        },
        "nlrec_version": __version__,
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "command": command_line(benchmark, config, seeds, no_match if "+" in name else None),
    }
    write_json(results_path(out_dir, name, config), result)
    return result
