"""Search-quality dev harness (issue 27): one table of variants over three independent dev sets.

* ``mc_val``: MusicCaps validation (300 training clips held out of music-minilm's training),
  caption and sentence requests, R@10 / RR@10 (requests as written, as the benchmark protocol).
* ``mtt_valid``: MTT validation split, tag / pair / synonym / natural requests, nDCG@10.
* ``hetrec dev``: the dev half of the project's content requests (graded P@10) and the dev half
  of the like-X requests (P@10), over the HetRec artist index.

Only dev splits are read here. Usage::

    python eval/quality/dev.py --variant base '{}' --variant late1 '{"late_weight": 1}'
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

DATA = Path("../shared/data")
_LATE_DEFAULTS = None


def late_params(opts, index=None):
    """A variant's ``late_params`` become LateRetriever's defaults (dev experiments only)."""
    global _LATE_DEFAULTS
    from nlrec.encoders.late import LateRetriever

    kw = LateRetriever.__init__.__kwdefaults__
    if _LATE_DEFAULTS is None:
        _LATE_DEFAULTS = dict(kw)
    kw.clear()
    kw.update(_LATE_DEFAULTS)
    kw.update(opts.get("late_params", {}))
    import nlrec.search.planning as planning

    for name, value in opts.get("planning", {}).items():  # e.g. {"CONTENT_EXPANSION": 0}
        if not hasattr(planning, f"_default_{name}"):
            setattr(planning, f"_default_{name}", getattr(planning, name))
        setattr(planning, name, value)
    for name in [n[len("_default_"):] for n in dir(planning) if n.startswith("_default_")]:
        if name not in opts.get("planning", {}):
            setattr(planning, name, getattr(planning, f"_default_{name}"))
    if index is not None:
        index._retrievers.pop("late", None)
    return {k: v for k, v in opts.items() if k not in ("late_params", "planning")}


def mc_val(variants, model, cache):
    from nlrec.evaluation.runner import SystemConfig
    from nlrec.training.validation import evaluate_system, validation_benchmarks, validation_clips

    benches = validation_benchmarks(validation_clips(DATA, 300))
    out = {}
    for name, opts in variants.items():
        opts = late_params(opts)
        cfg = SystemConfig(opts.get("mode", "hybrid"), model=model, **{k: v for k, v in opts.items() if k != "mode"})
        r = evaluate_system(cfg, benches, cache)
        out[name] = {f"{b}_{m}": round(v, 1) for b, ms in r.measures.items() for m, v in ms.items() if m != "R@1"}
    return out


def mtt_valid(variants, model, cache, work):
    from nlrec.evaluation.mtt_msd import load_tag_benchmark
    from nlrec.evaluation.tag_runner import CachedEncoder, evaluate_tag_run, tag_index
    from nlrec.index import open_index
    from nlrec.search import SearchOptions, build_searcher

    bench = load_tag_benchmark("mtt_valid", DATA)
    path = work / "mtt_valid"
    index = open_index(path) if (path / "manifest.json").is_file() else tag_index(bench, path, CachedEncoder(cache))
    index.use_encoder(CachedEncoder(cache))
    out = {}
    for name, opts in variants.items():
        opts = late_params(opts, index)
        ranked = {}
        for negation in ("off", "filter"):
            qs = [q for q in bench.queries if q.negation == (negation == "filter")]
            s = build_searcher(index, SearchOptions.from_kwargs(negation=negation, understand=negation != "off",
                                                                **opts))
            for q, res in zip(qs, s.batch_search([q.text for q in qs], 10)):
                ranked[q.qid] = [(h.id, h.score) for h in res.hits]
        ev = evaluate_tag_run(bench.qrels, ranked)
        out[name] = {f"mtt_{sub}": round(ev[sub]["nDCG@10"], 1) for sub in ("tag", "pair", "syn", "nat") if sub in ev}
    return out


def hetrec_dev(variants, work):
    from nlrec.evaluation.hetrec_bench import content_benchmark, like_x_benchmark
    from nlrec.evaluation.request_data import load_hetrec_catalog, read_jsonl
    from nlrec.evaluation.requests import content_half, open_hetrec_index, searcher_ranker
    from nlrec.search import SearchOptions, build_searcher

    het = load_hetrec_catalog(DATA)
    index = open_hetrec_index(het, work)
    content = [c for c in read_jsonl("eval/requests/content.jsonl") if content_half(c) == "dev"]
    like = [c for c in read_jsonl("eval/requests/like_x.jsonl") if content_half(c) == "dev"]
    mixed = [c for c in read_jsonl("eval/requests/mixed.jsonl") if content_half({"id": c["like_id"]}) == "dev"]
    ids = {t.id for t in index.tracks}
    out = {}
    for name, opts in variants.items():
        opts = late_params(opts, index)
        s = build_searcher(index, SearchOptions.from_kwargs(**opts))
        rank = searcher_ranker(s, [c["text"] for c in (*content, *like, *mixed)])
        c = content_benchmark(rank, content, het)
        lx = like_x_benchmark(rank, like, het, catalog=ids)
        mx = mixed_benchmark(rank, mixed, het, ids)
        out[name] = {"het_content": round(100 * c["graded_P@10"], 1), "het_like": round(100 * lx["P@10"], 1),
                     **{f"het_mixed_{k}": v for k, v in mx.items()}}
    return out


def mixed_benchmark(rank, cases, het, ids, k=10):
    """Content + reference requests (eval/requests/mixed.jsonl): P@10 of carrying the asked genre,
    of being co-listened with the named artist, and their mean."""
    from nlrec.evaluation.hetrec_bench import _norm_tag, co_listened

    g_sum = c_sum = 0.0
    n = 0
    for c in cases:
        rel = co_listened(het, c["artist_id"], catalog=ids)
        got = [a for a in rank(c["text"], k + 1) if a != c["artist_id"]][:k]
        want = _norm_tag(c["genre"])
        g_sum += sum(want in {_norm_tag(t) for t in het.descriptors(a, 10)} for a in got) / k
        c_sum += len(set(got) & rel) / k
        n += 1
    g, co = 100 * g_sum / max(n, 1), 100 * c_sum / max(n, 1)
    return {"genre": round(g, 1), "colisten": round(co, 1), "both": round((g + co) / 2, 1)}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", nargs=2, action="append", metavar=("NAME", "JSON"), required=True)
    ap.add_argument("--model", default="music-minilm")
    ap.add_argument("--sets", default="mc,mtt,het")
    ap.add_argument("--work", default="/tmp/quality-work")
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    from nlrec.encoders.cache import EmbeddingCache
    from nlrec.encoders.dense import load_encoder

    variants = {n: json.loads(j) for n, j in a.variant}
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(load_encoder(a.model), work / "vectors")
    table = {n: {} for n in variants}
    sets = a.sets.split(",")
    for key, fn in (("mc", lambda: mc_val(variants, a.model, cache)), ("mtt", lambda: mtt_valid(variants, a.model, cache, work)),
                    ("het", lambda: hetrec_dev(variants, work))):
        if key in sets:
            t = time.time()
            for n, row in fn().items():
                table[n].update(row)
            cache.save()
            print(f"[{key} {time.time() - t:.0f}s]", file=sys.stderr, flush=True)
    cols = list(dict.fromkeys(c for row in table.values() for c in row))
    print("variant".ljust(14) + " ".join(c[:14].rjust(14) for c in cols))
    for n, row in table.items():
        print(n.ljust(14) + " ".join(f"{row.get(c, float('nan')):14.1f}" for c in cols))
    if a.out:
        Path(a.out).write_text(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
