from __future__ import annotations

import pytest

from nlrec.request.references import find_references


def spans(text, names=None):
    return [(r.span, r.kind) for r in find_references(text, names)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Songs like Groove by Torn", [("Groove", "track"), ("Torn", "artist")]),
        ("bands like daft punk", [("daft punk", "artist")]),
        ("wayfaring strangers by johnny cash", [("wayfaring strangers", "track"), ("johnny cash", "artist")]),
        ("portishead vibes", [("portishead", "artist")]),
        ("Something like M2U's Magnolia, without the dubstep", [("M2U", "artist"), ("Magnolia", "track")]),
        ('Similar to "Zoosters Breakout" by Hans Zimmer', [("Zoosters Breakout", "track"), ("Hans Zimmer", "artist")]),
        ("The Doors: Universal Mind", [("The Doors", "artist"), ("Universal Mind", "track")]),
        ("Dré Anthony - Brand New", [("Dré Anthony", "artist"), ("Brand New", "track")]),
        ("looking for something like radiohead, muse and coldplay",
         [("radiohead", "artist"), ("muse", "artist"), ("coldplay", "artist")]),
        ("A Horse with No Name by America", [("A Horse with No Name", "track"), ("America", "artist")]),
        ("Rap artists like J. Cole", [("J. Cole", "artist")]),
        ("Looking for albums like Mezzanine", [("Mezzanine", "album")]),
    ],
)
def test_cued_references_without_a_catalog(text, expected):
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    ["songs like sad piano", "something like this", "i like chill music", "music that sounds like rain",
     "any suggestions?", "calm piano for studying"],
)
def test_descriptions_are_not_references(text):
    assert spans(text) == []


def test_kind_guess_from_the_head_noun_and_from_the_catalog(names):
    assert spans("songs like daft punk") == [("daft punk", "track")]  # a guess: "songs like" a song
    assert spans("songs like daft punk", names) == [("daft punk", "artist")]  # the catalog knows


def test_catalog_resolves_and_scores(names):
    (ref,) = find_references("songs like portisehad please", names)
    assert (ref.span, ref.name, ref.kind, ref.cued) == ("portisehad", "Portishead", "artist", True)
    assert ref.matches[0][0] == "a1" and 0.8 < ref.matches[0][1] < 1.0


def test_uncued_names_from_the_catalog(names):
    refs = find_references("i want that portishead feel but sadder", names)
    assert [(r.name, r.cued) for r in refs] == [("Portishead", False)]
    refs = find_references("Massive Attack and trip hop at night", names)
    assert [r.name for r in refs] == ["Massive Attack"]


def test_common_names_need_a_cue(names):
    assert find_references("chill music for a cold night", names) == []
    assert find_references("ghost stories and lush strings", names) == []
    assert [r.name for r in find_references("songs like Cold", names)] == ["Cold"]
    assert [r.name for r in find_references("something like ghost but heavier", names)] == ["Ghost"]


def test_titles_resolve_to_tracks(names):
    refs = find_references("similar to Into the Fire by Asking Alexandria", names)
    assert [(r.name, r.kind) for r in refs] == [("Into the Fire", "track"), ("Asking Alexandria", "artist")]
    assert refs[0].matches == (("a4", 1.0),)


def test_possessive_artist_and_title(names):
    refs = find_references("songs like Drake's Sneakin'", names)
    assert [(r.span, r.kind, r.name) for r in refs] == [("Drake", "artist", "Drake"), ("Sneakin", "track", "Sneakin'")]


def test_offsets_point_into_the_text(names):
    text = "Hey!! Looking for stuff like Beyoncé and AC/DC, no ballads"
    for r in find_references(text, names):
        assert text[r.start : r.end] == r.span
    assert {r.name for r in find_references(text, names)} == {"Beyoncé", "AC/DC"}


def test_a_span_stops_at_a_year(more_names):
    # "from the 90s" is a year, not the artist of a title "Portishead"
    refs = find_references("songs like Portishead from the 90s, no strings", more_names, skip=[(30, 34)])
    assert [(r.span, r.name, r.kind) for r in refs] == [("Portishead", "Portishead", "artist")]


@pytest.mark.parametrize("text, span", [
    ("play Paper Crowns", "Paper Crowns"),
    ("play paper crowns", "paper crowns"),
    ("put on No Woman, No Cry", "No Woman, No Cry"),
    ("play me Glory Box please", "Glory Box"),
])
def test_a_request_to_play_looks_the_name_up(more_names, text, span):
    (ref,) = find_references(text, more_names)
    assert ref.span == span and ref.resolved and ref.cued


def test_play_keeps_only_names_the_catalog_has(more_names):
    assert find_references("play road trip songs", more_names) == []
    assert find_references("play some sad piano", more_names) == []


def test_cue_words_inside_a_catalog_name(more_names):
    assert [r.name for r in find_references("songs like Boys Like Girls", more_names)] == ["Boys Like Girls"]
    assert [r.name for r in find_references("any songs by Boys Like Girls?", more_names)] == ["Boys Like Girls"]
    refs = find_references("something like No Woman, No Cry", more_names)
    assert [(r.name, r.kind) for r in refs] == [("No Woman, No Cry", "track")]
