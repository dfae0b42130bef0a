"""Score descriptor rules on the labelled Debian folder (issue 23's acceptance figures).

    python eval/audio/labelled/fetch.py /tmp/audio-labelled          # once: the files
    python eval/audio/labelled/evaluate.py /tmp/audio-labelled --vocals off --split test     # before
    python eval/audio/labelled/evaluate.py /tmp/audio-labelled --vocals decide --split test  # after

Every file is tagged once (default tagger: 10 windows, onnx backend); the pooled probabilities
are cached in ``probabilities.json`` beside this script, keyed by SHA-256, so rules are compared
on the same network outputs and a second run tags nothing. For one rule and one split:

- **top-3 agreement**: the share of files with a known style (``labels.csv`` ``agree_words``
  not empty) whose three best descriptors include one of the style's words;
- **"no vocals"**: the share of ``instrumental`` files whose descriptor set has "no vocals", and
  the number of ``sung`` files that wrongly have it (``unknown`` files are left out);
- **P@10**: an index is built with the library API (``build_index``, default model and mode)
  from the split's files, descriptors from the audio alone (file tags left out, so only what the
  tagger heard can match); each request of ``requests.json`` is searched with k=10 and P@10 is
  the share of relevant hits; ``ceiling`` is min(10, relevant in the split) / 10.

The labels, requests, agreement words and split were fixed before the first tagging.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
TOP = 3


def load_labels(path: Path = HERE / "labels.csv") -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def tag_all(folder: Path, rows: list[dict], cache: Path) -> dict[str, dict]:
    """``sha256 -> {"mean": {"mtt": {...}, "msd": {...}}, "max": {...}}`` per labelled file (pooled
    probabilities and each tag's maximum over the windows), tagging what is not cached."""
    probs = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    missing = [r for r in rows if r["sha256"] not in probs]
    if missing:
        from nlrec.audio.tagger import AudioTagger

        tagger = AudioTagger()
        start = time.process_time()
        for i, r in enumerate(missing, 1):
            print(f"[{i}/{len(missing)}] {r['file']}", file=sys.stderr, flush=True)
            track = tagger.tag_file(folder / r["file"])
            if track.content_sha256 != r["sha256"]:
                raise SystemExit(f"Error: {r['file']} is not the labelled file (SHA-256 differs); run fetch.py")
            probs[r["sha256"]] = {
                "mean": {v: {t: round(p, 6) for t, p in d.items()} for v, d in track.probabilities.items()},
                "max": {v: {t: round(p, 6) for t, p in d.items()} for v, d in track.window_max.items()}}
        print(f"tagged {len(missing)} files in {time.process_time() - start:.1f} CPU s", file=sys.stderr)
        cache.write_text(json.dumps(probs, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    return probs


def descriptors_for(probs: dict, rule: str, vocals: str) -> list[str]:
    from nlrec.audio.descriptors import descriptor_set

    return [d.text for d in descriptor_set(probs["mean"], rule=rule, window_max=probs["max"], vocals=vocals)]


def relevant(row: dict, spec: str) -> bool:
    if spec.startswith("vocals:"):
        return row["vocals"] == spec.split(":", 1)[1]
    return spec in row["facets"].split("|")


def p_at_10(rows: list[dict], descriptors: dict[str, list[str]], requests: list[dict]) -> dict:
    from nlrec import Catalog, build_index, open_index
    from nlrec.catalog import Track
    from nlrec.search import search_many

    catalog = Catalog([Track(id=r["file"], descriptors=tuple(descriptors[r["file"]])) for r in rows],
                      source="audio-labelled")
    by_id = {r["file"]: r for r in rows}
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        build_index(catalog, str(Path(tmp) / "labelled"))
        index = open_index(str(Path(tmp) / "labelled"))
        ranked = search_many(index, [q["text"] for q in requests], k=10)
        for q, found in zip(requests, ranked):
            hits = [h.id for h in found]
            n_rel = sum(relevant(r, q["relevant"]) for r in rows)
            out[q["text"]] = {"relevant": q["relevant"], "relevant_in_split": n_rel,
                              "p_at_10": sum(relevant(by_id[h], q["relevant"]) for h in hits) / 10,
                              "ceiling": min(10, n_rel) / 10, "top10": hits}
    return out


def evaluate(rows: list[dict], probs: dict[str, dict], rule: str, vocals: str, requests: list[dict], *,
             search: bool = True) -> dict:
    descriptors = {r["file"]: descriptors_for(probs[r["sha256"]], rule, vocals) for r in rows}
    styled = [r for r in rows if r["agree_words"]]
    agree = {r["file"]: bool(set(descriptors[r["file"]][:TOP]) & set(r["agree_words"].split("|"))) for r in styled}
    inst = [r for r in rows if r["vocals"] == "instrumental"]
    sung = [r for r in rows if r["vocals"] == "sung"]
    by_style: dict[str, list[bool]] = {}
    for r in styled:
        by_style.setdefault(r["style"], []).append(agree[r["file"]])
    result = {
        "rule": rule, "vocals": vocals, "files": len(rows),
        "top3_agreement": round(sum(agree.values()) / len(styled), 4), "styled_files": len(styled),
        "top3_agreement_by_style": {s: f"{sum(v)}/{len(v)}" for s, v in sorted(by_style.items())},
        "no_vocals_on_instrumentals": f"{sum('no vocals' in descriptors[r['file']] for r in inst)}/{len(inst)}",
        "no_vocals_on_instrumentals_rate": round(sum("no vocals" in descriptors[r["file"]] for r in inst) / max(1, len(inst)), 4),
        "false_no_vocals_on_sung": f"{sum('no vocals' in descriptors[r['file']] for r in sung)}/{len(sung)}",
        "singing_descriptor_on_sung": f"{sum(bool({'vocals', 'female vocal', 'male vocal', 'choir', 'opera'} & set(descriptors[r['file']])) for r in sung)}/{len(sung)}",
        "mean_descriptors": round(sum(len(d) for d in descriptors.values()) / len(rows), 2),
    }
    if search:
        req = p_at_10(rows, descriptors, requests)
        result["mean_p_at_10"] = round(sum(v["p_at_10"] for v in req.values()) / len(req), 4)
        result["mean_ceiling"] = round(sum(v["ceiling"] for v in req.values()) / len(req), 4)
        result["requests"] = req
    result["per_file"] = {r["file"]: {"style": r["style"], "vocals": r["vocals"], "descriptors": descriptors[r["file"]],
                                      "agrees": agree.get(r["file"])} for r in rows}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rule", default="threshold", choices=["threshold", "calibrated"])
    parser.add_argument("--vocals", default="decide", choices=["decide", "off"],
                        help="the vocals decision (off: the rule before it)")
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--no-search", action="store_true", help="skip P@10 (no index build)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    rows = load_labels()
    probs = tag_all(args.folder, rows, HERE / "probabilities.json")
    part = [r for r in rows if args.split == "all" or r["split"] == args.split]
    requests = json.loads((HERE / "requests.json").read_text(encoding="utf-8"))["requests"]
    result = {"split": args.split, **evaluate(part, probs, args.rule, args.vocals, requests, search=not args.no_search)}
    if args.out:
        args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("per_file", "requests")}, indent=1))
    for text, v in result.get("requests", {}).items():
        print(f"  {v['p_at_10']:.1f} (ceiling {v['ceiling']:.1f})  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
