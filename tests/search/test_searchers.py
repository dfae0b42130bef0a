from __future__ import annotations

import pytest

from nlrec.catalog import Catalog
from nlrec.errors import NlrecError, QueryError
from nlrec.index import build_index
from nlrec.search import MAX_QUERY_CHARS, QueryTruncatedWarning, clean_query, search, search_many


@pytest.fixture
def idx(tiny_tracks, tiny_model):
    return build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model))


@pytest.mark.parametrize("mode", ["dense", "tfidf", "bm25", "hybrid"])
def test_every_mode_returns_hits(idx, mode):
    hits = search(idx, "calm solo piano for studying", k=3, mode=mode)
    assert 1 <= len(hits) <= 3
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))
    if mode != "dense":  # lexical evidence decides these (the tiny model's weights are random)
        assert hits[0].id in ("t2", "t5")
        assert set(hits[0].matched) == {"solo piano", "calm", "studying"}


def test_hit_fields(idx):
    h = search(idx, "steel drums", k=1, mode="bm25")[0]
    d = h.to_dict()
    assert {"rank", "id", "score", "descriptors", "title", "artist"} <= set(d)
    assert (d["id"], d["title"], d["artist"], d["year"]) == ("t1", "Sunny Pan", "The Islanders", 2011)
    assert d["descriptors"][0] == "steel drums"
    assert d["matched"] == ["steel drums"]


def test_sparse_modes_drop_non_matching_tracks(idx):
    assert search(idx, "zzzz unknown words", k=5, mode="bm25") == []
    assert len(search(idx, "zzzz unknown words", k=5, mode="dense")) == 5


def test_weighted_hybrid_extremes(idx):
    lexical = search(idx, "steel drums", k=1, mode="hybrid", fusion="weighted", alpha=0.0)
    assert lexical[0].id == "t1"
    with pytest.raises(NlrecError, match="alpha"):
        search(idx, "x", mode="hybrid", fusion="weighted", alpha=2.0)


def test_batch_equals_single(idx):
    qs = ["calm piano", "aggressive metal guitar", "synth night"]
    batch = search_many(idx, qs, k=4, mode="hybrid")
    for q, hits in zip(qs, batch):
        assert [h.id for h in hits] == [h.id for h in search(idx, q, k=4, mode="hybrid")]


def test_query_validation():
    with pytest.raises(QueryError, match="empty query"):
        clean_query("   \n\t ")
    with pytest.raises(QueryError):
        clean_query("")
    assert clean_query("  calm   piano ") == "calm piano"
    with pytest.warns(QueryTruncatedWarning, match="truncated"):
        q = clean_query("piano " * 1000)
    assert len(q) <= MAX_QUERY_CHARS


def test_bad_k_and_mode(idx):
    with pytest.raises(NlrecError, match="k must be"):
        search(idx, "x", k=0)
    with pytest.raises(NlrecError, match="unknown mode"):
        search(idx, "x", mode="magic")
