from __future__ import annotations

import pytest

from nlrec.request.years import YearRange, find_years


@pytest.mark.parametrize(
    "text, lo, hi, negated",
    [
        ("80s synth pop", 1980, 1989, False),
        ("songs from the 90s", 1990, 1999, False),
        ("eighties rock", 1980, 1989, False),
        ("late 90's emo", 1996, 1999, False),
        ("1980s", 1980, 1989, False),
        ("2015 2016 era rap", 2015, 2016, False),
        ("between 1990 and 1995", 1990, 1995, False),
        ("older than 2000", None, 1999, False),
        ("before 2000", None, 1999, False),
        ("after 2010", 2011, None, False),
        ("since 2015", 2015, None, False),
        ("not from the 80s", 1980, 1989, True),
        ("nothing older than 1995", None, 1994, True),
        ("mid-2000s", 2003, 2006, False),
    ],
)
def test_find_years(text, lo, hi, negated):
    (m,) = find_years(text)
    assert (m.range.lo, m.range.hi, m.range.negated) == (lo, hi, negated)
    assert text[m.start : m.end] == m.span


@pytest.mark.parametrize("text", ["blink-182 songs", "top 40 hits", "sum 41", "calm piano"])
def test_numbers_that_are_no_years(text):
    assert find_years(text) == []


def test_range_filter_and_decade_descriptors():
    r = YearRange(1980, 1989)
    assert r.accepts(1985) and not r.accepts(1995) and r.accepts(None)
    assert YearRange(1980, 1989, negated=True).accepts(1995)
    assert YearRange(None, 1999).descriptors == ("50s", "60s", "70s", "80s", "90s")
    assert YearRange(2011, None).descriptors == ("2010s", "2020s")
