"""``eval/PROFILES.md``: the profile evaluation's definitions and numbers, generated from
``eval/results/profiles/*.json`` (never edited by hand).

The results live in a sub-directory of ``eval/results`` because ``nlrec eval table`` reads every
``eval/results/*.json`` as a retrieval-benchmark result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlrec.io import atomic_write_text

REPORT = "PROFILES.md"
RESULTS_DIR = "results/profiles"


def results_path(out_dir: str | Path, dataset: str) -> Path:
    """Where ``nlrec eval profiles`` writes a dataset's results: ``<out>/results/profiles/<dataset>.json``."""
    return Path(out_dir) / RESULTS_DIR / f"{dataset}.json"

def definitions(protocol: dict[str, Any]) -> str:
    """The measures, defined precisely (with the protocol's numbers filled in)."""
    p = {"k": 50, "holdout": 0.2, "boost_descriptors": 5, "boost_steps": 4, "boost_step": 0.2, **protocol}
    return f"""\
## What is measured

Listeners are split in two groups drawn with the seed: **dev** listeners (the only ones the
default settings were chosen on) and **test** listeners (everything reported, unless marked dev).
Each listener's items are split at random: {p['holdout']:.0%} held out (at least one), the rest are
the **liked** items with their play counts. The profile is built from the liked items exactly as
`nlrec profile build` does; candidates are all items except the liked ones; k = {p['k']}.

* **Accuracy**: Recall@k and nDCG@k (binary gains) of the held-out items, ×100, averaged over
  listeners. **Baseline** (black box): cosine to the mean embedding of the liked items, weighted
  like the profile (`log1p(plays)`). *Profile, all prototypes* is the same attention without the
  sparsity cut (every vocabulary prototype kept): what readability costs or gains.
* **Boost success**: for each test listener, {p['boost_descriptors']} vocabulary descriptors are drawn
  (seeded) among those carried by at least k candidates, whether or not they are in the profile.
  The descriptor's weight is raised {p['boost_steps']} times by {p['boost_step']} (one
  `nlrec profile adjust --more` each), all other weights fixed. `share(t)` is the fraction of the
  top-k recommendations that carry the descriptor after t raises. A pair **succeeds** when
  `share(0) <= share(1) <= ... <= share({p['boost_steps']})` and `share({p['boost_steps']}) > share(0)`.
  Pairs already at `share(0) = 1` cannot rise: they are counted as *saturated* and left out of the
  rate. Boost success = succeeding / non-saturated pairs (×100). **Mean change** = mean of
  `share({p['boost_steps']}) - share(0)` over the same pairs, in percentage points.
* **Mute selectivity**: for each test listener and each prototype p of their profile such that
  the held-out items include some that carry p (set C) and some that do not (set O), p is removed
  (`nlrec profile adjust --mute`). For a carrier, its displacement is `log2(r'/r)`, with r and r'
  its rank among all candidates before and after (positive = it fell). For another held-out item,
  it is `|log2(q'/q)|`, with q and q' its rank among the candidates that do *not* carry p: how much
  muting p reorders the items it should leave alone. Mute selectivity = (mean over pairs of the
  carriers' mean displacement) / (mean over pairs of the others' mean displacement).
  As carriers fall, every other item necessarily rises past them in the overall ranking; that
  mechanical rise is not a side effect of the mute but its purpose, so it is reported apart:
  *overall-rank selectivity* divides by the others' mean `|log2(r'/r)|` over all candidates
  instead (the first definition written for this protocol; it cannot separate "others rose
  because carriers fell" from "others were disturbed", and stays near 2-4 for any scorer whose
  muted descriptor covers a large part of the listener's top items). Ratios on raw rank
  differences (`r' - r`, `|r' - r|`) are in the JSON too.
"""


SPLITS = {
    "hetrec": "HetRec 2011 Last.fm-2K: artists are the items. Users are split before the catalog is "
              "built: {listeners_drawn} users with at least {min_history} listened artists are drawn as "
              "listeners (dev first, then test; {listeners_dropped} dropped for keeping fewer than "
              "{min_items} tagged artists); the other {taggers} users are taggers. An artist's descriptor "
              "set is the tags the taggers gave it (at most {max_descriptors}, most used first), so no "
              "listener's own tags describe the items they are evaluated on. {items:,} artists have tags.",
    "yes": "Yes.com radio playlists (yes_big training playlists) are the listeners and songs with Last.fm "
           "tags the items ({items:,} songs, at most {max_descriptors} tags each). Radio call-sign tags "
           "(e.g. `wjlb-fm`) are dropped: they name the stations the playlists come from and would leak "
           "the listener into the item. {listeners} playlists are drawn among the {eligible_playlists:,} "
           "with at least {min_history} distinct tagged songs; a song's repetitions are its play count.",
}


def _fmt(v: Any, nd: int = 1) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def _check(ok: bool) -> str:
    return "met" if ok else "**not met**"


def write_report(out_dir: str | Path) -> Path:
    """Regenerate ``<out_dir>/PROFILES.md`` from ``<out_dir>/results/profiles/*.json``."""
    out = Path(out_dir)
    results = []
    for path in sorted((out / RESULTS_DIR).glob("*.json")):
        try:
            r = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(r, dict) and r.get("kind") == "profiles":
            results.append(r)
    order = {"hetrec": 0, "yes": 1}
    results.sort(key=lambda r: (order.get(r["dataset"], 9), r["dataset"]))
    lines = [
        "# Controllable taste profiles: evaluation",
        "",
        "Generated by `nlrec eval profiles` from `eval/results/profiles/*.json`; do not edit by hand.",
        "How profiles work: [docs/profiles.md](../docs/profiles.md).",
        "",
    ]
    if results:
        k = results[0]["protocol"]["k"]
        lines += [
            f"## Results (test listeners, k = {k})",
            "",
            f"| dataset | listeners | items | Recall@{k} profile | baseline | ratio | nDCG@{k} profile | baseline | ratio "
            "| boost success % | mean change (points) | mute selectivity | overall-rank selectivity |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results:
            t, rk, nd = r["test"], r[f"recall@{r['protocol']['k']}"], r[f"ndcg@{r['protocol']['k']}"]
            lines.append(
                f"| {r['dataset']} | {t['listeners']} | {r['data']['items']:,} | {_fmt(rk['profile'])} | "
                f"{_fmt(rk['baseline'])} | {_fmt(rk['ratio'], 3)} | {_fmt(nd['profile'])} | {_fmt(nd['baseline'])} | "
                f"{_fmt(nd['ratio'], 3)} | {_fmt(r['boost_success'])} | {_fmt(r['boost_mean_change'])} | "
                f"{_fmt(r['mute_selectivity'], 2)} | {_fmt(t['mute']['selectivity_overall_rank'], 2)} |"
            )
        lines += ["", "### Acceptance", "",
                  "| dataset | boost success >= 95 % | mute selectivity >= 5 | Recall >= 95 % of baseline "
                  "| nDCG >= 95 % of baseline | overall-rank selectivity >= 5 |",
                  "|---|---|---|---|---|---|"]
        for r in results:
            a = r["acceptance"]
            lines.append(f"| {r['dataset']} | {_check(a['boost_success>=95'])} | {_check(a['mute_selectivity>=5'])} | "
                         f"{_check(a['recall>=0.95*baseline'])} | {_check(a['ndcg>=0.95*baseline'])} | "
                         f"{_check(a['mute_selectivity_overall_rank>=5'])} |")
        lines += [""]
        for r in results:
            lines += _details(r)
    else:
        lines += ["No results yet: run `nlrec eval profiles --dataset hetrec --data-dir ../shared/data`.", ""]
    lines += [definitions(results[0]["protocol"] if results else {})]
    path = out / REPORT
    atomic_write_text(path, "\n".join(lines).rstrip() + "\n")
    return path


def _details(r: dict[str, Any]) -> list[str]:
    t, d, k = r["test"], r["dev"], r["protocol"]["k"]
    b, m = t["boost"], t["mute"]
    info = r["data"]
    split = SPLITS.get(r["dataset"], "").format(**{**info, "listeners": t["listeners"] + d["listeners"]})
    s = r["settings"]
    return [
        f"## {r['dataset']}",
        "",
        split,
        "",
        f"- Listeners: {d['listeners']} dev, {t['listeners']} test; profiles keep {t['mean_prototypes']} "
        f"prototypes on average (of a vocabulary of {s['vocab_size']}).",
        f"- Accuracy ×100 (test): Recall@{k} profile {_fmt(t['accuracy']['recall']['profile'])}, baseline "
        f"{_fmt(t['accuracy']['recall']['baseline'])}, profile with all prototypes "
        f"{_fmt(t['accuracy']['recall']['profile_all_prototypes'])}; nDCG@{k} "
        f"{_fmt(t['accuracy']['ndcg']['profile'])} / {_fmt(t['accuracy']['ndcg']['baseline'])} / "
        f"{_fmt(t['accuracy']['ndcg']['profile_all_prototypes'])}. Dev: Recall@{k} "
        f"{_fmt(d['accuracy']['recall']['profile'])} vs {_fmt(d['accuracy']['recall']['baseline'])}, nDCG@{k} "
        f"{_fmt(d['accuracy']['ndcg']['profile'])} vs {_fmt(d['accuracy']['ndcg']['baseline'])}.",
        f"- Boost: {b['pairs']} (listener, descriptor) pairs, {b['saturated']} saturated, {b['rated']} rated; "
        f"success {_fmt(b['success'])} % (descriptors already in the profile {_fmt(b['success_in_profile'])} %, "
        f"new ones {_fmt(b['success_new_descriptor'])} %); {b['strictly_monotone_violations']} pairs where the share "
        f"ever went down; share of the top-{k} carrying the descriptor {_fmt(b['mean_share_before'])} % -> "
        f"{_fmt(b['mean_share_after'])} % (mean change {_fmt(b['mean_change'])} points; by step: "
        f"{' -> '.join(_fmt(x) for x in b.get('mean_share_by_step') or [])} %). Dev: "
        f"{_fmt(d['boost']['success'])} %.",
        f"- Mute: {m['pairs']} (listener, prototype) pairs; carriers fall by {_fmt(m['carriers_mean_log2_drop'], 3)} "
        f"log2 ranks on average, while the other held-out items are reordered among the non-carriers by "
        f"{_fmt(m['others_mean_abs_log2_reorder'], 3)}: selectivity {_fmt(m['selectivity'], 2)}; carriers fell further "
        f"than others were reordered in {_fmt(m['pairs_carriers_fall_further'])} % of pairs. In the overall ranking the "
        f"others move by {_fmt(m['others_mean_abs_log2_change'], 3)} log2 ranks (signed mean "
        f"{_fmt(m['others_mean_log2_change'], 3)}: they rise as carriers fall past them; mean fall "
        f"{_fmt(m['others_mean_log2_fall'], 4)}), an overall-rank selectivity of {_fmt(m['selectivity_overall_rank'], 2)} "
        f"(raw ranks: carriers fall {_fmt(m['carriers_mean_rank_drop'])}, others move {_fmt(m['others_mean_abs_rank_change'])}, "
        f"ratio {_fmt(m['selectivity_overall_raw_rank'], 2)}). Dev: selectivity {_fmt(d['mute']['selectivity'], 2)}, "
        f"overall-rank {_fmt(d['mute']['selectivity_overall_rank'], 2)}.",
        f"- Settings: vocabulary {s['vocab_size']}, top_m {s['top_m']}, temperature {s['temperature']}, lexical "
        f"{s['lexical']}, blend {s['blend']}, specificity {s.get('specificity', 0)}, weighting {s['weighting']}; "
        f"boost step {r['protocol']['boost_step']}; holdout {r['protocol']['holdout']}, seed "
        f"{r['protocol']['seed']}; encoder {r['encoder']['id']}.",
        f"- Command: `{r.get('command', 'nlrec eval profiles --dataset ' + r['dataset'])}`; "
        f"{r['timing']['total_seconds']:.0f} s ({r['timing']['encoded_texts']:,} texts encoded in "
        f"{r['timing']['encode_seconds']:.0f} s; 0 when cached).",
        "",
    ]
