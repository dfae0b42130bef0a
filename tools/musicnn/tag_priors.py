"""Write ``nlrec/data/audio/tag_priors.json``: how often each tagger tag occurs in its training data.

    /work/main/.venv/bin/python tools/musicnn/tag_priors.py --data-dir ../shared/data

MTT: the fraction of the 18,706 *train* clips of ``mtat/mtt_188_all_splits.csv`` carrying each of
the top-50 tags (``tag_top50``). MSD: the fraction of the 12,634 tracks of
``msd/msd_top50_valid.tsv`` carrying each Last.fm top-50 tag (the tagger's own training split is
not in the shared data; the validation split has the same label distribution). The calibrated
descriptor rule (:mod:`nlrec.audio.descriptors`) keeps a tag when its probability is a multiple of
this base rate. Nothing here is tuned on audio.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
from collections import Counter
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("nlrec/data/audio/tag_priors.json"))
    args = parser.parse_args(argv)
    from nlrec.audio.weights import labels

    mtt_rows = [r for r in csv.DictReader(open(args.data_dir / "mtat" / "mtt_188_all_splits.csv", encoding="utf-8"))
                if r["split"] == "train"]
    mtt = Counter(t for r in mtt_rows for t in ast.literal_eval(r["tag_top50"]))
    msd_lines = (args.data_dir / "msd" / "msd_top50_valid.tsv").read_text(encoding="utf-8").splitlines()[1:]
    msd = Counter(t for line in msd_lines for t in (line.split("\t")[1].split("|") if "\t" in line else []))
    out = {
        "source": {"mtt": f"mtat/mtt_188_all_splits.csv train split, tag_top50 ({len(mtt_rows)} clips)",
                   "msd": f"msd/msd_top50_valid.tsv ({len(msd_lines)} tracks)"},
        "mtt": {t: round(mtt[t] / len(mtt_rows), 5) for t in labels("mtt")},
        "msd": {t: round(msd[t] / len(msd_lines), 5) for t in labels("msd")},
    }
    missing = [t for v in ("mtt", "msd") for t, p in out[v].items() if p == 0]
    if missing:
        raise SystemExit(f"tags without a prior: {missing}")
    args.out.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
