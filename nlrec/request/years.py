"""Years in requests: decades and ranges ("80s", "from the 90s", "2015 2016 era", "before 2000").

:func:`find_years` returns :class:`YearMention` s, each with its span and a :class:`YearRange`
``(lo, hi, negated)`` (inclusive bounds; ``None`` for an open end). A searcher filters on it when
the catalog has a ``year``; otherwise :attr:`YearRange.descriptors` gives the decade descriptors
to match instead ("80s" for 1980-1989).

Recognised: decades ("80s", "80's", "'80s", "1980s", "eighties", "early/mid/late 90s"), single
years ("2015", "from 1999"), two years ("2015 2016 era", "2015-2016", "between 1990 and 1995",
"from 1990 to 1995"), open ranges ("older than 2000", "before 2000", "pre-2000", "after 2010",
"newer than 2010", "post 2010", "since 2015", "2010 onwards", "recent"), and negated ones
("not from the 80s", "nothing from the 90s", "no 80s").

Example:
    >>> [m.range.to_dict() for m in find_years("late 90s, nothing older than 1995")]
    [{'lo': 1996, 'hi': 1999, 'negated': False}, {'lo': None, 'hi': 1994, 'negated': True}]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from nlrec.request.language import fold_accents

_WORD_DECADES = {"fifties": 1950, "sixties": 1960, "seventies": 1970, "eighties": 1980,
                 "nineties": 1990, "noughties": 2000, "aughts": 2000}
MIN_YEAR, MAX_YEAR = 1900, 2039


@dataclass(frozen=True)
class YearRange:
    """Years wanted (or, when ``negated``, not wanted); bounds inclusive, ``None`` = open.

    Attributes:
        lo: first year, or ``None``.
        hi: last year, or ``None``.
        negated: the request rules these years out ("not from the 80s").
    """

    lo: int | None
    hi: int | None
    negated: bool = False

    def contains(self, year: int) -> bool:
        """Whether ``year`` lies in the range (ignoring ``negated``)."""
        return (self.lo is None or year >= self.lo) and (self.hi is None or year <= self.hi)

    def accepts(self, year: int | None) -> bool:
        """Whether a track of ``year`` passes the filter (unknown years always pass)."""
        if year is None:
            return True
        return self.contains(year) != self.negated

    @property
    def descriptors(self) -> tuple[str, ...]:
        """Decade descriptors covering the range ("80s", "2000s"), for catalogs without years.

        Open ranges cover at most the decades from 1950 to 2020.
        """
        lo = self.lo if self.lo is not None else 1950
        hi = self.hi if self.hi is not None else 2029
        out = []
        for d in range(lo - lo % 10, hi + 1, 10):
            out.append(f"{d % 100:02d}s" if d < 2000 else f"{d}s")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {"lo": self.lo, "hi": self.hi, "negated": self.negated}


@dataclass(frozen=True)
class YearMention:
    """A year expression found in a request: its text, offsets and range."""

    span: str
    start: int
    end: int
    range: YearRange

    def to_dict(self) -> dict[str, Any]:
        return {"span": self.span, "start": self.start, "end": self.end, **self.range.to_dict()}


_Y = r"(?:19|20)\d\d"
_DEC = r"(?:(?:19|20)?\d0|'\d0)\s?'?s"
_WDEC = "|".join(_WORD_DECADES)
_NEG = r"(?P<neg>\b(?:not|nothing|no|never|none|avoid|except|excluding|without|anything\s+but)\b(?:\s+(?:from|in|of|before|after))?(?:\s+the)?\s+)?"
_PART = r"(?P<part>early|mid|late)[\s-]*(?:the\s+)?"
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("between", rf"(?:between|from)\s+(?P<a>{_Y})\s+(?:and|to|till|until|-)\s+(?P<b>{_Y})"),
    ("pair", rf"(?P<a>{_Y})\s*(?:-|–|to|/|,|\s)\s*(?P<b>{_Y})(?:\s+era)?"),
    ("before", rf"(?:older\s+than|before|pre[\s-]?|earlier\s+than|prior\s+to|up\s+to|until)\s*(?:the\s+)?(?P<a>{_Y}|{_DEC})"),
    ("after", rf"(?:newer\s+than|after|post[\s-]?|later\s+than|since)\s*(?:the\s+)?(?P<a>{_Y}|{_DEC})"),
    ("onwards", rf"(?P<a>{_Y})\s*(?:onwards|onward|and\s+later|and\s+up|\+|or\s+later|and\s+newer)"),
    ("decade", rf"(?:{_PART})?(?P<a>{_DEC}|{_WDEC})"),
    ("year", rf"(?P<a>{_Y})(?!\d)"),
)
_RE = re.compile(
    _NEG + r"(?:" + "|".join(
        f"(?P<{name}>{pat.replace('(?P<a>', f'(?P<a_{name}>').replace('(?P<b>', f'(?P<b_{name}>')})"
        for name, pat in _PATTERNS
    ) + r")(?![\w])",
    re.IGNORECASE,
)


def _decade(token: str) -> int:
    t = token.lower().replace("'", "").replace(" ", "")
    if t in _WORD_DECADES:
        return _WORD_DECADES[t]
    digits = t.rstrip("s")
    if len(digits) == 4:
        return int(digits)
    d = int(digits)
    return 2000 + d if d <= 20 else 1900 + d


def _year_or_decade(token: str, end: bool) -> int:
    if re.fullmatch(_Y, token):
        return int(token)
    d = _decade(token)
    return d + 9 if end else d


def _range(m: re.Match[str]) -> YearRange | None:
    neg = bool(m.group("neg"))
    kind = next(name for name, _ in _PATTERNS if m.group(name))
    a = m.group(f"a_{kind}")
    b = m.groupdict().get(f"b_{kind}")
    if m.group("between") or m.group("pair"):
        lo, hi = sorted((int(a), int(b)))
        if m.group("pair") and hi - lo > 30:
            return None
        return YearRange(lo, hi, neg)
    if m.group("before"):
        return YearRange(None, _year_or_decade(a, end=False) - 1, neg)
    if m.group("after"):
        first = _year_or_decade(a, end=True) + 1
        if re.match(r"since", m.group("after"), re.I):
            first = _year_or_decade(a, end=False)
        return YearRange(first, None, neg)
    if m.group("onwards"):
        return YearRange(int(a), None, neg)
    if m.group("decade"):
        d = _decade(a)
        part = (m.group("part") or "").lower()
        lo, hi = {"early": (d, d + 3), "mid": (d + 3, d + 6), "late": (d + 6, d + 9)}.get(part, (d, d + 9))
        return YearRange(lo, hi, neg)
    return YearRange(int(a), int(a), neg)


def find_years(text: str) -> list[YearMention]:
    """Year expressions of ``text``, left to right (offsets into ``text``)."""
    t = fold_accents(str(text)).replace("\u2019", "'")
    if len(t) != len(text):
        t = str(text)
    out: list[YearMention] = []
    for m in _RE.finditer(t):
        r = _range(m)
        if r is None:
            continue
        if any(v is not None and not MIN_YEAR <= v <= MAX_YEAR for v in (r.lo, r.hi)):
            continue
        out.append(YearMention(text[m.start() : m.end()], m.start(), m.end(), r))
    return out


YearRole = Literal["release", "style"]
_RELEASE_BEFORE = re.compile(r"(?:\bfrom|\bin|\bof|\bduring|\bsince|\bbetween|\breleased|\bmade|\bout)\s+(?:the\s+)?$",
                             re.IGNORECASE)
_BARE_DECADE = re.compile(r"^\s*(?:early|mid|late)?[\s-]*(?:'?\d0'?s|(?:19|20)\d0'?s|[a-z]+ties)\s*$", re.IGNORECASE)
_RELEASE_AFTER = ("music", "songs", "song", "tracks", "stuff", "era", "and", "or", "please")


def year_role(text: str, mention: YearMention) -> YearRole:
    """``release`` when a year expression dates the music ("from the 80s", "before 2000", "2015
    era", "not from the 80s": a filter when the catalog has years), ``style`` when it names a
    sound ("80s synthwave", "90s hip hop": matched as decade descriptors).

    Example:
        >>> text = "80s synthwave, nothing from the 90s"
        >>> [(y.span, year_role(text, y)) for y in find_years(text)]
        [('80s', 'style'), ('nothing from the 90s', 'release')]
    """
    if mention.range.negated or not _BARE_DECADE.match(mention.span):
        return "release"  # ranges, single years, "not from the 80s"
    before = text[max(0, mention.start - 20) : mention.start]
    after = text[mention.end : mention.end + 30].strip().lower()
    released = bool(_RELEASE_BEFORE.search(before)) or not after or after[:1] in ",.;!?)" or \
        after.startswith(_RELEASE_AFTER)
    return "release" if released else "style"


__all__ = ["YearMention", "YearRange", "YearRole", "find_years", "year_role"]
