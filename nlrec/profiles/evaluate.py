"""Evaluating profiles on real listeners: accuracy against a black-box baseline, and control.

Protocol (one seed; every draw is seeded):

1. Listeners come from :mod:`nlrec.catalog.listeners` in a seeded order: the first ``n_dev`` are
   the **dev** listeners (the only ones settings were chosen on), the next ``n_test`` the **test**
   listeners (reported). Each listener's items are split at random: ``holdout`` of them (at
   least one) are held out, the rest are the **liked** items (with their play counts).
2. The vocabulary is the catalog's ``vocab_size`` most frequent descriptors; prototypes, the
   profile (sparse, ``top_m`` prototypes) and scores are computed as for ``nlrec profile``.
   Candidates are all items but the listener's liked ones.
3. **Accuracy**: Recall@k and nDCG@k (binary) of the held-out items, for the profile and for the
   **baseline**, the cosine to the play-weighted mean embedding of the liked items (same weights).
4. **Boost**: for each listener, ``boost_descriptors`` vocabulary descriptors are drawn among those
   carried by at least ``k`` candidates. The descriptor's weight is raised ``boost_steps`` times by
   ``boost_step`` (what ``adjust --more`` does), all else fixed; ``share(t)`` is the fraction of the
   top-``k`` recommendations carrying the descriptor after ``t`` raises. A pair **succeeds** when
   ``share(0) <= share(1) <= ... <= share(T)`` and ``share(T) > share(0)``. Pairs already at
   ``share(0) = 1`` cannot rise; they are counted apart and left out of the rate.
   ``boost_success`` = succeeding / non-saturated pairs (×100); the mean change is
   ``share(T) - share(0)`` over the same pairs (×100, percentage points).
5. **Mute**: for each listener and each prototype ``p`` of their profile such that the held-out
   items include some carrying ``p`` (C) and some not (O), mute ``p`` as ``adjust --mute`` does:
   its weight goes to 0 and every item carrying ``p`` loses ``mute_penalty`` (the score is
   renormalised by the remaining weights first, as in :class:`~nlrec.profiles.scoring.ProfileScorer`).
   With ``r`` / ``r'`` an item's rank among all candidates before / after, a carrier's
   displacement is ``log2(r'/r)`` (positive = it fell) and another held-out item's is
   ``|log2(r'/r)|`` (any movement, up or down). ``mute_selectivity`` = (mean over pairs of the
   carriers' mean displacement) / (mean over pairs of the others' mean displacement). Also
   reported: the same with raw ranks, the share of the top-``k`` carrying ``p`` before and after,
   the same measures for a mute that only removes the weight (``weight_only``), the same by the
   share of the catalog carrying ``p`` (``by_catalog_share``), and, as a secondary diagnostic,
   how much the others are reordered among the non-carriers.
   On the dev listeners the measures are also computed for every penalty of
   ``ProtocolConfig.mute_sweep`` (``dev.mute.sweep``): the default penalty was chosen there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.catalog.listeners import ListeningData, load_listening
from nlrec.evaluation.metrics import ranks_of, recall_ndcg, top_k_rows
from nlrec.profiles.profile import MORE_STEP, ProfileSettings
from nlrec.profiles.prototypes import (
    ItemSpace,
    Prototypes,
    affinity,
    build_prototypes,
    normalize_rows,
)
from nlrec.profiles.scoring import catalog_prior, play_weights, profile_weights
from nlrec.profiles.summary import penalty_key, summarize

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ProtocolConfig:
    """The evaluation protocol's parameters (see the module docstring)."""

    n_dev: int = 100
    n_test: int = 400
    holdout: float = 0.2
    seed: int = 0
    k: int = 50
    boost_descriptors: int = 5
    boost_steps: int = 4
    boost_step: float = MORE_STEP
    mute_sweep: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
    """Mute penalties also measured on the dev listeners (the default was chosen among them)."""


# --------------------------------------------------------------------------- protocol
@dataclass
class _Listener:
    liked: np.ndarray
    plays: np.ndarray
    heldout: np.ndarray


def split_history(history: dict[int, float], holdout: float, rng: np.random.Generator) -> _Listener:
    """Hold out ``holdout`` of a listener's items at random (at least one, never all)."""
    rows = np.array(sorted(history), dtype=np.int64)
    n_out = min(len(rows) - 1, max(1, int(round(holdout * len(rows)))))
    perm = rng.permutation(len(rows))
    out, keep = np.sort(rows[perm[:n_out]]), np.sort(rows[perm[n_out:]])
    return _Listener(keep, np.array([history[int(r)] for r in keep]), out)


class _Evaluator:
    """Everything shared by the listeners of one dataset: space, prototypes, affinities."""

    def __init__(self, space: ItemSpace, prototypes: Prototypes, settings: ProfileSettings, config: ProtocolConfig):
        self.space, self.protos, self.s, self.c = space, prototypes, settings, config
        self.A = affinity(space, prototypes, lexical=settings.lexical).astype(np.float64)
        self.carry = space.carries(prototypes.names).astype(bool)
        self.prior = catalog_prior(space, prototypes, temperature=settings.temperature, lexical=settings.lexical)

    def weights(self, lst: _Listener, top_m: int | None = None) -> np.ndarray:
        """The listener's profile, computed as ``nlrec profile build`` does, as a vocabulary vector."""
        s = self.s
        sparse = profile_weights(self.space, self.protos, lst.liked, play_weights(lst.plays, s.weighting),
                                 temperature=s.temperature, top_m=top_m or s.top_m, lexical=s.lexical,
                                 specificity=s.specificity, prior=self.prior)
        w = np.zeros(len(self.protos))
        for j, n in enumerate(self.protos.names):
            w[j] = sparse.get(n, 0.0)
        return w

    def listener(self, lst: _Listener, rng: np.random.Generator, *, sweep: bool = False) -> dict[str, Any]:
        k = self.c.k
        mask = np.zeros(len(self.space), dtype=bool)
        mask[lst.liked] = True
        w = self.weights(lst)
        prof = np.where(mask, -np.inf, self.A @ w)
        wts = play_weights(lst.plays, self.s.weighting)
        mean = normalize_rows((wts[:, None] * self.space.vectors[lst.liked]).sum(0, keepdims=True))[0]
        base = np.where(mask, -np.inf, self.space.vectors @ mean)
        dense_w = self.weights(lst, top_m=len(self.protos))
        dense = np.where(mask, -np.inf, self.A @ dense_w)
        rel = set(lst.heldout.tolist())
        out: dict[str, Any] = {}
        for name, s in (("profile", prof), ("baseline", base), ("profile_all_prototypes", dense)):
            out[name] = recall_ndcg(top_k_rows(s, k), rel, k)
        out["boost"] = self._boost(prof, w, mask, rng)
        penalties = {self.s.mute_penalty, 0.0} | (set(self.c.mute_sweep) if sweep else set())
        out["mute"] = self._mute(prof, w, lst, mask, sorted(penalties))
        out["n_prototypes"] = int((w > 0).sum())
        return out

    def _boost(self, scores: np.ndarray, w: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> list[dict]:
        c, k = self.c, self.c.k
        eligible = np.flatnonzero((self.carry & ~mask[:, None]).sum(0) >= k)
        picks = rng.choice(eligible, size=min(c.boost_descriptors, len(eligible)), replace=False) if len(eligible) else []
        pairs = []
        for j in sorted(int(x) for x in picks):
            shares = []
            for t in range(c.boost_steps + 1):
                s = scores + (t * c.boost_step) * np.where(mask, 0.0, self.A[:, j])
                shares.append(float(self.carry[top_k_rows(s, k), j].mean()))
            pairs.append({"descriptor": self.protos.names[j], "in_profile": bool(w[j] > 0), "shares": shares})
        return pairs

    def _mute(self, scores: np.ndarray, w: np.ndarray, lst: _Listener, mask: np.ndarray,
              penalties: list[float]) -> list[dict]:
        k, held, total = self.c.k, lst.heldout, float(w.sum())
        before = ranks_of(scores, held).astype(np.float64)
        pairs = []
        for j in np.flatnonzero(w > 0).tolist():
            carriers = self.carry[held, j]
            if carriers.all() or not carriers.any():
                continue
            rest = total - w[j]
            kept = (scores - w[j] * self.A[:, j]) / rest if rest > 0 else np.where(mask, -np.inf, 0.0)
            carry = self.carry[:, j].astype(np.float64)
            by_penalty = {}
            for lam in penalties:
                muted = kept - lam * carry
                after = ranks_of(muted, held).astype(np.float64)
                log, diff = np.log2(after / before), after - before
                by_penalty[penalty_key(lam)] = {
                    "carriers_log2": float(log[carriers].mean()),
                    "others_abs_log2": float(np.abs(log[~carriers]).mean()),
                    "others_log2": float(log[~carriers].mean()),
                    "others_fall_log2": float(np.maximum(log[~carriers], 0).mean()),
                    "carriers_rank": float(diff[carriers].mean()),
                    "others_abs_rank": float(np.abs(diff[~carriers]).mean()),
                    "share_after": float(self.carry[top_k_rows(muted, k), j].mean()),
                }
            # diagnostic: the others' rank among the candidates that do not carry p (the penalty
            # does not change it: it only moves carriers)
            outside = np.where(self.carry[:, j], -np.inf, 0.0)
            others = held[~carriers]
            q0 = ranks_of(scores + outside, others).astype(np.float64)
            q1 = ranks_of(kept + outside, others).astype(np.float64)
            pairs.append({
                "descriptor": self.protos.names[j],
                "weight": float(w[j]),
                "share_before": float(self.carry[top_k_rows(scores, k), j].mean()),
                "catalog_share": float(self.carry[:, j].mean()),
                "others_reorder_log2": float(np.abs(np.log2(q1 / q0)).mean()),
                "by_penalty": by_penalty,
            })
        return pairs


def run_protocol(
    data: ListeningData,
    item_vectors: np.ndarray,
    descriptor_vectors: Any,
    *,
    settings: ProfileSettings | None = None,
    config: ProtocolConfig | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the protocol on loaded data and vectors.

    Args:
        data: the listening data.
        item_vectors: ``(n_items, d)`` unit embeddings of ``data.texts``.
        descriptor_vectors: ``callable(names) -> (len(names), d)`` unit text embeddings.

    Returns:
        ``{"dev": summary, "test": summary, "vocabulary": [...], ...}`` (see :func:`~nlrec.profiles.summary.summarize`).
    """
    settings, config = settings or ProfileSettings(), config or ProtocolConfig()
    space = ItemSpace(item_vectors, data.descriptors)
    vocab = space.vocabulary(settings.vocab_size)
    protos = build_prototypes(space, vocab, descriptor_vectors(vocab), blend=settings.blend)
    ev = _Evaluator(space, protos, settings, config)
    groups = {"dev": data.listeners[: config.n_dev],
              "test": data.listeners[config.n_dev: config.n_dev + config.n_test]}
    out: dict[str, Any] = {"vocabulary": vocab}
    done, total = 0, sum(len(g) for g in groups.values())
    for name, group in groups.items():
        results = []
        for i, (_lid, hist) in enumerate(group):
            rng = np.random.default_rng([config.seed, 0 if name == "dev" else 1, i])
            results.append(ev.listener(split_history(hist, config.holdout, rng), rng, sweep=name == "dev"))
            done += 1
            if progress and (done % 20 == 0 or done == total):
                progress("listeners", done, total)
        out[name] = summarize(results, settings.mute_penalty)
    return out


def evaluate_profiles(
    dataset: str,
    data_dir: str | Path,
    *,
    model: str = "default",
    settings: ProfileSettings | None = None,
    config: ProtocolConfig | None = None,
    cache_dir: Path | None = None,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Load ``dataset``, embed its items (cached), run the protocol; return the results object.

    Item and descriptor embeddings are kept under ``cache_dir`` (keyed by the encoder's weights)
    when it is given, so later runs skip the encoding.

    The headline keys are ``boost_success``, ``boost_mean_change``, ``mute_selectivity``,
    ``recall@<k>`` and ``ndcg@<k>`` (each ``{"profile", "baseline", "ratio"}``), all on the test
    listeners; ``dev`` holds the same on the dev listeners.
    """
    from nlrec import __version__
    from nlrec.encoders.dense import load_encoder
    from nlrec.evaluation import EmbeddingCache
    settings, config = settings or ProfileSettings(), config or ProtocolConfig()
    t0 = time.perf_counter()
    data = load_listening(dataset, data_dir, n_listeners=config.n_dev + config.n_test, seed=config.seed)
    load_s = time.perf_counter() - t0
    encoder = load_encoder(model)
    cache = EmbeddingCache(encoder, cache_dir, batch_size=batch_size)
    t1 = time.perf_counter()
    item_vectors = cache.encode(data.texts, progress=progress)
    names_vectors = cache.encode  # descriptor names go through the same cache
    result = run_protocol(data, item_vectors, names_vectors, settings=settings, config=config, progress=progress)
    cache.save()
    encode_s = time.perf_counter() - t1
    test, dev, k = result["test"], result["dev"], config.k

    def pair(measure: str, summary: dict) -> dict[str, float | None]:
        prof, base = summary["accuracy"][measure]["profile"], summary["accuracy"][measure]["baseline"]
        return {"profile": prof, "baseline": base, "ratio": round(prof / base, 4) if base else None,
                "profile_all_prototypes": summary["accuracy"][measure]["profile_all_prototypes"]}

    headline = {
        "boost_success": test["boost"]["success"],
        "boost_mean_change": test["boost"]["mean_change"],
        "mute_selectivity": test["mute"]["selectivity"],
        "mute_share_after": test["mute"]["share_after"],
        f"recall@{k}": pair("recall", test),
        f"ndcg@{k}": pair("ndcg", test),
    }
    return {
        "kind": "profiles",
        "dataset": dataset,
        **headline,
        "acceptance": {
            "boost_success>=95": headline["boost_success"] is not None and headline["boost_success"] >= 95.0,
            "mute_selectivity>=5": headline["mute_selectivity"] is not None and headline["mute_selectivity"] >= 5.0,
            "recall>=0.95*baseline": (headline[f"recall@{k}"]["ratio"] or 0) >= 0.95,
            "ndcg>=0.95*baseline": (headline[f"ndcg@{k}"]["ratio"] or 0) >= 0.95,
        },
        "units": "rates and shares ×100; selectivity is a ratio",
        "test": test,
        "dev": {"recall": pair("recall", dev), "ndcg": pair("ndcg", dev), **dev},
        "settings": asdict(settings),
        "protocol": asdict(config),
        "data": data.info,
        "vocabulary": result["vocabulary"],
        "encoder": {"id": encoder.id, "weights_sha256": encoder.fingerprint()},
        "timing": {"load_seconds": round(load_s, 2), "encode_and_protocol_seconds": round(encode_s, 2),
                   "encoded_texts": cache.encoded, "encode_seconds": round(cache.seconds, 2),
                   "total_seconds": round(time.perf_counter() - t0, 2)},
        "nlrec_version": __version__,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
