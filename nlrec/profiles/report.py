"""``eval/PROFILES.md``: the profile evaluation's definitions and numbers, generated from
``eval/results/profiles/*.json`` (never edited by hand).

The results live in a sub-directory of ``eval/results`` because ``nlrec eval table`` reads every
``eval/results/*.json`` as a retrieval-benchmark result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlrec.io import atomic_write_text

if TYPE_CHECKING:
    from nlrec.profiles.evaluate import Progress, ProtocolConfig
    from nlrec.profiles.profile import ProfileSettings

REPORT = "PROFILES.md"
RESULTS_DIR = "results/profiles"


def results_path(out_dir: str | Path, dataset: str) -> Path:
    """Where ``nlrec eval profiles`` writes a dataset's results: ``<out>/results/profiles/<dataset>.json``."""
    return Path(out_dir) / RESULTS_DIR / f"{dataset}.json"

def definitions(protocol: dict[str, Any]) -> str:
    """The measures, defined precisely (with the protocol's numbers filled in)."""
    p = {"k": 50, "holdout": 0.2, "boost_descriptors": 5, "boost_steps": 4, "boost_step": 0.2,
         "mute_sweep": [0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0], **protocol}
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
* **Mute selectivity** (the acceptance measure): for each test listener and each prototype p of
  their profile such that the held-out items include some that carry p (set C) and some that do
  not (set O), p is muted exactly as `nlrec profile adjust --mute` does: its weight goes to 0 and
  every item carrying p loses the profile's `mute_penalty` (scores are weighted mean
  affinities, at most 1). With r and r' an item's rank among all candidates before and after the
  mute, a carrier's displacement is `log2(r'/r)` (positive = it fell) and another held-out item's
  is `|log2(r'/r)|` (any movement, up or down, in the same overall ranking). Mute selectivity =
  (mean over pairs of the carriers' mean displacement) / (mean over pairs of the others' mean
  displacement). *Muted share* is the share of the top-k that carries p, before and after.
  *Weight only* is the same measure for a mute that only sets the weight to 0 (no penalty), the
  behaviour before `mute_penalty` existed. The penalty was chosen on the hetrec dev listeners
  only (yes dev as a check): the largest dev selectivity over the grid
  {', '.join(f'{x:g}' for x in p['mute_sweep'])}, the smaller penalty on ties (the dev sweep is
  printed per dataset). Other items necessarily rise as carriers fall past them, and that counts
  against the ratio, most when the muted descriptor is common (hence the breakdown by the share of
  the catalog carrying p). Secondary diagnostics, not acceptance measures: how much the others
  are reordered among the candidates that do not carry p (`|log2(q'/q)|`, q and q' ranks among
  the non-carriers), and the ratio on raw rank differences (`r' - r`, `|r' - r|`).
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
            f"| boost success % | mean change (points) | mute selectivity | muted share of top-{k} before -> after % "
            "| weight-only selectivity |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results:
            t, rk, nd = r["test"], r[f"recall@{r['protocol']['k']}"], r[f"ndcg@{r['protocol']['k']}"]
            m = t["mute"]
            lines.append(
                f"| {r['dataset']} | {t['listeners']} | {r['data']['items']:,} | {_fmt(rk['profile'])} | "
                f"{_fmt(rk['baseline'])} | {_fmt(rk['ratio'], 3)} | {_fmt(nd['profile'])} | {_fmt(nd['baseline'])} | "
                f"{_fmt(nd['ratio'], 3)} | {_fmt(r['boost_success'])} | {_fmt(r['boost_mean_change'])} | "
                f"{_fmt(r['mute_selectivity'], 2)} | {_fmt(m.get('share_before'))} -> {_fmt(m.get('share_after'))} | "
                f"{_fmt((m.get('weight_only') or {}).get('selectivity'), 2)} |"
            )
        lines += ["", "### Acceptance", "",
                  "| dataset | boost success >= 95 % | mute selectivity >= 5 | Recall >= 95 % of baseline "
                  "| nDCG >= 95 % of baseline |",
                  "|---|---|---|---|---|"]
        for r in results:
            a = r["acceptance"]
            lines.append(f"| {r['dataset']} | {_check(a['boost_success>=95'])} | {_check(a['mute_selectivity>=5'])} | "
                         f"{_check(a['recall>=0.95*baseline'])} | {_check(a['ndcg>=0.95*baseline'])} |")
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
    # results written before the mute penalty existed lack some keys: shown as n/a
    m = {"penalty": 0.0, "share_before": None, "share_after": None, "selectivity_raw_rank": None, **m}
    wo, diag = m.get("weight_only", {}), m.get("diagnostic_reorder_among_non_carriers", {})
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
        f"- Mute (penalty {_fmt(m['penalty'], 2)}): {m['pairs']} (listener, prototype) pairs; carriers fall by "
        f"{_fmt(m['carriers_mean_log2_drop'], 3)} log2 ranks on average (raw: {_fmt(m['carriers_mean_rank_drop'])} ranks), "
        f"the other held-out items move by {_fmt(m['others_mean_abs_log2_change'], 3)} (signed mean "
        f"{_fmt(m['others_mean_log2_change'], 3)}: they rise as carriers fall past them; mean fall "
        f"{_fmt(m['others_mean_log2_fall'], 4)}): **mute selectivity {_fmt(m['selectivity'], 2)}**; carriers fell "
        f"further than the others moved in {_fmt(m['pairs_carriers_fall_further'])} % of pairs. Share of the top-{k} "
        f"carrying the muted descriptor: {_fmt(m['share_before'])} % -> {_fmt(m['share_after'])} %. Weight only (no "
        f"penalty): carriers {_fmt(wo.get('carriers_mean_log2_drop'), 3)}, others {_fmt(wo.get('others_mean_abs_log2_change'), 3)}, "
        f"selectivity {_fmt(wo.get('selectivity'), 2)}, share after {_fmt(wo.get('share_after'))} %. Diagnostic (not the "
        f"acceptance measure): the others are reordered among the non-carriers by {_fmt(diag.get('others_mean_abs_log2'), 3)} "
        f"log2 ranks (ratio {_fmt(diag.get('ratio'), 2)}); raw-rank ratio {_fmt(m['selectivity_raw_rank'], 2)}. "
        f"Dev: selectivity {_fmt(d['mute']['selectivity'], 2)} (weight only "
        f"{_fmt(d['mute'].get('weight_only', {}).get('selectivity'), 2)}).",
        "- Mute selectivity by the share of the catalog carrying the muted descriptor (pairs, selectivity): "
        + ("; ".join(f"{100 * x['catalog_share'][0]:g}-{min(100.0, 100 * x['catalog_share'][1]):g} %: {x['pairs']}, "
                     f"{_fmt(x['selectivity'], 2)}" for x in m.get("by_catalog_share", [])) or "n/a") + ".",
        f"- Dev mute sweep (penalty: selectivity, share of the top-{k} still carrying the descriptor): "
        + ("; ".join(f"{x['penalty']:g}: {_fmt(x['selectivity'], 2)}, {_fmt(x['share_after'])} %"
                     for x in d["mute"].get("sweep", [])) or "not run") + ".",
        f"- Settings: vocabulary {s['vocab_size']}, top_m {s['top_m']}, temperature {s['temperature']}, lexical "
        f"{s['lexical']}, blend {s['blend']}, specificity {s.get('specificity', 0)}, weighting {s['weighting']}, "
        f"mute_penalty {s.get('mute_penalty', 0)}; "
        f"boost step {r['protocol']['boost_step']}; holdout {r['protocol']['holdout']}, seed "
        f"{r['protocol']['seed']}; encoder {r['encoder']['id']}.",
        f"- Command: `{r.get('command', 'nlrec eval profiles --dataset ' + r['dataset'])}`; "
        f"{r['timing']['total_seconds']:.0f} s ({r['timing']['encoded_texts']:,} texts encoded in "
        f"{r['timing']['encode_seconds']:.0f} s; 0 when cached).",
        "",
    ]


@dataclass(frozen=True)
class ProfilesRun:
    """What :func:`evaluate_and_report` wrote.

    Attributes:
        result: the results object (see :func:`~nlrec.profiles.evaluate.evaluate_profiles`).
        results_file: ``<out>/results/profiles/<dataset>.json``.
        report: the regenerated ``<out>/PROFILES.md``.
    """

    result: dict[str, Any]
    results_file: Path
    report: Path


def evaluate_and_report(dataset: str, data_dir: str | Path, out_dir: str | Path, *, command: str,
                        model: str = "default", settings: ProfileSettings | None = None,
                        config: ProtocolConfig | None = None, cache_dir: Path | None = None,
                        batch_size: int = 64, progress: Progress | None = None) -> ProfilesRun:
    """``nlrec eval profiles``: evaluate profiles on ``dataset``, write the results JSON (with the
    ``command`` that made it) and regenerate ``PROFILES.md``."""
    from nlrec.io import write_json
    from nlrec.profiles.evaluate import evaluate_profiles

    result = evaluate_profiles(dataset, data_dir, model=model, settings=settings, config=config,
                               cache_dir=cache_dir, batch_size=batch_size, progress=progress)
    result["command"] = command
    path = results_path(out_dir, dataset)
    write_json(path, result)
    return ProfilesRun(result=result, results_file=path, report=write_report(out_dir))

