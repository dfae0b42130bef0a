from __future__ import annotations

import json

import pytest

from nlrec.errors import QueryError
from nlrec.negation.parse import MAX_REQUEST_CHARS
from nlrec.request.parse import parse


def test_structured_request(names):
    r = parse("songs like Portishead but no vocals, from the 90s, any suggestions?", names)
    assert [x.name for x in r.references] == ["Portishead"]
    assert r.negative == ("vocals",)
    assert [(y.range.lo, y.range.hi) for y in r.years] == [(1990, 1999)]
    assert "any suggestions" in r.filler
    assert r.content == ""
    assert not r.nothing_to_match  # a resolved reference is something to match
    assert r.reference_items() == {"a1": 1.0}
    json.dumps(r.to_dict())


def test_nothing_to_match():
    for text in ("any suggestions?", "i need more songs with this vibe", "Looking for recommendations!"):
        assert parse(text).nothing_to_match, text
    assert not parse("sad piano").nothing_to_match


def test_unresolved_without_a_catalog():
    r = parse("something like M2U's Magnolia, without the dubstep")
    assert [u.span for u in r.unresolved] == ["M2U", "Magnolia"]
    assert r.references == ()
    assert r.negative == ("dubstep",)
    assert r.nothing_to_match is False or r.unresolved  # unresolved names are reported, not matched


@pytest.mark.parametrize(
    "text",
    ["No Quarter by Led Zeppelin", "Ain't No Sunshine by Bill Withers", "A Horse with No Name by America",
     'songs like "No Surprises"', "not sure if this is the right sub, chill lofi", "im not picky, anything upbeat",
     "something not unlike this one", "rap with traditional japanese instrumentals"],
)
def test_titles_and_everyday_phrases_are_not_exclusions(text, names):
    assert parse(text).negative == ()
    assert parse(text, names).negative == ()


@pytest.mark.parametrize(
    "text, negative",
    [("non creepy halloween music", ("creepy",)), ("non hip hop party songs", ("hip hop",)),
     ("chill songs that isn't sad", ("sad",)), ("tired of dubstep, something calm", ("dubstep",)),
     ("anything but country", ("country",)), ("rock other than metal", ("metal",)),
     ("No Quarter by Led Zeppelin but without the guitar solos", ("guitar solos",))],
)
def test_real_exclusions(text, negative, names):
    assert parse(text, names).negative == negative


def test_content_is_what_is_left(names):
    r = parse("Looking for chill lofi hip hop like Daft Punk, no vocals, 2015 2016 era", names)
    assert r.content == "chill lo-fi hip hop"
    assert [x.name for x in r.references] == ["Daft Punk"]
    assert r.decade_terms() == ("2010s",)


def test_negated_years_give_negated_decades():
    r = parse("synthwave but not from the 80s")
    assert r.content == "synthwave"
    assert r.decade_terms(negated=True) == ("80s",) and r.decade_terms() == ()


def test_non_ascii_survives():
    assert parse("café jazz, no drums").positive == "café jazz"
    assert "beyoncé" in parse("Beyoncé style R&B without autotune").positive.lower()


def test_length_cap():
    with pytest.raises(QueryError, match="too long"):
        parse("x" * (MAX_REQUEST_CHARS + 1))


def test_references_with_years_play_and_commas(more_names):
    r = parse("songs like Portishead from the 90s, no strings", more_names)
    assert [x.name for x in r.references] == ["Portishead"] and not r.unresolved
    assert r.negative == ("strings",) and [y.range.lo for y in r.years] == [1990]
    r = parse("play Paper Crowns", more_names)
    assert [x.name for x in r.references] == ["Paper Crowns"] and r.content == ""
    r = parse("put on No Woman, No Cry", more_names)  # a title, not two exclusions
    assert [x.name for x in r.references] == ["No Woman, No Cry"] and r.negative == ()
