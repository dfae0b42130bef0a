"""Tag the labelled soundtrack folder and measure agreement, throughput, memory, P@10.

    nice /work/main/.venv/bin/python eval/audio/folder_eval.py --out eval/audio/folder_results.json

Labels come from ``eval/audio/labels.tsv`` (written before any tagger output was seen). The
agreement rule and the text requests below were fixed with the labels, before tagging:

- a track *agrees* when one of its three best audio descriptors is a style word of its
  soundtrack's label (STYLE_WORDS); ``top1`` uses the best descriptor only;
- each request's relevant tracks are those of the soundtrack labelled that way (REQUESTS), and
  P@10 is measured on an index built with the current library API from the audio descriptors
  alone (file genres are left out, so nothing but the audio can match);
- "sounds like": the share of each track's 5 nearest audio-embedding neighbours from its own
  soundtrack.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOTS = {
    "wesnoth": Path("/usr/share/games/wesnoth/1.16/data/core/music"),
    "nexuiz": Path("/tmp/audio/nexuiz-x/sound/cdtracks"),
    "singularity": Path("/usr/share/games/singularity/music"),
}
STYLE_WORDS = {
    "wesnoth": {"classical", "strings", "violin", "cello", "harp", "flute", "harpsichord", "choir"},
    "nexuiz": {"electronic", "techno", "synth", "electro", "dance", "house", "beats", "drums"},
    "singularity": {"ambient", "new age", "chillout", "quiet", "soft", "slow", "mellow"},
}
REQUESTS = {
    "calm ambient": "singularity",
    "fast electronic with drums": "nexuiz",
    "orchestral, no vocals": "wesnoth",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=Path, default=Path("eval/audio/labels.tsv"))
    parser.add_argument("--out", type=Path, default=Path("eval/audio/folder_results.json"))
    parser.add_argument("--windows", type=int, default=10)
    parser.add_argument("--nexuiz-dir", type=Path, default=ROOTS["nexuiz"])
    args = parser.parse_args(argv)
    ROOTS["nexuiz"] = args.nexuiz_dir

    import torch

    from nlrec.audio.embeddings import AudioEmbeddings
    from nlrec.audio.tagger import AudioTagger, tag_paths

    labels = {}
    for line in args.labels.read_text().splitlines():
        if line.startswith("#") or line.startswith("soundtrack\t") or not line.strip():
            continue
        soundtrack, name, _ = line.split("\t")
        labels[(soundtrack, name)] = soundtrack
    files = [ROOTS[s] / name for s, name in labels]
    soundtrack_of = {str(ROOTS[s] / name): s for s, name in labels}

    start = time.perf_counter()
    run = tag_paths(files, tagger=AudioTagger(max_windows=args.windows),
                    on_progress=lambda i, n, p: print(f"{i}/{n} {p.name}", file=sys.stderr, flush=True))
    tag_seconds = time.perf_counter() - start

    per_track, agree3, agree1 = [], 0, 0
    for t in run.tracks:
        s = soundtrack_of[str(t.path)]
        texts = [d.text for d in t.descriptors]
        a3 = bool(set(texts[:3]) & STYLE_WORDS[s])
        a1 = bool(texts[:1] and texts[0] in STYLE_WORDS[s])
        agree3 += a3
        agree1 += a1
        per_track.append({"soundtrack": s, "file": t.path.name, "windows": t.windows,
                          "descriptors": [d.to_dict() for d in t.descriptors],
                          "agrees_top3": a3, "agrees_top1": a1})

    # sounds like: own-soundtrack share among the 5 nearest neighbours
    ids = [f"{soundtrack_of[str(t.path)]}/{t.path.name}" for t in run.tracks]
    store = AudioEmbeddings.from_rows(ids, [t.embedding for t in run.tracks])
    own = [np.mean([h.split("/")[0] == i.split("/")[0] for h, _ in store.similar(i, 5)]) for i in ids]

    # P@10 through the current index API, audio descriptors only
    from nlrec import Catalog, build_index, open_index
    from nlrec.catalog import Track

    catalog = Catalog([Track(id=i, descriptors=tuple(d.text for d in t.descriptors))
                       for i, t in zip(ids, run.tracks)], source="audio-folder")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        build_index(catalog, str(Path(tmp) / "audio-folder"))
        index_seconds = time.perf_counter() - t0
        index = open_index(str(Path(tmp) / "audio-folder"))
        requests = {}
        for text, wanted in REQUESTS.items():
            hits = index.search(text, k=10)
            got = [h.id for h in hits]
            requests[text] = {"relevant": wanted,
                              "p_at_10": sum(g.split("/")[0] == wanted for g in got) / 10,
                              "top10": got}

    n = len(run.tracks)
    counts = {s: sum(1 for t in per_track if t["soundtrack"] == s) for s in ROOTS}
    result = {
        "tracks": n, "per_soundtrack": counts, "skipped": run.skipped_counts(),
        "windows_per_track": args.windows,
        "torch_threads": torch.get_num_threads(),
        "agreement_top3": agree3 / n, "agreement_top1": agree1 / n,
        "agreement_top3_by_soundtrack": {
            s: float(np.mean([t["agrees_top3"] for t in per_track if t["soundtrack"] == s]))
            for s in ROOTS},
        "sounds_like_own_soundtrack_at5": float(np.mean(own)),
        "sounds_like_by_soundtrack": {
            s: float(np.mean([o for o, i in zip(own, ids) if i.startswith(s + "/")])) for s in ROOTS},
        "requests": requests,
        "tagging_seconds": round(tag_seconds, 1),
        "tracks_per_second": round(n / tag_seconds, 3),
        "audio_seconds_tagged": round(sum(t.duration for t in run.tracks), 1),
        "index_build_seconds": round(index_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "per_track": per_track,
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_track"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
