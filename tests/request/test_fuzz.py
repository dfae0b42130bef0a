"""Fuzz test of the request parser (issue 14): 10,000 seeded inputs, no crash, bounded time."""

from __future__ import annotations

import json
import random
import time

from nlrec.errors import QueryError
from nlrec.negation.parse import MAX_REQUEST_CHARS
from nlrec.request.parse import parse

WORDS = (
    "like similar to by vibes no not non without except anything but other than tired of instrumental "
    "instrumentals chill lofi lo-fi hip-hop r&b rnb 80s eighties 1999 2015 2016 era older than before after "
    "songs music any suggestions looking for please thanks the a of and or Portishead Daft Punk Cold Ghost "
    "Radiohead's AC/DC J. Cole Beyoncé Sigur Rós Motörhead café naïve jalapeño — – - ' \" “ ” ‘ ’ ( ) [ ] "
    "[/] [bold] [/bold] [link=x] <b> </b> ** __ ~~ ` ``` # @ ... ?! , ; : / \\ | \n \t"
).split(" ")
EXOTIC = [
    "日本の音楽", "한국", "موسيقى", "שיר", "музыка", "😀", "🎸🔥", "\u200b", "\u200f", "e\u0301", "\ufeff",
    "ﬁ", "Ⅻ", "𝔪𝔲𝔰𝔦𝔠", "\x00", "\x1b[31m", "\ud7ff", "ß", "İstanbul", "ǅ", "\u0130", "ΣΑΣ",
]
N_INPUTS = 10_000
MAX_SECONDS_PER_REQUEST = 2.0  # catches catastrophic backtracking (seconds to hours), not a speed target
"""CPU seconds (``time.process_time``: waiting for a busy machine does not count)."""


def _request(rng: random.Random) -> str:
    n = rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 40])
    parts = []
    for _ in range(n):
        r = rng.random()
        if r < 0.7:
            parts.append(rng.choice(WORDS))
        elif r < 0.85:
            parts.append(rng.choice(EXOTIC))
        else:
            parts.append("".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 6))))
    sep = rng.choice([" ", " ", "", ", ", "\n", "  "])
    text = sep.join(parts)
    if rng.random() < 0.1:
        text = text.upper()
    if rng.random() < 0.002:
        text = (text + " ") * (MAX_REQUEST_CHARS // max(len(text) + 1, 1) + 1)  # over the cap
    return text


def test_parser_never_crashes_and_stays_fast(names):
    rng = random.Random(14)
    worst, total, refused = 0.0, 0.0, 0
    for n in range(N_INPUTS):
        text = _request(rng)
        catalog = names if n % 2 else None
        t0 = time.process_time()
        try:
            r = parse(text, catalog)
        except QueryError:
            assert len(text) > MAX_REQUEST_CHARS
            refused += 1
            continue
        dt = time.process_time() - t0
        worst, total = max(worst, dt), total + dt
        json.dumps(r.to_dict(), ensure_ascii=False)
        for ref in (*r.references, *r.unresolved):
            assert r.text[ref.start : ref.end] == ref.span, (text, ref)
        for y in r.years:
            assert r.text[y.start : y.end] == y.span, (text, y)
            assert y.range.lo is None or y.range.hi is None or y.range.lo <= y.range.hi
    assert worst < MAX_SECONDS_PER_REQUEST, f"slowest request took {worst:.3f} s"
    assert total / N_INPUTS < 0.01


def test_time_grows_linearly_up_to_the_cap():
    unit = "chill lofi like Portishead, no vocals, 90s, any suggestions? "
    times = int(MAX_REQUEST_CHARS // len(unit))
    mid, long = unit * (times // 4), unit * times
    t_mid = min(_timed(mid) for _ in range(5))
    t_long = min(_timed(long) for _ in range(3))
    assert t_long < 1.0
    assert t_long < 8 * t_mid  # 4x the text: about 4x the time (quadratic would be 16x)


def _timed(text: str) -> float:
    t0 = time.process_time()
    parse(text)
    return time.process_time() - t0
