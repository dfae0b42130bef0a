from __future__ import annotations

import pytest

from nlrec.request.language import fold_accents, normalize_phrases, normalize_terms, strip_filler


@pytest.mark.parametrize(
    "variants, token",
    [
        (["r&b", "R & B", "r and b", "rnb", "R'n'B", "rhythm and blues"], "rnb"),
        (["hip hop", "hiphop", "hip-hop", "Hip-Hop"], "hiphop"),
        (["lo-fi", "lofi", "lo fi", "Lo-Fi"], "lofi"),
        (["eighties", "80s", "80's", "1980s", "'80s"], "80s"),
        (["edm", "electronic dance music"], "edm"),
        (["drum and bass", "d&b", "dnb", "drum n bass"], "dnb"),
        (["2000s", "noughties"], "00s"),
    ],
)
def test_variants_meet_on_one_token(variants, token):
    assert {normalize_terms(v) for v in variants} == {token}


def test_normalize_terms_keeps_other_words_and_folds_accents():
    assert normalize_terms("Café Jazz and R&B from the Eighties") == "cafe jazz and rnb from the 80s"
    assert normalize_terms("rock") == "rock"
    assert normalize_terms("hip hopping") == "hip hopping"  # a word boundary, not a variant


def test_normalize_phrases_is_readable_for_dense_encoders():
    assert normalize_phrases("Beyoncé style rnb, hiphop and lofi") == "Beyoncé style r&b, hip hop and lo-fi"


def test_fold_accents():
    assert fold_accents("Sigur Rós, Beyoncé, Motörhead") == "Sigur Ros, Beyonce, Motorhead"


@pytest.mark.parametrize(
    "text, kept, dropped",
    [
        ("Looking for some chill lofi, any suggestions?", "chill lo-fi", ["looking for", "any suggestions"]),
        ("i need more songs with this vibe", "", ["i need more", "songs with this vibe"]),
        ("any suggestions?", "", ["any suggestions"]),
        ("not sure if this is the right sub, sad piano", "sad piano", ["not sure if this is the right sub"]),
        ("Can anyone recommend upbeat ska? thanks in advance", "upbeat ska", ["can anyone recommend"]),
    ],
)
def test_strip_filler(text, kept, dropped):
    r = strip_filler(text)
    assert r.text == kept
    assert all(d in r.dropped for d in dropped)
    assert r.empty == (not kept)
