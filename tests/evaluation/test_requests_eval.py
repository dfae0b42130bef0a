"""Request-understanding evaluation: judging functions on toy data, and the real sets (marker data)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nlrec.evaluation.requests import (
    HetRec,
    TagSimilarity,
    co_listened,
    content_benchmark,
    graded_relevance,
    like_x_benchmark,
    load_musicreconer,
    negation_scores,
    random_like_x,
    read_jsonl,
    reference_detection,
    split_of,
)

REPO = Path(__file__).resolve().parents[2]
REQ = REPO / "eval" / "requests"


@pytest.fixture
def toy() -> HetRec:
    listeners = {"x": {"1", "2", "3", "4"}, "a": {"1", "2", "3"}, "b": {"1", "2", "3", "9"}, "c": {"7", "8"},
                 "d": {"4", "5", "6"}}
    tags = {"x": Counter({"trip-hop": 5, "female vocalists": 2}), "a": Counter({"trip-hop": 3}),
            "b": Counter({"trip hop": 1, "rnb": 2}), "c": Counter({"metal": 4}), "d": Counter({"r&b": 1, "sad": 1})}
    tag_artists = Counter(t for c in tags.values() for t in c)
    return HetRec({k: k.upper() for k in listeners}, tags, listeners, tag_artists)


def test_split_is_deterministic_and_about_30_percent():
    ids = [f"musicreconer-ds1-{i:04d}" for i in range(2000)]
    share = sum(split_of(i) == "test" for i in ids) / len(ids)
    assert 0.27 < share < 0.33
    assert [split_of(i) for i in ids[:50]] == [split_of(i) for i in ids[:50]]


def test_co_listened_and_like_x(toy):
    assert co_listened(toy, "x", min_shared=3) == {"a", "b"}
    cases = [{"text": "songs like X", "artist_id": "x"}]
    res = like_x_benchmark(lambda text, k: ["x", "a", "c"], cases, toy, k=2)
    assert res == {"requests": 1, "P@2": 0.5, "Hit@2": 1.0}  # X itself is dropped
    rnd = random_like_x(cases, toy, k=2, catalog=set(toy.listeners))
    assert 0 < rnd["P@2"] < 1


def test_tag_similarity_ranks_by_shared_tags(toy):
    sim = TagSimilarity(toy, ["x", "a", "b", "c", "d"])
    assert sim.similar({"x": 1.0}, 2)[0] == "a"
    assert "x" not in sim.similar({"x": 1.0}, 4)


def test_graded_relevance_uses_variant_spellings():
    assert graded_relevance(["rnb", "sad"], [["r&b"], ["sad"]]) == 1.0
    assert graded_relevance(["trip hop"], [["trip-hop"], ["sad"]]) == 0.5
    assert graded_relevance(["trip hop", "metal"], [["trip-hop"]], [["metal"]]) == 0.0


def test_content_benchmark(toy):
    cases = [{"text": "trip hop", "want": [["trip-hop"]], "exclude": []},
             {"text": "any suggestions?", "want": [], "exclude": []}]
    res = content_benchmark(lambda text, k: ["a", "c"], cases, toy, k=2)
    assert res == {"requests": 1, "graded_P@2": 0.5}


def test_negation_scores_counts_traps_as_false_exclusions():
    cases = [{"text": "piano without vocals", "negative": ["vocals"]},
             {"text": "No Quarter by Led Zeppelin", "negative": [], "group": "trap"}]
    res = negation_scores(cases, [{"text": "calm piano for studying"}])
    assert (res["precision"], res["recall"], res["clean_with_false_exclusion"]) == (1.0, 1.0, 0)


def test_written_sets_are_complete():
    neg = read_jsonl(REQ / "negation.jsonl")
    assert len(neg) >= 150 and sum(not c["negative"] for c in neg) >= len(neg) // 2 - 10
    assert len(read_jsonl(REQ / "no_negation.jsonl")) >= 200
    assert len(read_jsonl(REQ / "like_x.jsonl")) >= 150
    assert sum(bool(c["want"]) for c in read_jsonl(REQ / "content.jsonl")) >= 200


@pytest.mark.data
def test_reference_detection_on_musicreconer(shared_data):
    SHARED = shared_data
    dev = load_musicreconer(SHARED, "dev")
    test = load_musicreconer(SHARED, "test")
    assert len(dev) + len(test) == 1222 and 300 < len(test) < 420
    res = reference_detection(dev[:200], None)
    assert res["requests"] == 200
    assert res["artist"]["partial"]["f1"] > 0.5
