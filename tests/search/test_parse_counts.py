"""Each search reads its ``--where`` filter once and its request once (issue 25): the plan carries
the filter tree and the understood request down the stack; nothing below reads text again."""

from __future__ import annotations

import importlib
import sys
from collections import Counter

import pytest

from nlrec.catalog import Catalog
from nlrec.index import build_index
from nlrec.request import filters
from nlrec.request.filters import And, IsNull, Or
from nlrec.search import SearchOptions, build_searcher

request_parse = importlib.import_module("nlrec.request.parse")
COUNTED = {filters.parse_filter.__code__: "where", request_parse.parse.__code__: "request"}
# (the negation parser also reads descriptors when judging them: only the request's own parse counts)


def _calls(fn) -> Counter[str]:
    seen: Counter[str] = Counter()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in COUNTED:
            seen[COUNTED[frame.f_code]] += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return seen


@pytest.fixture
def index(tiny_tracks, fake_encoder):
    return build_index(Catalog.from_records(tiny_tracks), "tiny", encoder=fake_encoder, onnx=False)


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_where_and_request_are_read_once_per_search(index, mode):
    result = {}

    def one_search():
        options = SearchOptions(mode=mode, where="year >= 2000 and artist != 'Ragecore'", negation_threshold=1.0)
        result["r"] = build_searcher(index, options).search("calm piano without vocals from the 2010s", 3)

    assert _calls(one_search) == {"where": 1, "request": 1}
    plan = result["r"].plan
    assert plan.exclusions == ("vocals",) and result["r"].hits
    # the request's years joined the --where tree as nodes, not as text to read again
    assert isinstance(plan.filter.tree, And) and isinstance(plan.filter.tree.parts[-1], Or)
    assert isinstance(plan.filter.tree.parts[-1].parts[0], IsNull)
    assert all(h.year is None or 2010 <= h.year <= 2019 for h in result["r"].hits)


def test_a_batch_reads_each_request_once(index):
    searcher = build_searcher(index, SearchOptions(mode="bm25", where="year > 1900"))
    queries = ["calm piano", "upbeat steel drums", "metal without vocals"]
    assert _calls(lambda: searcher.batch_search(queries, 2)) == {"request": 3}
