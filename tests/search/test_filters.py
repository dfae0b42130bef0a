"""The --where expression language and filtered search."""

from __future__ import annotations

import random

import numpy as np
import pytest

from nlrec.catalog import Catalog
from nlrec.encoders.base import Ranking
from nlrec.errors import NlrecError
from nlrec.index import build_index
from nlrec.search import SearchOptions, build_searcher
from nlrec.search.filters import FilterError, parse_filter, track_fields


@pytest.mark.parametrize(("expr", "record", "expected"), [
    ("year >= 1990 and year < 2000", {"year": 1994}, True),
    ("year >= 1990 and year < 2000", {"year": 2000}, False),
    ("year >= 1990", {}, False),                               # a missing field never matches
    ("year is null", {}, True),
    ("year is not null", {"year": 3}, True),
    ("artist = 'portishead'", {"artist": "Portishead"}, True),  # strings ignore case
    ("artist != \"Portishead\"", {"artist": "Massive Attack"}, True),
    ("label in ('Warp', 'Ninja Tune')", {"label": "ninja tune"}, True),
    ("label not in ('Warp')", {"label": "Warp"}, False),
    ("descriptors contains 'jazz'", {"descriptors": ["smooth jazz", "piano"]}, True),
    ("title contains 'LOVE'", {"title": "Glory Box of love"}, True),
    ("duration < 240", {"duration": "201.5"}, True),            # numeric strings compare as numbers
    ("duration < 240", {"duration": "n/a"}, False),             # never an error
    ("not (year < 1990 or year > 1999)", {"year": 1995}, True),
    ("explicit = true", {"explicit": True}, True),
])
def test_expressions(expr, record, expected):
    assert parse_filter(expr).matches(record) is expected


@pytest.mark.parametrize("bad", ["", "year >", "year >= 1990 and", "(year = 1", "year ~ 3", "x in 3",
                                 "__import__('os')", "year = 1; drop", "a contains 3", "(" * 60 + "a = 1" + ")" * 60])
def test_bad_expressions_are_one_line_errors(bad):
    with pytest.raises(FilterError) as e:
        parse_filter(bad)
    assert "\n" not in str(e.value)


def test_search_options_refuse_a_bad_filter():
    with pytest.raises(NlrecError, match="filter"):
        SearchOptions(where="year >")


def _catalog(n: int = 60) -> Catalog:
    rng = random.Random(0)
    words = ["jazz", "piano", "rock", "guitar", "calm", "upbeat", "vocals", "synth", "drums", "sad"]
    rows = []
    for i in range(n):
        rows.append({"id": f"t{i}", "title": f"Song {i}", "artist": rng.choice(["Ana", "Bo", "Cy"]),
                     "year": rng.randint(1960, 2020), "label": rng.choice(["Warp", "Blue Note", "Sub Pop"]),
                     "descriptors": rng.sample(words, 3)})
    return Catalog.from_records(rows)


def test_filtered_hybrid_fuses_the_filtered_rankings(fake_encoder):
    """Hybrid with a filter = the fusion of the dense, sparse and descriptor-level rankings of the matching
    documents (the same on every backend: Milvus ranks only what the filter lets through)."""
    from nlrec.search.documents import positive
    from nlrec.search.fusion import fuse
    from nlrec.search.options import HYBRID_DEPTH

    index = build_index(_catalog(), "f", encoder=fake_encoder, onnx=False)
    rng = random.Random(2)
    for expr in ["year >= 1990 and year < 2000", "artist = 'Bo'", "label in ('Warp')", "year < 1970"]:
        f = parse_filter(expr)
        allowed_tracks = [f.matches(track_fields(t)) for t in index.tracks]
        allowed_docs = {int(index.track_doc[r]) for r, ok in enumerate(allowed_tracks) if ok}
        q = " ".join(rng.sample(["jazz", "piano", "calm", "rock", "synth", "upbeat"], 2))
        n = len(index.documents)
        sides = []
        for kind in ("dense", "bm25", "late"):  # hybrid's three rankings (late: docs/quality.md)
            r = index.retriever(kind).search([q], n)[0]
            r = positive(r) if kind != "dense" else r
            keep = np.isin(r.doc_ids, sorted(allowed_docs))
            sides.append(Ranking(r.doc_ids[keep][:HYBRID_DEPTH], r.scores[keep][:HYBRID_DEPTH]))
        fused = fuse(sides, 5, method="rrf")
        expected = [index.tracks[row].id for d in fused.doc_ids.tolist() for row in index.doc_tracks[d]
                    if allowed_tracks[row]][:5]
        got = build_searcher(index, SearchOptions(mode="hybrid", negation="off", where=expr)).search(q, k=5).hits
        assert [h.id for h in got] == expected, (q, expr)


@pytest.mark.parametrize("mode", ["dense", "bm25"])
def test_filtered_search_equals_brute_force_filter(fake_encoder, mode):
    """k filtered hits are the first k matching tracks of the unfiltered full ranking."""
    index = build_index(_catalog(), "f", encoder=fake_encoder, onnx=False)
    rng = random.Random(1)
    exprs = ["year >= 1990 and year < 2000", "artist = 'Bo'", "label in ('Warp')", "year < 1970",
             "descriptors contains 'jazz' and year > 1980"]
    for i in range(20):
        q = " ".join(rng.sample(["jazz", "piano", "calm", "rock", "synth", "upbeat", "music"], 2))
        expr = exprs[i % len(exprs)]
        f = parse_filter(expr)
        full = build_searcher(index, SearchOptions(mode=mode, negation="off")).search(q, k=len(index.tracks)).hits
        expected = [h.id for h in full if f.matches(track_fields(index.tracks[int(h.id[1:])]))][:5]
        got = build_searcher(index, SearchOptions(mode=mode, negation="off", where=expr)).search(q, k=5).hits
        assert [h.id for h in got] == expected, (q, expr)


def test_filters_combine_with_negation(fake_encoder):
    index = build_index(_catalog(), "f", encoder=fake_encoder, onnx=False)
    hits = build_searcher(index, SearchOptions(mode="bm25", where="year >= 1990", negation_threshold=1.0)).search(
        "piano without vocals", k=10).hits
    assert hits
    for h in hits:
        assert h.year >= 1990 and "vocals" not in h.descriptors


def test_cli_where(fake_encoder, tiny_tracks, tiny_model):
    import json

    from click.testing import CliRunner

    from nlrec.cli import cli

    build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model))
    r = CliRunner().invoke(cli, ["query", "music", "--index", "tiny", "--where", "year < 1980", "--json", "-k", "8"])
    assert r.exit_code == 0, r.output
    assert {h["id"] for h in json.loads(r.stdout)["hits"]} == {"t6", "t7"}
    r = CliRunner().invoke(cli, ["query", "music", "--index", "tiny", "--where", "year <"])
    assert r.exit_code == 1 and "Error:" in r.output and "Traceback" not in r.output


def test_filtered_search_on_an_hnsw_index_is_exact(fake_encoder):
    """A filter on an HNSW index scores the allowed documents exactly (a graph walk would miss
    allowed documents far from the query)."""
    cat = _catalog(200)
    flat = build_index(cat, "flat", encoder=fake_encoder, onnx=False, factory="Flat")
    hnsw = build_index(cat, "hnsw", encoder=fake_encoder, onnx=False, factory="HNSW8")
    for expr in ["artist = 'Bo' and year < 1975", "label = 'Warp'"]:
        for q in ["jazz piano", "calm synth", "rock drums"]:
            options = SearchOptions(mode="dense", negation="off", where=expr)
            a = build_searcher(flat, options).search(q, k=10).hits
            b = build_searcher(hnsw, options).search(q, k=10).hits
            assert [h.id for h in a] == [h.id for h in b], (expr, q)
