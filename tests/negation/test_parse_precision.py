"""Negation precision on real-style text (issue 13) and the parser's robustness (issue 14)."""

from __future__ import annotations

import time

import pytest

from nlrec.errors import QueryError
from nlrec.negation.parse import MAX_REQUEST_CHARS, parse_request


@pytest.mark.parametrize(
    "text, positive",
    [
        ("café jazz, no drums", "café jazz"),
        ("Beyoncé style R&B without autotune", "beyoncé style r and b"),
        ("Sigur Rós style post rock, no vocals", "sigur rós style post rock"),
    ],
)
def test_non_ascii_letters_survive(text, positive):
    assert parse_request(text).positive == positive


@pytest.mark.parametrize(
    "text",
    [
        "not sure if this is the right sub but i want sad piano",
        "im not picky, anything upbeat",
        "something not unlike this one",
        "rap with traditional japanese instrumentals",
        'songs like "No Quarter" by Led Zeppelin',
        'i love "Ain\'t No Sunshine"',
        "no idea what genre this is",
    ],
)
def test_everyday_phrases_and_quoted_titles_are_not_exclusions(text):
    assert parse_request(text).negative == ()


@pytest.mark.parametrize(
    "text, negative",
    [
        ("non creepy halloween music", ["creepy"]),
        ("non satanic black metal", ["satanic"]),
        ("non hip hop party songs", ["hip hop"]),
        ("non-satanic metal", ["satanic"]),
        ("chill songs that isn't sad", ["sad"]),
        ("tired of dubstep, want something calm", ["dubstep"]),
        ("anything but country", ["country"]),
        ("rock other than metal", ["metal"]),
        ("non-stop dance", []),
    ],
)
def test_new_negation_cues(text, negative):
    assert list(parse_request(text).negative) == negative


def test_length_cap_is_a_clear_error():
    with pytest.raises(QueryError, match="too long"):
        parse_request("calm piano " * (MAX_REQUEST_CHARS // 5))


def test_time_is_linear_in_length():
    unit = "calm piano without vocals and no drums, "
    times = MAX_REQUEST_CHARS // len(unit)
    quarter, full = unit * (times // 4), unit * times
    t_quarter = min(_timed(quarter) for _ in range(5))
    t_full = min(_timed(full) for _ in range(3))
    assert t_full < 1.0
    assert t_full < 8 * t_quarter  # 4x the text: about 4x the time (quadratic would be 16x)


def _timed(text: str) -> float:
    t0 = time.process_time()
    parse_request(text)
    return time.process_time() - t0
