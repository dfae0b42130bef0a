"""Write ``mixed.jsonl``: requests with explicit content AND a reference ("alt hip hop similar to
milo"), judged on HetRec (see README.md beside this file, "mixed").

    python eval/requests/make_mixed.py --data-dir ../shared/data

For each "like X" case of ``like_x.jsonl`` one genre G is picked among X's top-10 tags, but not
its first three (so the content asks for a facet of X that is not what X is mostly known for,
which the reference alone would not give), and phrased with a seeded template. A hit is judged
by two halves: it carries G among its top-10 tags (the content is respected) and it is
co-listened with X (the reference is respected). The dev/test halves follow the like-X case's id
(``content_half``). Nothing here reads search output.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from nlrec.evaluation.requests import load_hetrec_catalog  # noqa: E402

SEED = 27
TEMPLATES = ["{g} like {x}", "{g} similar to {x}", "some {g} in the vein of {x}", "any {g} that sounds like {x}?",
             "looking for {g}, something like {x}", "{x} vibes but more {g}", "recommend me {g} similar to {x}"]
#: Tags that name a genre or style (the content a listener would type); others (years, "seen live",
#: moods) are not used as G.
GENRE_WORDS = ("rock", "pop", "metal", "punk", "jazz", "hip", "rap", "electro", "house", "techno", "folk",
               "country", "soul", "funk", "blues", "indie", "alternative", "ambient", "trance", "dance",
               "reggae", "grunge", "emo", "wave", "synth", "industrial", "classical", "trip", "dubstep",
               "disco", "gothic", "hardcore", "ska", "r&b", "rnb", "lounge", "chillout", "downtempo",
               "experimental", "acoustic", "singer-songwriter", "britpop", "shoegaze", "idm", "garage")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default="../shared/data")
    a = ap.parse_args(argv)
    het = load_hetrec_catalog(a.data_dir)
    rng = random.Random(SEED)
    like = [json.loads(line) for line in (HERE / "like_x.jsonl").read_text(encoding="utf-8").splitlines() if line]
    out = []
    for c in like:
        tags = het.descriptors(c["artist_id"], 10)
        genres = [t for t in tags[3:] if any(w in t.lower() for w in GENRE_WORDS) and c["artist"].lower() not in t.lower()]
        if not genres:
            continue
        g = rng.choice(genres)
        text = rng.choice(TEMPLATES).format(g=g, x=c["artist"])
        out.append({"id": c["id"].replace("like-", "mixed-"), "like_id": c["id"], "text": text, "genre": g,
                    "artist_id": c["artist_id"], "artist": c["artist"]})
    path = HERE / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    print(f"wrote {len(out)} requests to {path}")


if __name__ == "__main__":
    main()
