"""Does the teacher help? Reranking the top 100 of BM25 and of the shipped dense model on a
validation benchmark, through the searcher that ``nlrec query --rerank`` uses.

The validation benchmark of a tag catalog is ``mtt_valid`` (or ``msd_valid``): the tag, pair,
synonym and natural requests of :mod:`nlrec.evaluation.mtt_msd` over the *validation* split's
tag sets, which no training request is made from (MTT trains on ``train``). The test splits are
never read here.

For each retriever the benchmark is ranked twice through :func:`nlrec.search.build_searcher`:
as is, and with a :class:`~nlrec.search.rerank.RerankSearcher` layer around it. Measures are the
benchmark's (ir-measures, ×100), so "R@10 up" means the same thing as in ``eval/RESULTS.md``.
:meth:`RerankValidation.agreement` checks the teacher's labels against the validation relevance:
in each reranked pool, the share of (relevant, non-relevant) document pairs it orders correctly
(its AUC), beside the retriever's own.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.evaluation.mtt_msd import SUBSETS, TagBenchmark, load_tag_benchmark

#: Retrievers whose top 100 the teacher must improve: (label, system, dense model).
RETRIEVERS: tuple[tuple[str, str, str], ...] = (("bm25", "bm25", "music-minilm"),
                                                 ("dense", "dense", "music-minilm"))
VALIDATION_BENCHMARKS = ("mtt_valid", "msd_valid")


class MemoScorer:
    """Remembers the scores of pairs already scored (BM25's and the dense model's pools overlap)."""

    def __init__(self, scorer: Any) -> None:
        self.scorer = scorer
        self.cache: dict[tuple[str, str], float] = {}

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        todo = list(dict.fromkeys(p for p in pairs if p not in self.cache))
        if todo:
            self.cache.update(zip(todo, self.scorer.score_pairs(todo).tolist()))
        return np.asarray([self.cache[p] for p in pairs], dtype=np.float32)


def sample_benchmark(bench: TagBenchmark, n_queries: int | None, seed: int = 0) -> TagBenchmark:
    """``bench`` with at most ``n_queries`` queries, sampled in proportion within each subset."""
    if not n_queries or n_queries >= len(bench.queries):
        return bench
    rng = np.random.default_rng(seed)
    keep: list[str] = []
    for subset in SUBSETS:
        qids = [q.qid for q in bench.queries if q.subset == subset]
        take = max(1, round(n_queries * len(qids) / len(bench.queries))) if qids else 0
        keep += [qids[i] for i in sorted(rng.choice(len(qids), size=min(take, len(qids)), replace=False))]
    kept = set(keep)
    return dataclasses.replace(bench, queries=[q for q in bench.queries if q.qid in kept],
                               qrels={q: r for q, r in bench.qrels.items() if q in kept})


class RerankValidation:
    """The validation benchmark indexed once, ranked by each retriever with and without a reranker.

    Args:
        bench: a validation benchmark (e.g. ``load_tag_benchmark("mtt_valid", data_dir)``).
        workdir: where the throw-away index is built.
        depth: documents reranked per request (and run depth).
        dense_model: the shipped dense model whose top ``depth`` is reranked.
    """

    def __init__(self, bench: TagBenchmark, workdir: str | Path, *, depth: int = 100,
                 dense_model: str = "music-minilm") -> None:
        from nlrec.encoders.dense import load_encoder
        from nlrec.evaluation.tag_runner import tag_index

        self.bench = bench
        self.depth = depth
        self.dense_model = dense_model
        self.index = tag_index(bench, Path(workdir) / "index", load_encoder(dense_model))
        self.text = dict(zip(bench.doc_ids, bench.corpus))
        self._base: dict[str, dict[str, list[tuple[str, float]]]] = {}

    @classmethod
    def open(cls, name: str, data_dir: str | Path, workdir: str | Path, *, n_queries: int | None = None,
             seed: int = 0, depth: int = 100, dense_model: str = "music-minilm") -> RerankValidation:
        """The validation benchmark ``name`` (``mtt_valid`` / ``msd_valid``), optionally sampled."""
        from nlrec.errors import NlrecError

        if name not in VALIDATION_BENCHMARKS:
            raise NlrecError(f"{name!r} is not a validation benchmark; choose {' or '.join(VALIDATION_BENCHMARKS)}")
        return cls(sample_benchmark(load_tag_benchmark(name, data_dir), n_queries, seed), workdir, depth=depth,
                   dense_model=dense_model)

    def _config(self, system: str) -> Any:
        from nlrec.evaluation.runner import SystemConfig

        return SystemConfig(system=system, model=self.dense_model)  # type: ignore[arg-type]

    def rank(self, label: str, layers: Sequence[Any] = ()) -> dict[str, list[tuple[str, float]]]:
        from nlrec.evaluation.tag_runner import rank_tag_queries

        system = dict((lab, s) for lab, s, _ in RETRIEVERS)[label]
        return rank_tag_queries(self.index, self.bench, self._config(system), self.depth, layers=layers)

    def baseline(self, label: str) -> dict[str, list[tuple[str, float]]]:
        if label not in self._base:
            self._base[label] = self.rank(label)
        return self._base[label]

    def evaluate(self, scorer: Any, *, retrievers: Sequence[str] = ("bm25", "dense")) -> dict[str, Any]:
        """Measures of each retriever alone and reranked by ``scorer``, and the label agreement.

        Returns:
            ``{label: {"retriever": measures, "reranked": measures, "agreement": {...}}, "pairs_scored"}``
            with measures ``{subset | "all": {R@10, nDCG@10, P@10, AP@100, RR@10, queries}}``.
        """
        from nlrec.evaluation.tag_runner import evaluate_tag_run
        from nlrec.search.rerank import rerank_layer

        memo = MemoScorer(scorer)
        out: dict[str, Any] = {}
        for label in retrievers:
            base = self.baseline(label)
            reranked = self.rank(label, [rerank_layer(memo, self.depth)])
            out[label] = {"retriever": evaluate_tag_run(self.bench.qrels, base),
                          "reranked": evaluate_tag_run(self.bench.qrels, reranked),
                          "agreement": self.agreement(base, memo)}
        out["pairs_scored"] = len(memo.cache)
        out["queries"] = len(self.bench.queries)
        return out

    def agreement(self, ranked: dict[str, list[tuple[str, float]]], scorer: Any) -> dict[str, float]:
        """How often the teacher orders a relevant document of a pool above a non-relevant one
        (pairwise accuracy, ×100, averaged over requests with both), beside the retriever.

        Natural requests are scored on the text as typed here (the reranker reads the text
        without its negations), so they are left out.
        """
        q_text = {q.qid: q.text for q in self.bench.queries if q.subset != "nat"}
        teacher_acc, retriever_acc = [], []
        for qid, hits in ranked.items():
            if qid not in q_text or not hits:
                continue
            rel = self.bench.qrels.get(qid, {})
            docs = [d for d, _ in hits[: self.depth]]
            is_rel = np.array([d in rel for d in docs])
            if is_rel.all() or not is_rel.any():
                continue
            t = scorer.score_pairs([(q_text[qid], self.text[d]) for d in docs])
            r = -np.arange(len(docs), dtype=np.float64)  # the retriever's order
            for scores, acc in ((t, teacher_acc), (r, retriever_acc)):
                diff = scores[is_rel][:, None] - scores[~is_rel][None, :]
                acc.append(float(((diff > 0) + 0.5 * (diff == 0)).mean()))
        return {"teacher_pairwise_acc": round(100 * float(np.mean(teacher_acc)), 2) if teacher_acc else 0.0,
                "retriever_pairwise_acc": round(100 * float(np.mean(retriever_acc)), 2) if retriever_acc else 0.0,
                "queries": len(teacher_acc)}


def summary(result: dict[str, Any], subset: str = "all") -> dict[str, dict[str, float]]:
    """``{retriever: {R@10, RR@10, nDCG@10 before / after}}`` of an :meth:`RerankValidation.evaluate` result."""
    out = {}
    for label, r in result.items():
        if not isinstance(r, dict) or "retriever" not in r:
            continue
        b, a = r["retriever"][subset], r["reranked"][subset]
        out[label] = {f"{m} {w}": round(x[m], 2) for m in ("R@10", "RR@10", "nDCG@10")
                      for w, x in (("before", b), ("after", a))}
    return out


def validate_teacher(path: str | Path, benchmark: str, data_dir: str | Path, *, n_queries: int | None = None,
                     depth: int = 100, max_length: int | None = None, device: str | None = None,
                     dense_model: str = "music-minilm") -> dict[str, Any]:
    """Load the cross-encoder at ``path`` and rerank both retrievers' top ``depth`` on ``benchmark``."""
    import time

    from nlrec.encoders.cross import CrossEncoderScorer

    scorer = CrossEncoderScorer.load(path, device=device, max_length=max_length)
    with tempfile.TemporaryDirectory(prefix=".teacher-val-") as tmp:
        val = RerankValidation.open(benchmark, data_dir, tmp, n_queries=n_queries, depth=depth,
                                    dense_model=dense_model)
        t0 = time.perf_counter()
        result = val.evaluate(scorer)
    result.update(benchmark=benchmark, depth=depth, teacher=str(path), seconds=round(time.perf_counter() - t0, 1))
    return result
