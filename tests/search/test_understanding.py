"""Requests understood in the search path: references, lookups, years, filler, nothing to match."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.index import build_index
from nlrec.search import SearchOptions, build_searcher
from nlrec.search.similar import UnknownTrackError, similar

ROWS = [
    {"id": "p1", "title": "Glory Box", "artist": "Portishead", "year": 1994, "descriptors": ["trip hop", "female vocal", "sad", "breakbeat"]},
    {"id": "p2", "title": "Roads", "artist": "Portishead", "year": 1994, "descriptors": ["trip hop", "female vocal", "melancholic", "strings"]},
    {"id": "m1", "title": "Teardrop", "artist": "Massive Attack", "year": 1998, "descriptors": ["trip hop", "female vocal", "harpsichord", "melancholic"]},
    {"id": "d1", "title": "One More Time", "artist": "Daft Punk", "year": 2000, "descriptors": ["french house", "vocoder", "upbeat", "dance"]},
    {"id": "j1", "title": "So What", "artist": "Miles Davis", "year": 1959, "descriptors": ["jazz", "trumpet", "modal", "cool"]},
    {"id": "j2", "title": "Blue Monk", "artist": "Thelonious Monk", "year": 1958, "descriptors": ["jazz", "piano", "bebop"]},
    {"id": "r1", "title": "No Quarter", "artist": "Led Zeppelin", "year": 1973, "descriptors": ["rock", "keyboards", "dark", "male vocal"]},
    {"id": "r2", "title": "Black Dog", "artist": "Led Zeppelin", "year": 1971, "descriptors": ["hard rock", "electric guitar", "male vocal"]},
    {"id": "s1", "title": "Sunny Pan", "artist": "The Islanders", "year": 2011, "descriptors": ["steel drums", "upbeat", "calypso"]},
    {"id": "e1", "title": "Lift", "artist": "Pulse Unit", "year": 2021, "descriptors": ["edm", "workout", "upbeat", "synth"]},
]


@pytest.fixture
def index(fake_encoder):
    return build_index(Catalog.from_records(ROWS), "named", encoder=fake_encoder, onnx=False)


def search(index, text, k=5, **options):
    return build_searcher(index, SearchOptions(negation_threshold=1.0, **options)).search(text, k)


def test_index_keeps_its_names(index):
    assert (index.path / "names.json").is_file() and "names.json" in index.manifest.files
    assert index.names().lookup("portishead")[0].items == ("p1", "p2")


def test_like_x_recommends_others_and_says_why(index):
    r = search(index, "songs like portishead")
    ids = [h.id for h in r.hits]
    assert "p1" not in ids and "p2" not in ids          # the named artist is not recommended
    assert ids[0] == "m1"                                # the closest other trip hop
    assert r.hits[0].reference["like"] == "Portishead" and "trip hop" in r.hits[0].reference["shares"]
    assert [x["name"] for x in r.to_dict()["parsed"]["references"]] == ["Portishead"]


def test_a_bare_name_is_a_lookup(index):
    ids = [h.id for h in search(index, "portishead").hits]
    assert set(ids[:2]) == {"p1", "p2"}


def test_like_x_with_a_decade_and_an_exclusion(index):
    r = search(index, "songs like Portishead from the 90s, no strings")
    assert [x["name"] for x in r.to_dict()["parsed"]["references"]] == ["Portishead"]
    assert r.hits and not {"p1", "p2"} & {h.id for h in r.hits}


def test_play_a_title_is_a_lookup(index):
    r = search(index, "play Blue Monk", k=3)
    assert r.hits[0].id == "j2"


def test_titles_with_no_are_not_exclusions(index):
    r = search(index, "something like No Quarter by Led Zeppelin", k=3)
    assert r.request.negative == () and r.hits
    assert {"r1"} & {h.id for h in r.hits} == set()


def test_years_filter_when_the_catalog_has_years(index):
    r = search(index, "jazz from the 50s", k=5)
    assert r.plan.filter is not None and {h.id for h in r.hits} == {"j1", "j2"}
    assert [(y.role, y.filtered) for y in r.plan.years] == [("release", True)]
    r = search(index, "upbeat music, nothing from the 2000s", k=5)
    assert all(h.year is None or not 2000 <= h.year <= 2009 for h in r.hits)


def test_unknown_names_and_filler_are_reported_not_matched(index):
    r = search(index, "anything like Zorblax Quintet?", k=5)
    parsed = r.to_dict()["parsed"]
    assert [u["span"] for u in parsed["unresolved"]] == ["Zorblax Quintet"]
    assert parsed["nothing_to_match"] and r.hits == []


def test_as_typed_searches_the_text_as_typed(index):
    r = search(index, "songs like portishead", understand=False)
    assert not r.plan.understood and r.plan.references == () and r.request.vector is None


def test_negation_off_still_understands_names_and_years(index):
    r = search(index, "songs like portishead without strings", negation="off")
    assert [p.role for p in r.plan.references] == ["like"] and r.request.vector is not None
    assert r.plan.exclusions == () and "without strings" in r.plan.wanted
    assert "p1" not in [h.id for h in r.hits]  # a "like" reference's own items are left out
    lookup = search(index, "Portishead", negation="off")
    assert [p.role for p in lookup.plan.references] == ["lookup"] and lookup.hits[0].artist == "Portishead"


def test_similar_by_id_artist_and_title(index):
    assert similar(index, "p1", k=2).hits[0].id == "p2"
    by_artist = similar(index, "Portishead", k=3)
    assert by_artist.reference["kind"] == "artist" and "p1" not in [h.id for h in by_artist.hits]
    assert similar(index, "Roads - Portishead", k=1).reference["ids"] == ["p2"]
    with pytest.raises(UnknownTrackError):
        similar(index, "Zorblax", k=1)


def test_cli_parse_similar_and_nothing_to_match(index):
    runner = CliRunner()
    r = runner.invoke(cli, ["parse", "songs like Portishead, 90s, no strings", "--index", "named", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["references"][0]["name"] == "Portishead" and d["negative"] == ["strings"]
    assert d["years"][0]["lo"] == 1990
    r = runner.invoke(cli, ["similar", "Zorblax", "--index", "named"])
    assert r.exit_code == 1 and "no track id, artist or title 'Zorblax'" in r.output
    r = runner.invoke(cli, ["query", "any suggestions?", "--index", "named"])
    assert r.exit_code == 0 and "Nothing to match" in r.stderr


@pytest.mark.parametrize("mode", ["bm25", "tfidf"])
def test_lexical_modes_rank_references(index, mode):
    """A request that only names an artist ranks in lexical modes too (golden fix 1)."""
    lookup = search(index, "Portishead", mode=mode)
    assert [h.artist for h in lookup.hits[:2]] == ["Portishead", "Portishead"]
    like = search(index, "songs like Portishead", mode=mode)
    assert like.hits and "Portishead" not in {h.artist for h in like.hits}
    assert like.hits[0].id == "m1" and like.hits[0].reference["like"] == "Portishead"
