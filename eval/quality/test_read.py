"""Issue 27's test-split figures for the request sets, read once after every choice was made on
dev splits (eval/quality/dev.py): the default searcher with and without descriptor-level
matching, in the same run.

* everyday requests over the whole MusicCaps catalog (nDCG@10; eval/everyday);
* the test halves of the HetRec content requests (graded P@10), like-X requests (P@10) and
  content + reference requests (eval/requests/mixed.jsonl).

Writes ``eval/results/quality_requests.json``.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import DATA, mixed_benchmark  # noqa: E402

VARIANTS = {"hybrid (late off)": {"late_weight": 0.0}, "hybrid (default: late on)": {}}


def everyday(work: Path) -> dict:
    from nlrec.catalog.datasets import load_musiccaps
    from nlrec.index import Index, build_index
    from nlrec.training.everyday import judge, load_requests, rank_tracks, score

    requests = load_requests("eval/everyday/requests.jsonl")
    catalog = load_musiccaps(DATA, split="all")
    qrels = judge(requests, catalog)
    path = work / "everyday-musiccaps"
    if not (path / "manifest.json").is_file():
        build_index(catalog, str(path), model="music-minilm")
    index = Index.open(str(path))
    return {name: score(qrels, rank_tracks(index, requests, "hybrid", **opts))["measures"]
            for name, opts in VARIANTS.items()}


def hetrec(work: Path) -> dict:
    from nlrec.evaluation.hetrec_bench import content_benchmark, like_x_benchmark
    from nlrec.evaluation.request_data import load_hetrec_catalog, read_jsonl
    from nlrec.evaluation.requests import content_half, open_hetrec_index, searcher_ranker
    from nlrec.search import SearchOptions, build_searcher

    het = load_hetrec_catalog(DATA)
    index = open_hetrec_index(het, work)
    content = [c for c in read_jsonl("eval/requests/content.jsonl") if content_half(c) == "test"]
    like = [c for c in read_jsonl("eval/requests/like_x.jsonl") if content_half(c) == "test"]
    mixed = [c for c in read_jsonl("eval/requests/mixed.jsonl") if content_half({"id": c["like_id"]}) == "test"]
    ids = {t.id for t in index.tracks}
    out = {}
    for name, opts in VARIANTS.items():
        s = build_searcher(index, SearchOptions.from_kwargs(**opts))
        rank = searcher_ranker(s, [c["text"] for c in (*content, *like, *mixed)])
        out[name] = {"content_graded_P@10": content_benchmark(rank, content, het)["graded_P@10"],
                     "like_x_P@10": like_x_benchmark(rank, like, het, catalog=ids)["P@10"],
                     "mixed": mixed_benchmark(rank, mixed, het, ids)}
    return out


def main() -> None:
    work = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/quality-test")
    work.mkdir(parents=True, exist_ok=True)
    t = time.time()
    res = {"everyday_musiccaps_all": everyday(work)}
    print(json.dumps(res, indent=1), flush=True)
    res["hetrec_test_halves"] = hetrec(work)
    res["seconds"] = round(time.time() - t)
    out = Path("eval/results/quality_requests.json")
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
