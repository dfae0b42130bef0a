"""Is "no vocals" kept on instrumental tracks? The threshold rule against the calibrated rule.

    nice /work/main/.venv/bin/python eval/audio/vocals_eval.py eval/audio/instrumental_labels.tsv \
        --out eval/audio/vocals_results.json

Every labelled file is tagged once (default tagger: 10 windows, onnx); both descriptor rules are
then applied to the same pooled probabilities (``descriptor_set(..., rule=...)``), so the
comparison is about the rule alone; ``threshold`` and ``calibrated`` without the vocals decision
(``vocals="off"``, as first measured), and the default since: ``threshold`` with the vocals
decision (per-window maxima from the same run). Reported per rule: the share of instrumental tracks keeping
"no vocals", the share given a singing descriptor, the mean descriptor count, the most frequent
descriptors, and each track's descriptors. The labels were written before the first tagging;
the rule's constants (lift 2, probability floor 0.05) were fixed before this ran.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

SINGING = {"vocals", "female vocal", "male vocal", "choir", "opera"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("labels", type=Path)
    parser.add_argument("--out", type=Path, default=Path("eval/audio/vocals_results.json"))
    args = parser.parse_args(argv)
    from nlrec.audio.descriptors import descriptor_set
    from nlrec.audio.tagger import AudioTagger

    rows = [r for r in csv.DictReader((ln for ln in args.labels.open(encoding="utf-8") if not ln.startswith("#")),
                                      delimiter="\t")]
    tagger = AudioTagger()
    tracks = []
    for r in rows:
        t = tagger.tag_file(r["path"])
        tracks.append((r, t))
    result: dict = {"files": len(tracks), "rules": {}}
    variants = {"threshold": ("threshold", "off"), "calibrated": ("calibrated", "off"),
                "threshold+vocals decision": ("threshold", "decide")}
    for name, (rule, vocals) in variants.items():
        per, counts = [], Counter()
        for r, t in tracks:
            ds = [d.text for d in descriptor_set(t.probabilities, rule=rule, window_max=t.window_max, vocals=vocals)]
            counts.update(ds)
            per.append({"path": r["path"], "label": r["vocals"], "descriptors": ds})
        inst = [p for p in per if p["label"] == "instrumental"]
        result["rules"][name] = {
            "no_vocals_kept_on_instrumentals": f"{sum('no vocals' in p['descriptors'] for p in inst)}/{len(inst)}",
            "singing_descriptor_on_instrumentals": f"{sum(bool(SINGING & set(p['descriptors'])) for p in inst)}/{len(inst)}",
            "mean_descriptors": round(sum(len(p["descriptors"]) for p in per) / len(per), 2),
            "most_common": counts.most_common(12),
            "tracks": per,
        }
    probs = sorted(t.probabilities["mtt"].get("no vocals", 0.0) for _, t in tracks)
    result["mtt_no_vocals_probability"] = {"min": round(probs[0], 4), "median": round(probs[len(probs) // 2], 4),
                                           "max": round(probs[-1], 4)}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "rules"}, indent=1))
    for rule, v in result["rules"].items():
        print(rule, {k: x for k, x in v.items() if k != "tracks"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
