"""``eval/TRAINING.md``: the training results the benchmark table has no rows for, generated from
``eval/training/*.json`` (never edited by hand).

Each JSON file has a ``kind``: ``teacher`` (BM25 top-100 reranked by the cross-encoder),
``gpl`` / ``finetune`` (a training run: stages, wall times, peak memory), ``validation`` (the
held-out training clips) or ``everyday`` (listener-style requests over the MusicCaps catalog).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlrec.errors import NlrecError
from nlrec.io import atomic_write_text

TRAINING_MD = "TRAINING.md"


def load_records(directory: str | Path) -> list[dict[str, Any]]:
    """Every ``*.json`` record with a ``kind`` under ``directory``, sorted by file name."""
    out = []
    for f in sorted(Path(directory).glob("*.json")):
        try:
            r = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise NlrecError(f"{f}: not a JSON record ({e})") from None
        if isinstance(r, dict) and "kind" in r:
            out.append({**r, "_file": f.name})
    return out


def _slug(model: str) -> str:
    # "default" in records written before nlrec shipped a music model meant the packaged MiniLM
    names = {"default": "all-MiniLM-L6-v2 (untuned)", "minilm": "all-MiniLM-L6-v2 (untuned)",
             "music-minilm": "music-minilm (shipped default)"}
    return names.get(model, Path(model.rstrip("/")).name)


def _teacher(rs: list[dict[str, Any]]) -> list[str]:
    lines = ["## Teacher: BM25 top-100 reranked by the music cross-encoder", "",
             "Seed 0 of the benchmark, a random sample of queries (the same for both rows of a pair); "
             "a relevant document BM25 does not retrieve in its top 100 stays missed.", "",
             "| teacher | benchmark | queries | BM25 R@10 | + teacher R@10 | BM25 RR@10 | + teacher RR@10 | seconds |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rs:
        x = r["rerank"]
        b, t = x["bm25"], x["bm25+teacher"]
        name = "/".join(Path(r["teacher"]).parts[-2:])
        lines.append(f"| {name} | {x['benchmark']} | {x['n_queries']} | {b['R@10']:.1f} | "
                     f"{t['R@10']:.1f} | {b['RR@10']:.1f} | {t['RR@10']:.1f} | {x.get('seconds', 0):.0f} |")
    return lines + [""]


def _recipe(r: dict[str, Any]) -> str:
    """One line describing how a run's model was trained, from its recorded config."""
    c = r.get("config") or {}
    st, ng = c.get("student") or {}, c.get("negation") or {}
    base = _slug(str(st.get("base", "default")))
    what = (f"GPL student, {st.get('loss', 'margin_mse')}" if r.get("kind") == "gpl"
            else "supervised MultipleNegativesRankingLoss")
    parts = [what, f"from {base}", f"{st.get('steps')} steps x batch {st.get('batch_size')}", f"lr {st.get('lr')}",
             "all layers" if not st.get("train_layers") else f"top {st.get('train_layers')} layers (embeddings frozen)"]
    if ng.get("p") or ng.get("k"):
        parts.append(f"negation-aware (insert p={ng.get('p')}, dissimilarity k={ng.get('k')})")
    return "; ".join(parts)


def _legend(rs: list[dict[str, Any]]) -> list[str]:
    lines = ["## Models", "", "| model | how it was trained |", "|---|---|"]
    for r in rs:
        name = r.get("name") or r["_file"]
        model = Path(str(r.get("model") or r.get("output") or name)).name
        lines.append(f"| {model} | {_recipe(r)} |")
    return lines + [""]


def _runs(rs: list[dict[str, Any]]) -> list[str]:
    lines = ["## Training runs: wall time per stage and peak memory", "",
             "| run | stage | seconds | peak RSS (MB) | notes |", "|---|---|---|---|---|"]
    for r in rs:
        name = r.get("name") or r["_file"]
        for s in r.get("stages", []):
            if s.get("skipped"):
                continue
            notes = ", ".join(f"{k} {v}" for k, v in (s.get("details") or {}).items()
                              if k in ("queries", "documents", "pairs", "triplets", "steps", "pairs_scored", "note"))
            lines.append(f"| {name} | {s['name']} | {s['seconds']:.0f} | {s['peak_rss_mb']:.0f} | {notes} |")
        if "seconds" in r:
            lines.append(f"| {name} | **total** | **{r['seconds']:.0f}** | {r.get('peak_rss_mb', 0):.0f} | "
                         f"{r.get('load', '')} |")
    return lines + [""]


def _validation(rs: list[dict[str, Any]]) -> list[str]:
    lines = ["## Validation (300 held-out MusicCaps training clips; every choice was made here)", "",
             "Score = mean over val_caption and val_sentence of (R@10 + RR@10) / 2, seeds 0-2.", "",
             "| model | system | score | val_caption R@10 | val_caption RR@10 | val_sentence R@10 | val_sentence RR@10 |",
             "|---|---|---|---|---|---|---|"]

    def row(model: str, r: dict[str, Any]) -> str:
        m = r["measures"]
        return (f"| {model} | {r['label']} {json.dumps(r.get('options') or {})} | {r['score']:.1f} | "
                f"{m['val_caption']['R@10']:.1f} | {m['val_caption']['RR@10']:.1f} | "
                f"{m['val_sentence']['R@10']:.1f} | {m['val_sentence']['RR@10']:.1f} |")

    seen: set[str] = set()
    for r in rs:
        for lex in r.get("lexical", []):
            if lex["label"] not in seen:  # the same in every record
                seen.add(lex["label"])
                lines.append(row("-", lex))
    for r in rs:
        for m in r.get("models", []):
            lines.append(row(_slug(m["model"]), m["dense"]))
            if "best_hybrid" in m:
                lines.append(row(_slug(m["model"]), m["best_hybrid"]))
    return lines + [""]


def _everyday(rs: list[dict[str, Any]]) -> list[str]:
    lines = ["## Everyday requests over the MusicCaps catalog", "",
             "Listener-style requests (`eval/everyday/requests.jsonl`, written before any model output was "
             "seen, never tuned on) judged by a keyword rule over each clip's aspect list; tracks ranked as "
             "`nlrec query` ranks them. Means ×100 over the requests with at least one relevant clip.", ""]
    by_catalog: dict[str, list[dict[str, Any]]] = {}
    for r in rs:
        by_catalog.setdefault(r["catalog"], []).append(r)
    for catalog, group in by_catalog.items():
        rows = {(x["model"], x["mode"]): x for r in group for x in r["results"]}  # later records win
        first = group[0]
        lines += [f"### Catalog {catalog} ({first['tracks']:,} tracks, "
                  f"{first['results'][0]['n_requests']} requests)", "",
                  "| model | mode | nDCG@10 | P@10 | RR@10 | AP@100 | R@100 |", "|---|---|---|---|---|---|---|"]
        for (model, mode), x in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0] != "default", kv[0][0])):
            m = x["measures"]
            lines.append(f"| {_slug(model)} | {mode} | {m['nDCG@10']:.1f} | {m['P@10']:.1f} | "
                         f"{m['RR@10']:.1f} | {m['AP@100']:.1f} | {m['R@100']:.1f} |")
        lines.append("")
    return lines


def write_report(eval_dir: str | Path) -> Path:
    """Regenerate ``<eval_dir>/TRAINING.md`` from ``<eval_dir>/training/*.json``.

    Raises:
        NlrecError: if there is no record.
    """
    eval_dir = Path(eval_dir)
    records = load_records(eval_dir / "training")
    if not records:
        raise NlrecError(f"no training record in {eval_dir / 'training'}")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_kind.setdefault(r["kind"], []).append(r)
    lines = ["# Training results", "",
             "Generated by `nlrec train report` from `eval/training/*.json`; do not edit. Benchmark numbers "
             "(mc, mc_reco, mc_human) of the trained models are in [RESULTS.md](RESULTS.md).", ""]
    runs = by_kind.get("gpl", []) + by_kind.get("finetune", [])
    if runs:
        lines += _legend(runs)
    if "teacher" in by_kind:
        lines += _teacher(by_kind["teacher"])
    if "validation" in by_kind:
        lines += _validation(by_kind["validation"])
    if "everyday" in by_kind:
        lines += _everyday(by_kind["everyday"])
    if runs:
        lines += _runs(runs)
    path = eval_dir / TRAINING_MD
    atomic_write_text(path, "\n".join(lines).rstrip() + "\n")
    return path
