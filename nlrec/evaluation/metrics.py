"""Retrieval metrics: R@k, RR@10 and nDCG@10 through ``ir-measures``; median rank by hand.

Rates are reported ×100, as in the paper; the median rank (MedR, 1 = best) is not scaled.
Across seeds a measure is summarised by its mean and its population standard deviation.

Runs handed to ``ir-measures`` carry rank-derived scores (``depth - rank``), so its own tie
breaking (trec_eval sorts equal scores by descending doc id) cannot reorder our rankings.

Profiles are evaluated on score arrays over a catalog (:func:`top_k_rows`, :func:`ranks_of`,
:func:`recall_ndcg`, checked against ir-measures in the tests); everyday requests per request
(:func:`per_query`).

The Recall@k curve (k = 1..50, for the plot) is the share of queries whose relevant document
ranks within k, exact with one relevant document a query; every run checks it against
ir-measures' R@1, R@5 and R@10 (:func:`check_against_ranks`). Fifty more ir-measures cut-offs
would cost more than a minute over the baseline table for the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

RATE_MEASURES: tuple[str, ...] = ("R@1", "R@5", "R@10", "RR@10", "nDCG@10")
MEASURES: tuple[str, ...] = (*RATE_MEASURES, "MedR")
CURVE_KS: tuple[int, ...] = tuple(range(1, 51))
METRIC_DEPTH = 10  # the deepest ir-measures cut-off; runs handed to it are this deep

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Mapping[str, float]]


@dataclass
class SeedMetrics:
    """The measures of one run (one seed).

    Attributes:
        values: ``{"R@1": ..., "MedR": ...}``; rates ×100.
        curve: Recall@k ×100 for ``k`` in :data:`CURVE_KS`.
        n_queries: queries evaluated.
    """

    values: dict[str, float]
    curve: list[float] = field(default_factory=list)
    n_queries: int = 0


def run_from_rankings(
    rankings: Mapping[str, Sequence[str]], depth: int = METRIC_DEPTH
) -> dict[str, dict[str, float]]:
    """A run ``{qid: {docid: score}}`` from ranked doc ids (the first ``depth``), scored
    ``depth - rank`` with 0-based ranks, so no two documents tie."""
    return {
        qid: {d: float(depth - r) for r, d in enumerate(docs[:depth])}
        for qid, docs in rankings.items()
    }


def median_rank(ranks: Sequence[int] | np.ndarray) -> float:
    """Median of the 1-based rank of each query's relevant document (ranked over the full corpus)."""
    ranks = np.asarray(ranks, dtype=np.float64)
    if ranks.size == 0:
        raise ValueError("no rank to take the median of")
    if (ranks < 1).any():
        raise ValueError("ranks start at 1")
    return float(np.median(ranks))


def recall_curve(
    relevant_ranks: Sequence[int] | np.ndarray, ks: Sequence[int] = CURVE_KS
) -> list[float]:
    """Recall@k ×100 for each ``k`` from the relevant documents' ranks (one relevant a query)."""
    ranks = np.asarray(relevant_ranks)
    return [100.0 * float(np.mean(ranks <= k)) for k in ks]


def evaluate(
    qrels: Qrels, run: Run, relevant_ranks: Sequence[int] | np.ndarray | None = None
) -> SeedMetrics:
    """Compute :data:`RATE_MEASURES` with ``ir-measures``; MedR and the Recall@k curve from ranks.

    Args:
        qrels: ``{qid: {docid: relevance}}``.
        run: ``{qid: {docid: score}}`` holding every qid of ``qrels`` (at least 10 deep).
        relevant_ranks: the full-corpus rank of each query's relevant document; without it
            MedR and the curve are left out.

    Raises:
        ValueError: if the run misses queries of the qrels.
    """
    ir_measures = require_ir_measures()

    missing = [q for q in qrels if q not in run or not run[q]]
    if missing:
        raise ValueError(
            f"the run has no ranking for {len(missing)} qrels queries (e.g. {missing[0]!r})"
        )
    measures = {name: ir_measures.parse_measure(name) for name in RATE_MEASURES}
    scoped = {q: dict(run[q]) for q in qrels}
    agg = ir_measures.calc_aggregate(list(measures.values()), qrels, scoped)
    values = {name: 100.0 * float(agg[m]) for name, m in measures.items()}
    curve: list[float] = []
    if relevant_ranks is not None:
        values["MedR"] = median_rank(relevant_ranks)
        curve = recall_curve(relevant_ranks)
    return SeedMetrics(values, curve, len(qrels))


def check_against_ranks(
    metrics: SeedMetrics, relevant_ranks: Sequence[int] | np.ndarray, tol: float = 1e-6
) -> None:
    """Assert ir-measures' R@k equals the share of relevant ranks <= k (single-relevant qrels).

    A guard against a run and the ranks disagreeing (e.g. a tie broken differently).

    Raises:
        RuntimeError: on a mismatch.
    """
    ranks = np.asarray(relevant_ranks)
    for k in (1, 5, 10):
        by_hand = 100.0 * float(np.mean(ranks <= k))
        if abs(by_hand - metrics.values[f"R@{k}"]) > tol:
            raise RuntimeError(
                f"R@{k}: ir-measures gives {metrics.values[f'R@{k}']:.4f}, "
                f"the relevant ranks give {by_hand:.4f}"
            )


def summarize(per_seed: Sequence[SeedMetrics], digits: int = 4) -> dict[str, Any]:
    """Mean and population std (``ddof=0``) over seeds of every measure and of the curve.

    Returns:
        ``{"measures": {name: {"mean", "std", "per_seed"}}, "recall_curve": {"k", "mean", "std"}}``.
    """
    if not per_seed:
        raise ValueError("no seed to summarise")
    out: dict[str, Any] = {"measures": {}}
    for name in per_seed[0].values:
        xs = np.array([m.values[name] for m in per_seed], dtype=np.float64)
        out["measures"][name] = {
            "mean": round(float(xs.mean()), digits),
            "std": round(float(xs.std(ddof=0)), digits),
            "per_seed": [round(float(x), digits) for x in xs],
        }
    if all(m.curve for m in per_seed):
        c = np.array([m.curve for m in per_seed], dtype=np.float64)
        out["recall_curve"] = {
            "k": list(CURVE_KS),
            "mean": [round(float(x), digits) for x in c.mean(axis=0)],
            "std": [round(float(x), digits) for x in c.std(axis=0, ddof=0)],
        }
    return out


def per_query(qrels: Qrels, run: Run, measures: Sequence[str]) -> dict[str, dict[str, float]]:
    """``{qid: {measure: value ×100}}`` through ``ir-measures`` for every qid of ``qrels`` (a
    measure ir-measures gives no value for a query is left out of its dict)."""
    import ir_measures

    parsed = [ir_measures.parse_measure(m) for m in measures]
    out: dict[str, dict[str, float]] = {q: {} for q in qrels}
    for m in ir_measures.iter_calc(parsed, qrels, run):
        out[m.query_id][str(m.measure)] = float(m.value) * 100
    return out


def top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` best scores, best first; ties by lower row. ``-inf`` marks non-candidates."""
    finite = np.flatnonzero(np.isfinite(scores))
    k = min(k, len(finite))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    part = finite[np.argpartition(-scores[finite], k - 1)[:k]] if k < len(finite) else finite
    kth = scores[part].min()
    part = finite[scores[finite] >= kth]
    return part[np.lexsort((part, -scores[part]))][:k].astype(np.int64)


def ranks_of(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """1-based ranks of ``rows`` among the finite scores, ordered by ``(-score, row)``."""
    finite = np.flatnonzero(np.isfinite(scores))
    order = finite[np.lexsort((finite, -scores[finite]))]
    pos = np.empty(len(scores), dtype=np.int64)
    pos[order] = np.arange(1, len(order) + 1)
    return pos[rows]


def recall_ndcg(top: np.ndarray, relevant: set[int], k: int) -> tuple[float, float]:
    """Recall@k and binary nDCG@k of a ranked list against a set of relevant rows."""
    if not relevant:
        return 0.0, 0.0
    gains = np.array([1.0 if int(r) in relevant else 0.0 for r in top[:k]])
    discounts = 1.0 / np.log2(np.arange(2, len(gains) + 2))
    ideal = (1.0 / np.log2(np.arange(2, min(len(relevant), k) + 2))).sum()
    return float(gains.sum() / len(relevant)), float((gains * discounts).sum() / ideal)


def is_ir_measures_available() -> bool:
    """Whether ``ir-measures`` (the ``eval`` extra) is installed."""
    import importlib.util

    return importlib.util.find_spec("ir_measures") is not None


def require_ir_measures():
    """The ``ir_measures`` module.

    Raises:
        NlrecError: naming the extra to install when it is missing.
    """
    from nlrec.errors import NlrecError

    if not is_ir_measures_available():
        raise NlrecError("evaluation needs ir-measures, which is not installed: pip install 'nlrec[eval]'")
    import ir_measures

    return ir_measures
