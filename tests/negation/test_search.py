"""Negation-aware search on the tiny catalog (lexical matching: the tiny model is random)."""

from __future__ import annotations

import pytest

from nlrec.catalog import Catalog
from nlrec.errors import NlrecError
from nlrec.index import build_index
from nlrec.search import negation as search_mod
from nlrec.search import search

VOCAL = {"t3", "t6"}  # "male vocal", "female vocal"
LEX = {"negation_threshold": 1.0}


@pytest.fixture
def idx(tiny_tracks, tiny_model):
    return build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model))


@pytest.mark.parametrize("mode", ["dense", "tfidf", "bm25", "hybrid"])
def test_filter_removes_tracks_with_the_facet(idx, mode):
    hits = search(idx, "calm piano without vocals", k=8, mode=mode, **LEX)
    assert hits and not VOCAL & {h.id for h in hits}
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(h.negation["facets"] == ["vocals"] and not h.negation["excluded_by"] for h in hits)
    if mode != "dense":
        assert hits[0].id in ("t2", "t5")
        assert hits[0].negation["absent"] == ["no vocals"]
        assert "solo piano" in hits[0].matched  # reasons come from the positive text


def test_only_exclusions_returns_every_track_without_the_facet(idx):
    for mode in ("dense", "bm25", "tfidf"):
        hits = search(idx, "no vocals", k=10, mode=mode, **LEX)
        assert {h.id for h in hits} == {"t1", "t2", "t4", "t5", "t7", "t8"}, mode
        first = {h.id for h in hits[:3]}
        if mode != "dense":  # stated absences first: "no vocals" x2 and "instrumental"
            assert first == {"t1", "t2", "t5"}


def test_penalize_keeps_but_demotes(idx):
    q = "guitar without vocals"  # both guitar tracks sing
    assert search(idx, q, k=8, mode="bm25", **LEX) == []
    hits = search(idx, q, k=8, mode="bm25", negation="penalize", **LEX)
    assert {h.id for h in hits} == VOCAL
    assert {tuple(h.negation["excluded_by"]) for h in hits} == {("male vocal",), ("female vocal",)}
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))
    plain = {h.id: h.score for h in search(idx, q, k=8, mode="bm25", negation="off")}
    assert all(h.score < plain[h.id] for h in hits)


def test_off_is_the_old_search(idx):
    q = "aggressive metal without vocals"
    off = search(idx, q, k=3, mode="bm25", negation="off")
    assert off[0].id == "t3" and off[0].negation is None


def test_exclude_option(idx):
    hits = search(idx, "solo piano", k=8, mode="bm25", exclude=["piano"], **LEX)
    assert not {"t2", "t5", "t7"} & {h.id for h in hits}  # solo piano, piano trio
    with pytest.raises(NlrecError, match="exclusions need"):
        search(idx, "x", negation="off", exclude=["piano"])
    with pytest.raises(NlrecError, match="unknown negation mode"):
        search(idx, "x", negation="drop")


def test_plain_requests_are_unchanged(idx):
    q = "calm solo piano for studying"
    assert [h.id for h in search(idx, q, k=4)] == [h.id for h in search(idx, q, k=4, negation="off")]


def test_retrieves_deeper_until_k_survive(idx, monkeypatch):
    monkeypatch.setattr(search_mod, "NEGATION_MIN_DEPTH", 1)
    monkeypatch.setattr(search_mod, "NEGATION_DEPTH_FACTOR", 1)
    hits = search(idx, "vocal without vocals", k=3, mode="dense", **LEX)
    assert len(hits) == 3 and not VOCAL & {h.id for h in hits}


def test_semantic_matching_runs_with_the_index_encoder(idx):
    hits = search(idx, "calm piano without vocals", k=3, mode="bm25", negation_threshold=0.99)
    assert hits and all(h.negation is not None for h in hits)


def test_hit_json_has_the_negation_field(idx):
    d = search(idx, "piano without vocals", k=1, mode="bm25", **LEX)[0].to_dict()
    assert set(d["negation"]) == {"facets", "excluded_by", "absent", "violated", "semantic"}
