from __future__ import annotations

import pytest

from nlrec.negation.parse import ParsedRequest, parse_request, tokenize


@pytest.mark.parametrize(
    "text, positive, negative",
    [
        # the acceptance requests
        ("relaxing piano without vocals", "relaxing piano", ["vocals"]),
        ("meditation music with no drums", "meditation music", ["drums"]),
        ("rock song without electric guitar", "rock song", ["electric guitar"]),
        # tricky phrasings from the issue
        ("no-nonsense rock", "no-nonsense rock", []),
        ("not too fast", "", ["fast"]),
        ("nothing but drums", "drums", []),
        ("isnt too loud", "", ["loud"]),
        ("something chill that isn't too loud", "something chill", ["loud"]),
        ("dont want vocals", "", ["vocals"]),
        ("I don't want any vocals", "", ["vocals"]),
        ("no vocals please", "", ["vocals"]),
        ("instrumental hip hop", "instrumental hip hop", ["vocals"]),
        ("jazz except saxophone", "jazz", ["saxophone"]),
        ("rock minus the screaming", "rock", ["screaming"]),
        ("chill beats but no drums", "chill beats", ["drums"]),
        ("without electric guitar", "", ["electric guitar"]),
        ("no drums or bass", "", ["drums", "bass"]),
        ("without vocals and with piano", "piano", ["vocals"]),
        ("nothing too fast", "", ["fast"]),
        ("not too loud", "", ["loud"]),
        ("vocal-free ambient", "ambient", ["vocals"]),
        ("drum-free", "", ["drums"]),
        # messy requests: no punctuation, lower case, typos without apostrophes
        ("no vocals relaxing piano", "relaxing piano", ["vocals"]),
        ("no vocals and relaxing piano", "relaxing piano", ["vocals"]),
        ("piano, no vocals at all, calm", "piano, calm", ["vocals"]),
        ("w/o vocals", "", ["vocals"]),
        ("drumless techno", "techno", ["drums"]),
        ("synthwave but nothing from the 80s", "synthwave", ["80s"]),
        ("no male vocals", "", ["male vocals"]),
        ("RELAXING PIANO WITHOUT VOICE", "relaxing piano", ["vocals"]),
        ("calm piano for studying", "calm piano for studying", []),
    ],
)
def test_phrasings(text, positive, negative):
    p = parse_request(text)
    assert (p.positive, list(p.negative)) == (positive, negative)


def test_compound_facets_stay_whole():
    assert parse_request("without heavy distorted electric guitar").negative == (
        "heavy distorted electric guitar",
    )
    assert parse_request("no 80s synths").negative == ("80s synths",)


def test_no_negation_keeps_the_text_verbatim():
    p = parse_request("  Calm   Piano, for studying ")
    assert p.positive == "Calm Piano, for studying" and not p.has_negation and p.cues == ()


def test_bare_negation_words_are_kept():
    assert parse_request("no").positive == "no"
    assert parse_request("not").negative == ()


def test_exclude_adds_canonical_facets():
    p = parse_request("calm piano", exclude=["Vocal", "drum", "vocals", "80s"])
    assert p.positive == "calm piano"
    assert p.negative == ("vocals", "drums", "80s")


def test_cues_and_dict():
    p = parse_request("chill beats but no drums")
    assert p.cues == ("but no drums",)
    assert p.to_dict() == {"text": "chill beats but no drums", "positive": "chill beats",
                           "negative": ["drums"], "cues": ["but no drums"]}
    assert isinstance(p, ParsedRequest)


def test_tokenize_keeps_negation_bearing_hyphens():
    assert tokenize("no-nonsense lo-fi, vocal-free w/o drums") == [
        "no-nonsense", "lo", "fi", ",", "vocal-free", "without", "drums",
    ]
