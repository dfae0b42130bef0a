"""The MTT / MSD sections of ``eval/RESULTS.md``, generated from ``results/*.json`` files whose
``kind`` is ``tag_benchmark`` (written by :mod:`nlrec.evaluation.tag_runner`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlrec.evaluation.mtt_msd import PAIR_MIN_TRACKS, SUBSETS

#: Recall@10 ×100 of arXiv 2411.05649 (Table 2) on its MTT / MSD sets. Those requests are
#: LP-MusicCaps captions (GPT-3.5) that cannot be obtained here, so the numbers are shown beside
#: ours and never compared as equal.
PAPER_TAG_R10: dict[str, dict[str, float]] = {
    "Tf-Idf": {"mtt": 57.7, "msd": 30.6},
    "CLAP_text": {"mtt": 13.5, "msd": 3.4},
    "TTMR_text": {"mtt": 7.8, "msd": 5.1},
    "BERT-large": {"mtt": 4.8, "msd": 4.5},
    "all-MiniLM-L12-v2": {"mtt": 33.3, "msd": 19.5},
    "msmarco-bert-base-dot-v5": {"mtt": 32.1, "msd": 20.7},
    "GPL (msmarco-bert-base-dot-v5)": {"mtt": 62.8, "msd": 47.9},
}
PAPER_NOTE = "paper, caption protocol; not re-run here (captions not obtainable)"
ORDER = ("mtt", "msd", "mtt_valid", "msd_valid")
SYSTEM_ORDER = ("tfidf", "bm25", "dense", "hybrid")
SUBSET_TITLES = {"all": "all", "tag": "tag", "pair": "pair", "syn": "synonym", "nat": "natural"}
CELL_MEASURES = ("R@10", "nDCG@10", "P@10", "AP@100")


def load_tag_results(results_dir: str | Path) -> list[dict[str, Any]]:
    """Every tag-benchmark results object under ``results_dir``, in table order."""
    out = []
    for f in sorted(Path(results_dir).glob("*.json")):
        try:
            r = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(r, dict) and r.get("kind") == "tag_benchmark" and "measures" in r:
            out.append(r)

    def key(r: dict[str, Any]) -> tuple:
        base = r["label"].split("-")[0]
        return (
            ORDER.index(r["benchmark"]) if r["benchmark"] in ORDER else len(ORDER),
            r["benchmark"],
            SYSTEM_ORDER.index(base) if base in SYSTEM_ORDER else len(SYSTEM_ORDER),
            r["label"],
            r.get("model_slug", ""),
        )

    return sorted(out, key=key)


def _system(r: dict[str, Any]) -> str:
    slug = r.get("model_slug", "none")
    return r["label"] if slug == "none" else f"{r['label']} ({slug})"


def render_tag_markdown(results_dir: str | Path) -> str:
    """The MTT / MSD sections (empty string when there is no tag-benchmark result)."""
    results = load_tag_results(results_dir)
    if not results:
        return ""
    lines = [
        "",
        "## MTT and MSD tag benchmarks",
        "",
        "Test splits of MagnaTagATune (188 tags, `mtat/mtt_188_all_splits.csv`) and the Million",
        "Song Dataset (Last.fm top-50); documents are the unique tag sets of the tagged test tracks;",
        "many relevant sets a query. Subsets: **tag** (each tag), **pair** (tag pairs on >= "
        f"{PAIR_MIN_TRACKS} tracks),",
        "**synonym** (a member of a hand-made near-synonym group; relevant = sets with another member",
        "and without the request's own tag), **natural** (hand-written listener requests, ranked with",
        "`nlrec query`'s negation handling). Lists and rules: `nlrec/data/tag_synonyms.json`,",
        "`nlrec/data/tag_requests.json`, `nlrec/evaluation/mtt_msd.py`. Nothing is sampled, so there",
        "are no seeds. ×100, by ir-measures; mAP@100 = AP@100. The paper's MTT / MSD rows (Recall@10",
        "only) measure another task, LLM-written captions against sampled tag sets, and are shown",
        f"only for orientation: *{PAPER_NOTE}*. With tens to hundreds of relevant sets a query,",
        "R@10 is bounded far below 100 (by 10 / the number of relevant sets); P@10 and nDCG@10 say",
        "more. Wall (s): the run's wall time; dense encoding counts in the first run that needed it.",
        "Trained models are named after their runs; how each was trained (gpl-mtt-train: GPL on the",
        "MTT train split with `gpl/configs/catalog.toml`, from music-minilm; gpl-mtt-train-minilm: the",
        "same teacher and budget from the untuned MiniLM; gpl-mtt-train-replay25: GPL from shipped +",
        "MusicCaps replay, gpl-mtt-train with `student.replay = \"musiccaps\"`, ratio 0.25): `gpl/README.md`.",
        "",
    ]
    benches = list(dict.fromkeys(r["benchmark"] for r in results))
    for b in benches:
        rows = [r for r in results if r["benchmark"] == b]
        subsets = [s for s in ("all", *SUBSETS) if s in rows[0]["measures"]]
        counts = ", ".join(
            f"{SUBSET_TITLES[s]} {rows[0]['measures'][s]['queries']}" for s in subsets if s != "all"
        )
        lines += [
            f"### {b.upper() if '_' not in b else b} ({rows[0].get('split', 'test')} split)",
            "",
            f"{rows[0]['n_documents']:,} documents (tag sets) from "
            f"{rows[0]['protocol'].get('tracks', 0):,} tagged tracks; queries: {counts}.",
            "",
            "nDCG@10 by subset:",
            "",
        ]
        head = ["system", *(SUBSET_TITLES[s] for s in subsets), "wall (s)"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in rows:
            m = r["measures"]
            lines.append(
                "| " + " | ".join([
                    _system(r),
                    *(f"{m[s]['nDCG@10']:.1f}" for s in subsets),
                    f"{r.get('timing', {}).get('seconds', float('nan')):.0f}",
                ]) + " |"
            )
        lines += ["", "R@10 / nDCG@10 / P@10 / mAP@100 by subset:", ""]
        head = ["system", *(SUBSET_TITLES[s] for s in subsets)]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in rows:
            m = r["measures"]
            cells = [" / ".join(f"{m[s][k]:.1f}" for k in CELL_MEASURES) for s in subsets]
            lines.append("| " + " | ".join([_system(r), *cells]) + " |")
        paper = [(n, v[b]) for n, v in PAPER_TAG_R10.items() if b in v]
        if paper:
            lines += ["", f"Paper, R@10 on its {b.upper()} caption set: {PAPER_NOTE}.", ""]
            lines += ["| paper system | R@10 |", "|---|---|"]
            lines += [f"| *{n}* | *{v:.1f}* |" for n, v in paper]
        lines.append("")
    lines += [
        "Regenerate: `nlrec eval tags --data-dir ../shared/data` (every row above but trained models;",
        "add one with `--model PATH`), or `nlrec eval table` (this file only).",
        "",
        "",
    ]
    return "\n".join(lines)
