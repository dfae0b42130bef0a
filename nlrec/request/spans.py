"""Spans of a request: tokens, the :class:`Reference` found in them and the span rules.

:class:`SpanReader` decides where a name starts and ends, whether a span can be a name at all,
and resolves it against a catalog's :class:`~nlrec.request.names.NameIndex`; the detectors in
:mod:`nlrec.request.detectors` build on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nlrec.request.cues import (
    BY,
    CONNECTORS,
    CUES_BY_FIRST,
    CUES_BY_LAST,
    DESCRIPTOR_WORDS,
    FEAT,
    MAX_MATCHES,
    MAX_SPAN_WORDS,
    RARE_ZIPF,
    REQUEST_WORDS,
    SENT_END,
    STOP_WORDS,
    WORD,
    RefKind,
)
from nlrec.request.language import fold_accents
from nlrec.request.names import NameIndex, NameMatch, name_key


@dataclass(frozen=True)
class Reference:
    """A named artist, track or album in a request.

    Attributes:
        span: the text as written.
        start: offset of the span in the request.
        end: end offset (exclusive).
        kind: ``"artist"``, ``"track"`` or ``"album"`` (a guess from the cue when unresolved).
        matches: ``(item id, score)`` of the catalog items it resolves to, best first (empty when
            it names nothing in the catalog, or no catalog was given).
        cued: whether a cue ("like", "by", quotes, ...) introduced it.
        name: the catalog name it resolved to, if any.
    """

    span: str
    start: int
    end: int
    kind: RefKind
    matches: tuple[tuple[str, float], ...] = ()
    cued: bool = False
    name: str | None = field(default=None, compare=False)

    @property
    def resolved(self) -> bool:
        return bool(self.matches)

    def to_dict(self) -> dict[str, Any]:
        return {"span": self.span, "start": self.start, "end": self.end, "kind": self.kind,
                "name": self.name, "cued": self.cued,
                "matches": [{"id": i, "score": round(s, 4)} for i, s in self.matches]}


@dataclass
class Tok:
    """A word of a request: as written, folded to lower case without accents or apostrophes."""

    text: str
    low: str
    start: int
    end: int
    cap: bool


def tokens(text: str) -> list[Tok]:
    """The words of ``text`` with their offsets."""
    out = []
    for m in WORD.finditer(text):
        w = m.group(0)
        low = fold_accents(w.lower()).replace("\u2019", "'").replace("'", "")
        out.append(Tok(w, low, m.start(), m.end(), w[:1].isupper() or w[:1].isdigit()))
    return out


def is_title_case(text: str) -> bool:
    """Whether ``text`` capitalises most of its words (then capitals say nothing about names)."""
    ws = [w for w in re.findall(r"[^\W\d_]{4,}", text)]
    if len(ws) < 3:
        return bool(ws) and all(w[0].isupper() for w in ws) and len(ws) > 1
    return sum(w[0].isupper() for w in ws) / len(ws) >= 0.6


class SpanReader:
    """A request as tokens, with the span rules shared by every detector.

    Holds what has been found so far (``found``, ``taken`` token positions, and the ``region``
    of tokens inside a cued clause) and the helpers that read a span's extent, judge whether it
    can be a name (:meth:`plausible`) and resolve it against the catalog (:meth:`resolve`).
    """

    def __init__(self, text: str, names: NameIndex | None) -> None:
        self.text = text
        self.names = names
        self.toks = tokens(text)
        self.title_case = is_title_case(text) or text.isupper() or text.islower()
        self.found: list[Reference] = []
        self.taken: set[int] = set()
        self.region: set[int] = set()  # tokens in a cued clause ("like pretty vicious or gorillaz")

    # -- helpers ----------------------------------------------------------------------------
    def gap(self, i: int) -> str:
        """Text between token ``i - 1`` and token ``i``."""
        prev = self.toks[i - 1].end if i > 0 else 0
        return self.text[prev : self.toks[i].start] if i < len(self.toks) else self.text[prev:]

    def breaks_before(self, i: int) -> bool:
        if i <= 0:
            return True
        g = self.gap(i)
        if g.strip() == "." and len(self.toks[i - 1].text) == 1 and self.toks[i - 1].cap:
            return False  # "J. Cole", "Jackson C. Frank"
        a, b = self.toks[i - 1].text, self.toks[i].text
        if g == "/" and len(a) <= 3 and len(b) <= 3 and a.isupper() and b.isupper():
            return False  # "AC/DC"
        return bool(re.search(r"[,;:!?()\[\]\"|/\n\u201c\u201d]|\.\s|\s-+\s|\s\u2013\s", g))

    def sentence_start(self, i: int) -> bool:
        if i == 0:
            return True
        return bool(SENT_END.search(self.text[: self.toks[i].start]))

    def key(self, i: int, j: int) -> str:
        """Name key of tokens ``[i, j)`` read from the text ("Iron & Wine", "AC/DC", "J. Cole")."""
        return name_key(self.text[self.toks[i].start : self.toks[j - 1].end])

    def marked(self, i: int, j: int) -> bool:
        """A word written as a name: "The Who", "HIM" (capitals in a request not in capitals)."""
        if self.text.isupper():
            return False
        if j - i == 2 and self.toks[i].text == "The":
            return True
        return all(t.text.isupper() and len(t.text) > 1 for t in self.toks[i:j])

    def short_ok(self, i: int, j: int) -> bool:
        """Keys under 3 characters only as written in capitals or with digits ("U2", "The XX")."""
        if len(self.key(i, j)) >= 3:
            return True
        w = self.toks[j - 1].text
        return (w.isupper() or any(c.isdigit() for c in w)) and not self.text.isupper() and len(w) >= 2

    def cue_at(self, i: int) -> tuple[str, ...] | None:
        if i >= len(self.toks):
            return None
        for c in CUES_BY_FIRST.get(self.toks[i].low, ()):
            n = len(c)
            if tuple(t.low for t in self.toks[i : i + n]) == c and not any(
                self.breaks_before(j) for j in range(i + 1, i + n)
            ):
                return c
        return None

    def cue_ends_at(self, p: int) -> bool:
        """Whether a cue ("similar to") ends with token ``p``."""
        if p < 0 or p >= len(self.toks):
            return False
        return any(
            p - len(c) + 1 >= 0 and tuple(t.low for t in self.toks[p - len(c) + 1 : p + 1]) == c
            for c in CUES_BY_LAST.get(self.toks[p].low, ()) if c != ("x",)
        )

    def add(self, i: int, j: int, kind: RefKind, cued: bool, match: list[NameMatch] | None = None,
            strict: bool = False) -> None:
        if j <= i or any(k in self.taken for k in range(i, j)):
            return
        if not match and cued and kind != "track" and self.names is not None and self.inner(i, j):
            self.taken.update(range(i, j))
            return
        a, b = self.toks[i].start, self.toks[j - 1].end
        span = self.text[a:b]
        if span.endswith(("'s", "\u2019s")):
            span, b = span[:-2], b - 2
        matches: tuple[tuple[str, float], ...] = ()
        name = None
        if match:
            best = match[0]
            kinds = {m.kind for m in match}
            pick = [m for m in match if m.kind == kind] if kind in kinds else ([] if strict else match)
            match = pick
        if match:
            best = match[0]
            kind = best.kind
            name = best.name
            ids: dict[str, float] = {}
            for m in match:
                for it in m.items:
                    ids.setdefault(it, m.score)
            matches = tuple(sorted(ids.items(), key=lambda x: -x[1])[:MAX_MATCHES])
        self.found.append(Reference(span, a, b, kind, matches, cued, name))
        self.taken.update(range(i, j))

    def resolve(self, i: int, j: int, kind: RefKind | None, fuzzy: bool) -> tuple[int, list[NameMatch]]:
        """The longest prefix ``[i, end)`` of ``[i, j)`` naming something; ``(i, [])`` if none."""
        if self.names is None:
            return i, []
        kinds = None
        for end in range(j, i, -1):
            key = self.key(i, end)
            if len(key) < 2 or not self.short_ok(i, end) or (
                (key in STOP_WORDS or key in DESCRIPTOR_WORDS) and not self.marked(i, end)
            ):
                continue
            m = self.names.exact(key, kinds)
            if m and end < j and not self.droppable(end, j) and not self.strong_prefix(m, end - i):
                continue
            if m:
                return end, m
        if fuzzy:
            m = self.names.lookup(self.key(i, j), kinds=kinds, fuzzy=True)
            if m:
                return j, m
        return i, []

    @staticmethod
    def strong_prefix(matches: list[NameMatch], words: int) -> bool:
        """A name that may stand before other capitalised words ("Taylor Swift Reputation")."""
        return not all(m.common for m in matches) and (words > 1 or min(m.zipf for m in matches) < RARE_ZIPF)

    def inner(self, i: int, j: int) -> bool:
        """Catalog names inside an unresolved cued span ("ELO and The Hoosiers"); found any?"""
        if self.names is None:
            return False
        found = False
        k = i
        while k < j:
            hit = 0
            for e in range(j, k, -1):
                key = self.key(k, e)
                if len(key) < 2 or key in STOP_WORDS or key in DESCRIPTOR_WORDS or not self.short_ok(k, e):
                    continue
                if any(self.breaks_before(x) for x in range(k + 1, e)):
                    continue
                m = self.names.exact(key)
                if m and len(key.split()) == 1 and not self.bounded(k, e, i, j):
                    continue  # "Yuki" in "Yuki Kajiura", "Matchbox" in "Matchbox 20"
                if m and (len(key.split()) > 1 or not all(x.common for x in m)):
                    self.add(k, e, "artist" if any(x.kind == "artist" for x in m) else m[0].kind, True, m)
                    hit = e
                    break
            if hit:
                found = True
                k = hit
            else:
                k += 1
        return found

    def bounded(self, k: int, e: int, i: int, j: int) -> bool:
        """Whether ``[k, e)`` stands alone in ``[i, j)``: its neighbours are edges or "and"/"or"."""
        sep = {"and", "or", "nor", "&", "vs"}
        left = k == i or self.toks[k - 1].low in sep or self.breaks_before(k)
        right = e == j or self.toks[e].low in sep or self.breaks_before(e)
        return left and right

    def droppable(self, i: int, j: int) -> bool:
        """Whether tokens ``[i, j)`` may be cut from a span to leave a catalog name before them.

        "Spider Bags" must not resolve as "Spider", nor "rise against" as "Rise": leftovers must be
        request or descriptor words ("daft punk songs"), or lower-case words after a capitalised
        name in a request that is not in Title Case ("Portishead stuff from their first album").
        """
        if all(t.low in STOP_WORDS or t.low in DESCRIPTOR_WORDS for t in self.toks[i:j]):
            return True
        return not self.title_case and i > 0 and self.toks[i - 1].cap and not any(t.cap for t in self.toks[i:j])

    def catalog_run(self, i: int) -> int:
        """End of the longest catalog name of two words or more that starts at token ``i``, read
        across cue words and commas ("Boys Like Girls", "No Woman, No Cry"); ``i`` if none."""
        if self.names is None or i >= len(self.toks):
            return i
        n = len(self.toks)
        for e in range(min(n, i + max(1, min(self.names.max_words, 8))), i + 1, -1):
            if any(x in self.taken for x in range(i, e)):
                continue
            if any(self.breaks_before(x) and not re.fullmatch(r",\s*", self.gap(x)) for x in range(i + 1, e)):
                continue
            if self.short_ok(i, e) and self.names.has_key(self.key(i, e)):
                return e
        return i

    def extent(self, i: int, limit: int = MAX_SPAN_WORDS) -> int:
        """End of the span that starts at token ``i`` (see the module docstring).

        A span never runs into tokens already understood (a year: "Portishead from the 90s"),
        and always covers a longer catalog name starting at ``i`` (:meth:`catalog_run`).
        """
        return max(self._extent(i, limit), self.catalog_run(i))

    def _extent(self, i: int, limit: int) -> int:
        n = len(self.toks)
        if i >= n:
            return i
        cased = not self.text.isupper() and not self.text.islower()
        if self.toks[i].cap and (not self.title_case or cased):
            j = i + 1
            while j < n and not self.breaks_before(j) and j - i < 8 and j not in self.taken:
                t = self.toks[j]
                if self.title_case and (t.low in BY or t.low in REQUEST_WORDS or t.low in FEAT
                                        or self.cue_at(j)):
                    break  # Title Case: capitals run on, request words end the name
                if t.cap:
                    j += 1
                else:
                    k = j
                    while k < n and k - j < 3 and self.toks[k].low in CONNECTORS and not self.toks[k].cap:
                        k += 1
                    if k > j and k < n and self.toks[k].cap and k not in self.taken and not any(
                        self.breaks_before(x) for x in range(j, k + 1)
                    ):
                        j = k + 1
                    else:
                        break
            return j
        j = i
        while j < n and j - i < limit:
            if j > i and (self.breaks_before(j) or j in self.taken):
                break
            if self.toks[j].low in STOP_WORDS and not (j == i and self.toks[j].low == "the"):
                if not (self.toks[j].low in CONNECTORS and j > i):
                    break
                if self.names is None or not any(
                    self.names.has_key(name_key(" ".join(t.low for t in self.toks[i:e])))
                    for e in range(j + 1, min(n, i + limit) + 1)
                ):
                    break
            j += 1
        return j

    def plausible(self, i: int, j: int, title: bool = False) -> bool:
        """Whether ``[i, j)`` can be a name (not "like sad piano", not "like this").

        With ``title`` (a span a strong cue marks as a title: "X by Y"), any words but
        pronouns and descriptors alone will do ("No Quarter", "Ain't No Sunshine").
        """
        if j <= i:
            return False
        if title:
            if not self.title_case and all(t.cap for t in self.toks[i:j]):
                return True  # "Eminem - Without Me"
            if self.toks[i].low in {"this", "that", "it", "these", "those", "some", "any"}:
                return False
            toks = self.toks[i:j]
            if all(t.low in STOP_WORDS for t in toks):
                return False
            generic = {"songs", "song", "music", "tracks", "track", "stuff", "tunes", "ones", "beats"}
            return not (all(t.low in DESCRIPTOR_WORDS or t.low in STOP_WORDS for t in toks)
                        and toks[-1].low in generic)
        first = self.toks[i]
        if first.low == "the" and j - i > 1:
            first = self.toks[i + 1]
        if all(t.text.isdigit() for t in self.toks[i:j]) and not title:
            return False  # "2015 2016": a year, not a name
        if self.marked(i, j):
            return True
        if not self.title_case and first.cap:
            return first.low not in {"i", "this", "that", "it", "a", "an"} or (j - i > 1 and first.low == "i")
        if first.low in DESCRIPTOR_WORDS or first.low in STOP_WORDS:
            return False
        return not all(t.low in DESCRIPTOR_WORDS or t.low in STOP_WORDS for t in self.toks[i:j])


__all__ = ["Reference", "SpanReader", "Tok", "is_title_case", "tokens"]
