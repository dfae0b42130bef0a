"""Evaluation of request understanding (issue 13): references, negations, "like X" and content.

Run ``python -m nlrec.evaluation.requests --data-dir ../shared/data``; it prints the figures and
writes ``eval/results/requests.json``. Protocols (details in ``eval/requests/README.md``):

* **Reference detection** on the MusicRecoNER requests, test split only (:func:`split_of`: a
  request is ``test`` when ``int(sha256(id)[:8], 16) % 100 < 30``). Predictions are made on the
  original text and aligned to the annotated tokens of ``text_preprocessed``; ``Artist`` is
  compared with references of kind ``artist``, ``WoA`` with ``track`` / ``album``. *Strict*: same
  tokens and type; *partial*: overlapping tokens and same type. (a) catalog-backed: only
  entities whose name is in the catalog (HetRec artists; MTT artists and titles), predictions =
  resolved references; (b) catalog-free: all entities, predictions = every reference found
  without a catalog.
* **Negation**: precision / recall of excluded facets on ``eval/requests/negation.jsonl`` and
  false exclusions on ``eval/requests/no_negation.jsonl``.
* **"Like X"** on HetRec (``eval/requests/like_x.jsonl``): :func:`like_x_benchmark` judges any
  ``rank(text, k) -> ids`` by co-listening (:func:`co_listened`); random and tag-set similarity
  to X are the reference points.
* **Content requests** on HetRec (``eval/requests/content.jsonl``): :func:`content_benchmark`
  judges a ranker by the descriptors of what it returns (:func:`graded_relevance`).

The pieces: :mod:`~nlrec.evaluation.request_data` (data and split),
:mod:`~nlrec.evaluation.request_parsing` (reference and negation scores) and
:mod:`~nlrec.evaluation.hetrec_bench` (the HetRec benchmarks); this module runs them all.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlrec.evaluation.hetrec_bench import (
    Ranker,
    TagSimilarity,
    co_listened,
    content_benchmark,
    empty_requests,
    graded_relevance,
    lexical_content_rankers,
    like_x_benchmark,
    random_like_x,
)
from nlrec.evaluation.request_data import (
    TEST_PERCENT,
    HetRec,
    hetrec_catalog,
    hetrec_name_index,
    load_hetrec_catalog,
    load_musicreconer,
    mtt_name_index,
    read_jsonl,
    split_of,
)
from nlrec.evaluation.request_parsing import catalog_filter, negation_scores, reference_detection
from nlrec.request.names import NameIndex

EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"


def run(data_dir: str | Path, *, out: str | Path | None = None, with_search: bool = False,
        home: str | Path | None = None) -> dict[str, Any]:
    """Compute every figure of the module docstring; write them to ``out`` (JSON)."""
    from nlrec.request.parse import parse

    req_dir = EVAL_DIR / "requests"
    results: dict[str, Any] = {"split": {"rule": f"test when int(sha256(id)[:8], 16) % 100 < {TEST_PERCENT}"}}
    test = load_musicreconer(data_dir, "test")
    results["split"].update(test=len(test), dev=len(load_musicreconer(data_dir, "dev")))

    het = load_hetrec_catalog(data_dir)
    t0 = time.perf_counter()
    het_names = hetrec_name_index(het)
    build_s = time.perf_counter() - t0
    mtt_names = mtt_name_index(data_dir)
    results["name_index"] = _name_index_timing(het_names, build_s)

    results["references"] = {
        "catalog_free": reference_detection(test, None),
        "hetrec_artists": reference_detection(test, het_names, in_catalog=catalog_filter(het_names, ["artist"], [])),
        "mtt_artists_titles": reference_detection(
            test, mtt_names, in_catalog=catalog_filter(mtt_names, ["artist"], ["track"])
        ),
    }
    results["negation"] = negation_scores(read_jsonl(req_dir / "negation.jsonl"),
                                          read_jsonl(req_dir / "no_negation.jsonl"))

    like = read_jsonl(req_dir / "like_x.jsonl")
    content = read_jsonl(req_dir / "content.jsonl")
    catalog_ids = {a for a, c in het.tags.items() if c}
    tags = TagSimilarity(het, sorted(catalog_ids, key=int))

    x_of = {c["text"]: c["artist_id"] for c in like}

    def oracle(text: str, k: int) -> list[str]:
        return tags.similar({x_of[text]: 1.0}, k)

    def parsed_tags(text: str, k: int) -> list[str]:
        return tags.similar(parse(text, het_names).reference_items(), k)

    results["like_x"] = {
        "random": random_like_x(like, het, catalog=catalog_ids),
        "tag_similarity_to_x": like_x_benchmark(oracle, like, het, catalog=catalog_ids),
        "parsed_reference_then_tag_similarity": like_x_benchmark(parsed_tags, like, het, catalog=catalog_ids),
        "resolved_to_x": round(sum(c["artist_id"] in parse(c["text"], het_names).reference_items()
                                   for c in like) / len(like), 4),
    }
    results["content"] = {"empty": empty_requests(content)}
    for name, ranker in lexical_content_rankers(het).items():
        results["content"][name] = content_benchmark(ranker, content, het)
    if with_search:
        results.update(_search_baselines(het, like, content, catalog_ids, home))
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


def _name_index_timing(names: NameIndex, build_s: float) -> dict[str, Any]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = names.save(tmp)
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            NameIndex.load(path)
            runs.append(time.perf_counter() - t0)
        size = path.stat().st_size
    return {"names": len(names), "build_s": round(build_s, 2), "file_bytes": size,
            "open_ms_median": round(1000 * sorted(runs)[2], 1), "open_ms_runs": [round(1000 * r, 1) for r in runs]}


def _search_baselines(het: HetRec, like: Sequence[dict[str, Any]], content: Sequence[dict[str, Any]],
                      catalog_ids: set[str], home: str | Path | None) -> dict[str, Any]:
    """Today's default search (hybrid, music-minilm) on the two HetRec benchmarks."""
    from nlrec.index import build_index, open_index

    home_path = Path(home) if home else Path("indexes")
    path = home_path / "hetrec-artists"
    index = open_index(path) if (path / "manifest.json").is_file() else build_index(hetrec_catalog(het), path)

    def old(text: str, k: int) -> list[str]:
        return [h.id for h in index.search(text, k=k, mode="hybrid")]

    understood = understood_hybrid(index, het)
    return {
        "search_baselines": {
            "index": str(path),
            "like_x_today_default": like_x_benchmark(old, like, het, catalog=catalog_ids),
            "content_today_default": content_benchmark(old, content, het),
            "content_understood_hybrid": content_benchmark(understood, content, het),
        }
    }


def understood_hybrid(index: Any, het: HetRec, *, depth: int = 100, rrf_k: int = 60,
                      dense_text: str = "positive") -> Ranker:
    """A stand-in for the integrated searcher: today's dense side on the parsed request, fused (RRF)
    with BM25 over the understood request (:func:`lexical_content_rankers`, both sides normalised).

    Dense: ``normalize_phrases(positive)`` (or of ``content``, without filler, with
    ``dense_text="content"``) searched with the parsed exclusions. Nothing is
    returned when the request has nothing to match.
    """
    from nlrec.request.language import normalize_phrases
    from nlrec.request.parse import parse

    lexical = lexical_content_rankers(het)["bm25_understood"]

    def rank(text: str, k: int) -> list[str]:
        p = parse(text)
        if p.nothing_to_match:
            return []
        wanted = p.content if dense_text == "content" else p.positive
        query = normalize_phrases(" ".join([wanted, *p.decade_terms()])) or text
        dense = [h.id for h in index.search(query, k=depth, mode="dense", exclude=list(p.negative))]
        fused: dict[str, float] = {}
        for ranking in (dense, lexical(text, depth)):
            for r, item in enumerate(ranking):
                fused[item] = fused.get(item, 0.0) + 1.0 / (rrf_k + r + 1)
        return [i for i, _ in sorted(fused.items(), key=lambda x: (-x[1], x[0]))[:k]]

    return rank


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m nlrec.evaluation.requests", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=None, help="shared data directory (default $NLREC_DATA or ../shared/data)")
    ap.add_argument("--out", default=str(EVAL_DIR / "results" / "requests.json"))
    ap.add_argument("--with-search", action="store_true", help="also build a HetRec index and measure today's search")
    ap.add_argument("--home", default=None, help="where to keep the HetRec index (with --with-search)")
    args = ap.parse_args(argv)
    import os

    data_dir = args.data_dir or os.environ.get("NLREC_DATA") or "../shared/data"
    res = run(data_dir, out=args.out, with_search=args.with_search, home=args.home)
    print(json.dumps({k: v for k, v in res.items()}, indent=1, default=str)[:20000])


__all__ = [
    "EVAL_DIR",
    "TEST_PERCENT",
    "HetRec",
    "Ranker",
    "TagSimilarity",
    "catalog_filter",
    "co_listened",
    "content_benchmark",
    "empty_requests",
    "graded_relevance",
    "hetrec_catalog",
    "hetrec_name_index",
    "lexical_content_rankers",
    "like_x_benchmark",
    "load_hetrec_catalog",
    "load_musicreconer",
    "mtt_name_index",
    "negation_scores",
    "random_like_x",
    "read_jsonl",
    "reference_detection",
    "run",
    "split_of",
    "understood_hybrid",
]


if __name__ == "__main__":
    main()
