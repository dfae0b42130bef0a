"""Run a retrieval system on a benchmark over sampling seeds; write TREC runs and a results JSON.

Every query is ranked against the whole corpus of its seed, so the median rank is exact:

* ``tfidf``, ``bm25`` and ``dense`` score every (query, document) pair; documents are ordered
  by ``(-score, corpus row)`` (rows are sorted by document id, so ties break by id).
* ``hybrid`` is what ``nlrec query --mode hybrid`` does: the dense top-``hybrid_depth`` and the
  lexical top-``hybrid_depth`` (positive scores only) fused by RRF (or a weighted sum of
  min-max normalised scores). Documents outside the fused list follow it in dense order; this
  only matters for the median rank.

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
from nlrec.evaluation.benchmarks import (
    SEEDS,
    Benchmark,
    Clips,
    build_benchmark,
    load_clips,
    save_benchmark,
)
from nlrec.evaluation.metrics import (
    METRIC_DEPTH,
    check_against_ranks,
    evaluate,
    run_from_rankings,
    summarize,
)

SystemName = Literal["tfidf", "bm25", "dense", "hybrid"]
SYSTEMS: tuple[str, ...] = ("tfidf", "bm25", "dense", "hybrid")
LEXICAL: tuple[str, ...] = ("tfidf", "bm25")
RUN_DEPTH = 100
HYBRID_DEPTH = 100  # = nlrec.search.HYBRID_DEPTH
CHUNK = 256
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SystemConfig:
    """A system to evaluate.

    Attributes:
        system: ``tfidf`` | ``bm25`` | ``dense`` | ``hybrid``.
        model: dense encoder (``"default"`` = packaged all-MiniLM-L6-v2, or a local directory).
        sparse: lexical side of ``hybrid``.
        fusion: ``rrf`` or ``weighted`` (``alpha`` = dense weight; not tuned on test data).
        hybrid_depth: how many documents each side contributes to the fusion.
    """

    system: SystemName
    model: str = "default"
    sparse: Literal["bm25", "tfidf"] = "bm25"
    fusion: Literal["rrf", "weighted"] = "rrf"
    alpha: float = 0.5
    hybrid_depth: int = HYBRID_DEPTH

    def __post_init__(self) -> None:
        if self.system not in SYSTEMS:
            raise NlrecError(f"unknown system {self.system!r}; choose one of {', '.join(SYSTEMS)}")
        if self.sparse not in LEXICAL or self.fusion not in ("rrf", "weighted"):
            raise NlrecError(f"unknown hybrid setting {self.sparse!r} / {self.fusion!r}")
        if not 0.0 <= self.alpha <= 1.0:
            raise NlrecError(f"alpha must be in [0, 1], got {self.alpha}")
        if self.hybrid_depth < 1:
            raise NlrecError("hybrid depth must be positive")

    @property
    def uses_model(self) -> bool:
        return self.system in ("dense", "hybrid")

    @property
    def label(self) -> str:
        """``tfidf`` / ``bm25`` / ``dense`` / ``hybrid`` (dense + BM25, RRF, depth 100), else e.g.
        ``hybrid-tfidf`` or ``hybrid-bm25-weighted0.3``."""
        if self.system != "hybrid":
            return self.system
        if (self.sparse, self.fusion, self.hybrid_depth) == ("bm25", "rrf", HYBRID_DEPTH):
            return "hybrid"
        parts = ["hybrid", self.sparse]
        if self.fusion == "weighted":
            parts.append(f"weighted{self.alpha:g}")
        if self.hybrid_depth != HYBRID_DEPTH:
            parts.append(f"depth{self.hybrid_depth}")
        return "-".join(parts)

    @property
    def model_slug(self) -> str:
        """``none`` for lexical systems, ``all-minilm-l6-v2`` for the default model, else the
        model directory's name."""
        if not self.uses_model:
            return "none"
        from nlrec.encoders.dense import MINILM, MUSIC_MODEL, canonical_model

        named = {MINILM: "all-minilm-l6-v2", MUSIC_MODEL: "nlrec-music-minilm"}
        if canonical_model(self.model) in named:
            return named[canonical_model(self.model)]
        name = Path(self.model.rstrip("/\\")).name or self.model
        if self.model.startswith("clap:"):
            name = f"clap-{name}"
        return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.") or "model"

    def options(self) -> dict[str, Any]:
        if self.system != "hybrid":
            return {}
        return {
            "sparse": self.sparse,
            "fusion": self.fusion,
            "hybrid_depth": self.hybrid_depth,
            **({"alpha": self.alpha} if self.fusion == "weighted" else {}),
        }


# ----------------------------------------------------------------------------------- ranking
@dataclass
class SeedRanking:
    """A system's output on one seed: top documents (corpus rows) and each relevant doc's rank."""

    top: list[np.ndarray]
    top_scores: list[np.ndarray]
    relevant_rank: np.ndarray


Scorer = Callable[[slice], np.ndarray]


def _lexical_scorer(kind: str, corpus: list[str], queries: list[str]) -> Scorer:
    from nlrec.encoders.sparse import BM25Retriever, TfidfRetriever

    if kind == "tfidf":
        ret = TfidfRetriever.build(corpus)
        q = ret.vectorizer.transform(queries).astype(np.float32).tocsr()
        mt = ret.matrix.T.tocsr()
        return lambda sl: np.asarray((q[sl] @ mt).todense(), dtype=np.float32)
    bm25 = BM25Retriever.build(corpus)
    tokens = bm25.tokenize(queries)  # once, not per query; then what BM25Retriever.scores does
    vocab = bm25.model.vocab_dict
    zeros = np.zeros(len(corpus), dtype=np.float32)

    def score(toks: list[str]) -> np.ndarray:
        toks = [t for t in toks if t in vocab]
        return np.asarray(bm25.model.get_scores(toks), dtype=np.float32) if toks else zeros

    return lambda sl: np.stack([score(t) for t in tokens[sl]])


def _order(scores: np.ndarray) -> np.ndarray:
    """Row-wise ranking by ``(-score, column)``."""
    return np.argsort(-scores, axis=1, kind="stable")


def _ahead(scores: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """Boolean mask of documents ranked before each row's relevant document."""
    s_rel = scores[np.arange(len(scores)), rel][:, None]
    cols = np.arange(scores.shape[1])[None, :]
    return (scores > s_rel) | ((scores == s_rel) & (cols < rel[:, None]))


def rank_seed(
    config: SystemConfig,
    bench: Benchmark,
    *,
    depth: int = RUN_DEPTH,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    progress: Progress | None = None,
) -> SeedRanking:
    """Rank the full corpus of ``bench`` for each of its queries with ``config``'s system.

    Args:
        embed: text -> unit vectors (needed by ``dense`` and ``hybrid``).
    """
    queries = [q.text for q in bench.queries]
    n, n_docs = len(queries), len(bench.corpus)
    depth = min(depth, n_docs)
    dense: Scorer | None = None
    lexical: Scorer | None = None
    if config.uses_model:
        if embed is None:
            raise ValueError(f"system {config.system} needs an embed function")
        eq, ec = embed(queries), embed(bench.corpus)
        dense = lambda sl: eq[sl] @ ec.T  # noqa: E731
    if config.system in LEXICAL or config.system == "hybrid":
        lexical = _lexical_scorer(
            config.system if config.system in LEXICAL else config.sparse, bench.corpus, queries
        )
    top: list[np.ndarray] = []
    top_scores: list[np.ndarray] = []
    ranks = np.empty(n, dtype=np.int64)
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        rel = bench.relevant[sl]
        if config.system == "hybrid":
            assert dense is not None and lexical is not None
            t, s, r = _hybrid_chunk(config, dense(sl), lexical(sl), rel, depth)
        else:
            scores = (dense or lexical)(sl)  # type: ignore[misc]
            order = _order(scores)[:, :depth]
            t = list(order)
            s = list(np.take_along_axis(scores, order, axis=1))
            r = _ahead(scores, rel).sum(axis=1) + 1
        top += t
        top_scores += s
        ranks[sl] = r
        if progress:
            progress(f"seed {bench.seed}: ranking", sl.stop, n)
    return SeedRanking(top, top_scores, ranks)


def _hybrid_chunk(
    config: SystemConfig, sd: np.ndarray, sl: np.ndarray, rel: np.ndarray, depth: int
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    from nlrec.encoders.base import Ranking
    from nlrec.fusion import fuse

    hd = min(config.hybrid_depth, sd.shape[1])
    d_order, l_order = _order(sd)[:, :hd], _order(sl)[:, :hd]
    ahead = _ahead(sd, rel)
    weights = [config.alpha, 1.0 - config.alpha] if config.fusion == "weighted" else None
    tops, scores, ranks = [], [], np.empty(len(sd), dtype=np.int64)
    for i in range(len(sd)):
        dr = Ranking(d_order[i], sd[i, d_order[i]])
        keep = sl[i, l_order[i]] > 0
        lr = Ranking(l_order[i][keep], sl[i, l_order[i]][keep])
        fused = fuse([dr, lr], 2 * hd, method=config.fusion, weights=weights)
        ids = fused.doc_ids
        if len(ids) < depth:  # the tail, in dense order (only when depth > hybrid depth)
            rest = d_order[i] if len(d_order[i]) >= sd.shape[1] else _order(sd[i : i + 1])[0]
            tail = rest[~np.isin(rest, ids)][: depth - len(ids)]
            low = float(fused.scores.min()) if len(fused) else 0.0
            ids = np.concatenate([ids, tail])
            fused_scores = np.concatenate(
                [fused.scores, low - np.arange(1, len(tail) + 1, dtype=np.float32)]
            )
        else:
            fused_scores = fused.scores
        tops.append(ids[:depth])
        scores.append(fused_scores[:depth])
        hit = np.flatnonzero(fused.doc_ids == rel[i])
        if len(hit):
            ranks[i] = hit[0] + 1
        else:  # after the fused list, in dense order
            dense_rank = int(ahead[i].sum()) + 1
            ranks[i] = len(fused) + dense_rank - int(ahead[i][fused.doc_ids].sum())
    return tops, scores, ranks


# ------------------------------------------------------------------------------------ driver
def results_path(out_dir: str | Path, benchmark: str, config: SystemConfig) -> Path:
    return Path(out_dir) / "results" / f"{benchmark}__{config.label}__{config.model_slug}.json"


def _command(
    benchmark: str, config: SystemConfig, seeds: Sequence[int], no_match: str | None
) -> str:
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
    from nlrec.evaluation.mtt_msd import TAG_BENCHMARKS
    from nlrec.io import atomic_write_bytes, write_json
    from nlrec.trec import format_run

    if benchmark in TAG_BENCHMARKS:  # mtt / msd: many relevant sets a query, ranked by the search API
        from nlrec.evaluation.tag_runner import run_tag_benchmark

        return run_tag_benchmark(
            benchmark, config, data_dir=data_dir, out_dir=out_dir, run_depth=max(run_depth, 100),
            cache=cache, cache_dir=cache_dir, progress=progress,
        )
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
        "command": _command(benchmark, config, seeds, no_match if "+" in name else None),
    }
    write_json(results_path(out_dir, name, config), result)
    return result
