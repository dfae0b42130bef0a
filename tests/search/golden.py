"""The golden rankings: what today's searchers return, fixed before a refactor of the search stack.

Two indexes are built with the deterministic :class:`~tests.conftest.FakeEncoder` (no model):

* ``demo``: the shipped demo catalog (359 fictional tracks, with artists, titles and years);
* ``hetrec``: a HetRec-2011-like catalog made from ``<data>/hetrec_lastfm2k`` (the first 300
  artists with tags: the artist name, its 8 most used tags, and as its ``year`` the first year it
  was tagged), when the public data is there.

For each index, requests are drawn from its own descriptors and names in four variants, each
searched in four modes:

* ``plain``: two descriptors ("calm piano"), some with a decade ("90s calm piano");
* ``negated``: the same with a facet excluded ("calm piano without vocals");
* ``filtered``: the plain request with a ``--where`` year filter;
* ``reference``: a named artist, as "more like this" ("songs like X") or a lookup ("X").

The expected top-10 ids and scores (rounded to 4 decimals) live in ``golden.json``, generated from
the code of the day by::

    PYTHONPATH=. python -m tests.search.golden --write

Regenerate only for a *documented fix*: say in the commit which cells changed and why.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).with_name("golden.json")
MODES = ("dense", "bm25", "tfidf", "hybrid")
VARIANTS = ("plain", "negated", "filtered", "reference")
K = 10
N_REQUESTS = {"demo": 25, "hetrec": 15}
WHERE = {"demo": "year >= 2000", "hetrec": "year >= 2008"}
HETREC_ARTISTS = 300


def hetrec_records(data: Path) -> list[dict[str, Any]]:
    """A small HetRec-like catalog (see the module docstring)."""
    root = data / "hetrec_lastfm2k"

    def rows(name: str, encoding: str = "utf-8") -> list[list[str]]:
        with open(root / name, encoding=encoding, newline="") as f:
            return [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]

    names = {r[0]: r[1].strip() for r in rows("artists.dat") if len(r) >= 2}
    tags = {r[0]: r[1].strip().lower() for r in rows("tags.dat", "latin-1") if len(r) >= 2}
    per: dict[str, Counter[str]] = {}
    first: dict[str, int] = {}
    for r in rows("user_taggedartists.dat"):
        if len(r) < 6 or r[2] not in tags or not tags[r[2]]:
            continue
        per.setdefault(r[1], Counter())[tags[r[2]]] += 1
        first[r[1]] = min(first.get(r[1], 9999), int(r[5]))
    out = []
    for a in sorted(per, key=int):
        if a not in names or sum(per[a].values()) < 3:
            continue
        descriptors = [t for t, _ in sorted(per[a].items(), key=lambda kv: (-kv[1], kv[0]))[:8]]
        out.append({"id": f"a{a}", "artist": names[a], "year": first[a] if 1990 < first[a] < 2030 else None,
                    "descriptors": descriptors})
        if len(out) == HETREC_ARTISTS:
            break
    return out


def demo_records() -> list[dict[str, Any]]:
    from nlrec.catalog.demo import DEMO_FILE

    return [json.loads(line) for line in DEMO_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def requests(records: list[dict[str, Any]], n: int) -> Iterator[tuple[str, str, str | None]]:
    """``(variant, text, where)`` for ``n`` requests drawn evenly from ``records``."""
    step = max(1, len(records) // n)
    picked = records[::step][:n]
    decades = ("", "90s ", "", "from the 80s ")
    for i, r in enumerate(picked):
        d = list(r["descriptors"])
        other = records[(records.index(r) + len(records) // 2) % len(records)]["descriptors"]
        want = " ".join(d[:2]) if len(d) > 1 else d[0]
        if i % len(decades) == 3:
            text = f"{want} {decades[3].strip()}"
        else:
            text = f"{decades[i % len(decades)]}{want}"
        yield "plain", text, None
        yield "negated", f"{want} without {other[0]}", None
        yield "filtered", want, None
        artist = r.get("artist") or ""
        yield "reference", (f"songs like {artist}" if i % 2 == 0 else artist), None


def build(records: list[dict[str, Any]], name: str, encoder: Any) -> Any:
    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    return build_index(Catalog.from_records(records), name, encoder=encoder, onnx=False, factory="Flat")


def rankings(index: Any, records: list[dict[str, Any]], n: int, where: str) -> dict[str, Any]:
    """Every cell ``"<mode>|<variant>|<text>"`` -> ``{"ids", "scores"}``."""
    from nlrec.search import SearchOptions, build_searcher

    out: dict[str, Any] = {}
    cases = list(requests(records, n))
    for mode in MODES:
        plain = build_searcher(index, SearchOptions(mode=mode))
        filtered = build_searcher(index, SearchOptions(mode=mode, where=where))
        for variant, text, _ in cases:
            s = filtered if variant == "filtered" else plain
            hits = s.search(text, K).hits
            out[f"{mode}|{variant}|{text}"] = {"ids": [h.id for h in hits],
                                               "scores": [round(float(h.score), 4) for h in hits]}
    return out


def compute(data: Path | None, encoder: Any) -> dict[str, Any]:
    """The golden rankings of both indexes (``hetrec`` only when ``data`` holds it)."""
    out: dict[str, Any] = {}
    demo = demo_records()
    out["demo"] = rankings(build(demo, "golden-demo", encoder), demo, N_REQUESTS["demo"], WHERE["demo"])
    if data is not None and (data / "hetrec_lastfm2k").is_dir():
        het = hetrec_records(data)
        out["hetrec"] = rankings(build(het, "golden-hetrec", encoder), het, N_REQUESTS["hetrec"], WHERE["hetrec"])
    return out


def main(argv: list[str] | None = None) -> int:
    import os
    import tempfile

    from tests.conftest import SHARED_DATA, FakeEncoder

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true", help=f"write {FIXTURE.name} (a documented fix only)")
    args = p.parse_args(argv)
    os.environ["NLREC_HOME"] = tempfile.mkdtemp(prefix="nlrec-golden-")
    got = compute(SHARED_DATA if SHARED_DATA.is_dir() else None, FakeEncoder())
    cells = sum(len(v) for v in got.values())
    if args.write:
        FIXTURE.write_text(json.dumps(got, indent=0, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {cells} cells to {FIXTURE}", file=sys.stderr)
        return 0
    want = json.loads(FIXTURE.read_text(encoding="utf-8"))
    diff = [(name, c) for name in got for c in got[name] if want.get(name, {}).get(c) != got[name][c]]
    print(f"{cells} cells, {len(diff)} differ", file=sys.stderr)
    for name, c in diff[:20]:
        print(f"  {name} {c}: {want.get(name, {}).get(c)} -> {got[name][c]}", file=sys.stderr)
    return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main())
