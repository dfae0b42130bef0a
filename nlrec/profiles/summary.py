"""Summaries of the profile protocol: per-listener results aggregated into the reported boost,
mute and accuracy measures (see :mod:`nlrec.profiles.evaluate` for the protocol)."""

from __future__ import annotations

from typing import Any

import numpy as np

CATALOG_SHARE_BINS = ((0.0, 0.02), (0.02, 0.05), (0.05, 0.1), (0.1, 0.2), (0.2, 1.01))
"""Mute pairs are also summarised by the share of the catalog carrying the muted descriptor."""


def penalty_key(penalty: float) -> str:
    """How a mute penalty names its per-penalty measures (``0.5`` -> ``"0.5"``)."""
    return f"{float(penalty):g}"


def _mute_summary(mutes: list[dict], penalty: float, *, full: bool = True) -> dict[str, Any]:
    """Mute measures over ``(listener, prototype)`` pairs for one penalty (see the module docstring)."""
    rows = [p["by_penalty"][penalty_key(penalty)] for p in mutes]

    def mean(key: str) -> float:
        return float(np.mean([r[key] for r in rows])) if rows else 0.0

    out: dict[str, Any] = {
        "penalty": float(penalty),
        "selectivity": _ratio(mean("carriers_log2"), mean("others_abs_log2")),
        "carriers_mean_log2_drop": round(mean("carriers_log2"), 4),
        "others_mean_abs_log2_change": round(mean("others_abs_log2"), 4),
        "share_after": round(100.0 * mean("share_after"), 2),
    }
    if not full:
        return out
    return {
        "pairs": len(mutes),
        **out,
        "selectivity_raw_rank": _ratio(mean("carriers_rank"), mean("others_abs_rank")),
        "others_mean_log2_change": round(mean("others_log2"), 4),
        "others_mean_log2_fall": round(mean("others_fall_log2"), 4),
        "carriers_mean_rank_drop": round(mean("carriers_rank"), 1),
        "others_mean_abs_rank_change": round(mean("others_abs_rank"), 1),
        "pairs_carriers_fall_further": round(100.0 * float(np.mean(
            [r["carriers_log2"] > r["others_abs_log2"] for r in rows])), 2) if rows else None,
        "share_before": round(100.0 * float(np.mean([p["share_before"] for p in mutes])), 2) if mutes else 0.0,
    }


def summarize(results: list[dict[str, Any]], penalty: float) -> dict[str, Any]:
    """Aggregate per-listener results into the reported measures (rates ×100); ``penalty`` is
    the mute penalty of the profile settings."""
    acc = {m: {name: 100.0 * float(np.mean([r[name][i] for r in results])) if results else 0.0
               for name in ("profile", "baseline", "profile_all_prototypes")}
           for i, m in enumerate(("recall", "ndcg"))}
    boosts = [p for r in results for p in r["boost"]]
    saturated = [p for p in boosts if p["shares"][0] >= 1.0]
    live = [p for p in boosts if p["shares"][0] < 1.0]

    def ok(p: dict) -> bool:
        s = p["shares"]
        return all(b >= a for a, b in zip(s, s[1:])) and s[-1] > s[0]

    def rate(ps: list[dict]) -> float | None:
        return round(100.0 * sum(ok(p) for p in ps) / len(ps), 2) if ps else None

    changes = [p["shares"][-1] - p["shares"][0] for p in live]
    mutes = [p for r in results for p in r["mute"]]
    mute = _mute_summary(mutes, penalty)
    mute["weight_only"] = _mute_summary(mutes, 0.0, full=False)
    reorder = float(np.mean([p["others_reorder_log2"] for p in mutes])) if mutes else 0.0
    mute["diagnostic_reorder_among_non_carriers"] = {
        "others_mean_abs_log2": round(reorder, 4),
        "ratio": _ratio(mute["carriers_mean_log2_drop"], reorder),
    }
    mute["by_catalog_share"] = [
        {"catalog_share": [lo, hi], **_mute_summary([p for p in mutes if lo <= p["catalog_share"] < hi], penalty)}
        for lo, hi in CATALOG_SHARE_BINS
    ]
    swept = sorted({float(x) for p in mutes for x in p["by_penalty"]})
    if len(swept) > 2:
        mute["sweep"] = [_mute_summary(mutes, x, full=False) for x in swept]
    return {
        "listeners": len(results),
        "mean_prototypes": round(float(np.mean([r["n_prototypes"] for r in results])), 2) if results else 0.0,
        "accuracy": {m_: {k_: round(v, 2) for k_, v in d.items()} for m_, d in acc.items()},
        "boost": {
            "pairs": len(boosts), "saturated": len(saturated), "rated": len(live),
            "success": rate(live),
            "success_in_profile": rate([p for p in live if p["in_profile"]]),
            "success_new_descriptor": rate([p for p in live if not p["in_profile"]]),
            "strictly_monotone_violations": sum(1 for p in live if any(b < a for a, b in zip(p["shares"], p["shares"][1:]))),
            "mean_change": round(100.0 * float(np.mean(changes)), 2) if changes else None,
            "mean_share_by_step": [round(100.0 * float(x), 2) for x in np.mean([p["shares"] for p in live], axis=0)] if live else None,
            "mean_share_before": round(100.0 * float(np.mean([p["shares"][0] for p in live])), 2) if live else None,
            "mean_share_after": round(100.0 * float(np.mean([p["shares"][-1] for p in live])), 2) if live else None,
        },
        "mute": mute,
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b > 0 else None
