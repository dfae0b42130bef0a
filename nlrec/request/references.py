"""References in requests: the artists, songs and albums a request names ("like Portishead").

Two detectors, combined by :func:`find_references`:

* **cues** (no catalog needed): a span after "like", "similar to", "sounds like", "in the style
  of", "fans of", "such as", "inspired by", ...; "by Y" (Y an artist, and the span before it a
  song); "X's Y" (X an artist, Y a song); "Artist - Title"; quoted titles; "X vibes", "X type
  beat", "X-esque". A span is read as a run of capitalised words when the request is not written
  in Title Case throughout, else as up to :data:`MAX_SPAN_WORDS` words up to a stop word or
  punctuation; a span opening on a descriptor word ("like sad piano") or a pronoun ("like this")
  is not a reference.
* **names** (with a :class:`~nlrec.request.names.NameIndex`): every run of up to
  ``names.max_words`` words whose key is a catalog name, longest first. A *common* name (see
  :mod:`nlrec.request.names`) is accepted only when the span is cued or capitalised (not at the
  start of a sentence, in a request not written in Title Case); a cued span that matches no
  exact name is looked up fuzzily (typos).

Each :class:`Reference` carries its offsets into the request, its kind (``artist``, ``track``,
``album``), whether it was cued, and the catalog items it resolves to with a score.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from nlrec.request.language import fold_accents
from nlrec.request.names import NameIndex, NameMatch, name_key

RefKind = Literal["artist", "track", "album"]
MAX_SPAN_WORDS = 5
MAX_MATCHES = 50
RARE_ZIPF = 2.5
"""A one-word name found without a cue is taken when its Zipf frequency is below this
("portishead"), or when it is capitalised in a request not in Title Case ("Mixtape" is not,
in "Looking for an Indie Mixtape"); a common one-word name ("Cold", "Ghost") needs a cue."""
CAPITAL_ZIPF = 3.3
"""A capitalised one-word name found without a cue is taken below this Zipf frequency
("Metallica" 3.2 is; "Mixtape" 3.3 is not)."""
_REQUEST_WORDS = frozenset(
    "need recommendation recommendations suggestion suggestions request looking recommend suggest help "
    "listened listening warning songs music".split()
)
_COLON_LEFT = frozenset(
    "ex eg edit update request note ps example examples genre genres artists songs bands looking title "
    "question help tldr mood vibe context background info".split()
)

_WORD = re.compile(r"[^\W_]+(?:['\u2019.&+][^\W_]+)*\$?", re.UNICODE)
#: Cues after which a reference starts (lower-cased word sequences), longest first.
CUES_BEFORE: tuple[tuple[str, ...], ...] = tuple(sorted((tuple(c.split()) for c in (
    "like", "similar to", "similar with", "simular to", "similiar to", "sounds like", "sound like",
    "in the style of", "style of", "in the vein of", "vein of", "along the lines of", "reminiscent of",
    "reminds me of", "remind me of", "fans of", "fan of", "such as", "inspired by", "influenced by",
    "akin to", "comparable to", "close to", "similar in style to", "similar in sound to", "similar bands to", "similar artists to",
    "similar songs to", "similar music to", "similar stuff to", "similar tunes to", "similar tracks to",
    "i love", "i really love", "im into", "really into", "got into", "addicted to", "obsessed with",
    "listening to", "a fan of", "huge fan of", "big fan of", "ft", "feat", "featuring", "prod by", "e g", "eg", "ala", "a la", "think", "same vibe as",
    "the likes of", "vibe of", "feel of", "sound of", "sounds of", "mixed with", "meets", "x",
)), key=len, reverse=True))
_CUES_BY_FIRST: dict[str, tuple[tuple[str, ...], ...]] = {}
_CUES_BY_LAST: dict[str, tuple[tuple[str, ...], ...]] = {}
for _c in CUES_BEFORE:
    _CUES_BY_FIRST[_c[0]] = (*_CUES_BY_FIRST.get(_c[0], ()), _c)
    _CUES_BY_LAST[_c[-1]] = (*_CUES_BY_LAST.get(_c[-1], ()), _c)
#: Cues after a reference: "Portishead vibes", "Drake type beat".
CUES_AFTER: tuple[str, ...] = ("vibes", "vibe", "type beat", "type beats", "esque", "ish", "inspired", "style",
                               "fan", "fans", "album", "albums", "song", "songs", "discography", "ep",
                               "music", "stuff", "tracks", "cover", "covers", "remix", "sound")
_BY = frozenset({"by", "from"})
_FEAT = frozenset({"ft", "feat", "featuring"})
#: The noun before a cue says what the reference is: "songs like X" (a track), "bands like X".
_HEAD_KINDS: dict[str, RefKind] = {
    **dict.fromkeys("song songs track tracks tune tunes single singles".split(), "track"),
    **dict.fromkeys("album albums record records ep eps lp".split(), "album"),
    **dict.fromkeys("band bands artist artists singer singers rapper rappers group groups musicians "
                    "producers djs".split(), "artist"),
}
#: After-cues that also follow plain words ("sad songs"): they cue only names that are no word.
_WEAK_AFTER = frozenset("album albums song songs ep music stuff tracks cover covers remix sound style".split())
#: Words that end a lower-case span.
STOP_WORDS = frozenset(
    """but and or with that which who whom for to in on at is are was were be been it its this
    these those because since though although while when where if so as than then please pls
    thanks thank any anything something some songs song music tracks track stuff tunes artists
    artist bands band albums album vibes vibe type esque ish more less very really just also
    kind sort not no without except i im me my we you your they them he she his her their him us am
    like similar from by style sound sounds feel genre ones one etc soundtrack ost remix remixes
    cover covers version versions playlist playlists""".split()
)
#: A span that opens on one of these describes music rather than naming it ("like sad piano").
DESCRIPTOR_WORDS = frozenset(
    """a an the this that these those it its them something anything what how sad happy chill calm
    upbeat slow fast heavy soft loud dark angry mellow melancholic epic dreamy catchy energetic
    relaxing relaxed aggressive romantic acoustic electric electronic instrumental vocal vocals
    piano guitar guitars drums bass synth synths strings violin orchestral classical jazz jazzy
    rock pop punk metal rap hip hop hiphop rnb soul funk funky folk country indie alternative ambient
    techno house trance dubstep edm dance disco blues reggae gospel lofi emo grunge psychedelic
    experimental atmospheric cinematic female male old new older newer modern classic good great
    best real nice cool weird creepy spooky happy uplifting motivational background study
    studying workout running driving sleep sleeping party summer winter night morning rain
    nostalgic retro 80s 90s 70s 60s 00s eighties nineties seventies sixties japanese korean french
    spanish latin african russian german italian christian video game games movie film soundtrack
    soundtracks anime slowed sped mashup remix remixes cover covers live beats beat lyrics lyrical
    melody melodies melodic rhythm tempo voice singer singers rapper rappers producer someone
    somebody anyone whatever stuff everything nothing each every other others another same different
    string quartet orchestra choir chill chilled dreamy sweet bittersweet first second third last
    intro outro opening ending beginning middle part theme following production blend mood moods
    more most bit little lot lots kinda sorta pretty super quite very really too much many""".split()
)
#: Request words that end a title read backwards from "by" ("songs like *Into the Fire* by X").
_BACK_STOP = frozenset(
    """like similar songs song music tracks track something anything stuff looking want need
    recommend suggest suggestions sounds sound vibes more some any listen listening love
    hear heard enjoy enjoyed found""".split()
)
_CONNECTORS = frozenset(
    "of the and & a an in on to de la le el los les du da di der von y for from with my me you no is out at up".split()
)
_SENT_END = re.compile(r"[.!?|\n]\s*$")
_QUOTES = re.compile(r"\"([^\"\n]{1,80})\"|\u201c([^\u201d\n]{1,80})\u201d|(?:(?<=\s)|^)'([^'\n]{2,60})'(?=[\s,.!?;:)]|$)")
_DASH = re.compile(r"\s[-\u2013\u2014]+\s?|(?<=\w)[-\u2013\u2014]+\s|(?<=\w):\s")


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
class _Tok:
    text: str
    low: str
    start: int
    end: int
    cap: bool


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _WORD.finditer(text):
        w = m.group(0)
        low = fold_accents(w.lower()).replace("\u2019", "'").replace("'", "")
        out.append(_Tok(w, low, m.start(), m.end(), w[:1].isupper() or w[:1].isdigit()))
    return out


def is_title_case(text: str) -> bool:
    """Whether ``text`` capitalises most of its words (then capitals say nothing about names)."""
    ws = [w for w in re.findall(r"[^\W\d_]{4,}", text)]
    if len(ws) < 3:
        return bool(ws) and all(w[0].isupper() for w in ws) and len(ws) > 1
    return sum(w[0].isupper() for w in ws) / len(ws) >= 0.6


class _Detector:
    def __init__(self, text: str, names: NameIndex | None) -> None:
        self.text = text
        self.names = names
        self.toks = _tokens(text)
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
        return bool(_SENT_END.search(self.text[: self.toks[i].start]))

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
        for c in _CUES_BY_FIRST.get(self.toks[i].low, ()):
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
            for c in _CUES_BY_LAST.get(self.toks[p].low, ()) if c != ("x",)
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

    def extent(self, i: int, limit: int = MAX_SPAN_WORDS) -> int:
        """End of the span that starts at token ``i`` (see the module docstring)."""
        n = len(self.toks)
        if i >= n:
            return i
        cased = not self.text.isupper() and not self.text.islower()
        if self.toks[i].cap and (not self.title_case or cased):
            j = i + 1
            while j < n and not self.breaks_before(j) and j - i < 8:
                t = self.toks[j]
                if self.title_case and (t.low in _BY or t.low in _REQUEST_WORDS or t.low in _FEAT
                                        or self.cue_at(j)):
                    break  # Title Case: capitals run on, request words end the name
                if t.cap:
                    j += 1
                else:
                    k = j
                    while k < n and k - j < 3 and self.toks[k].low in _CONNECTORS and not self.toks[k].cap:
                        k += 1
                    if k > j and k < n and self.toks[k].cap and not any(
                        self.breaks_before(x) for x in range(j, k + 1)
                    ):
                        j = k + 1
                    else:
                        break
            return j
        j = i
        while j < n and j - i < limit:
            if j > i and self.breaks_before(j):
                break
            if self.toks[j].low in STOP_WORDS and not (j == i and self.toks[j].low == "the"):
                if not (self.toks[j].low in _CONNECTORS and j > i):
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

    # -- detectors --------------------------------------------------------------------------
    def quoted(self) -> None:
        for m in _QUOTES.finditer(self.text):
            a = m.start() + 1
            b = m.end() - 1
            idx = [k for k, t in enumerate(self.toks) if a <= t.start and t.end <= b]
            if not idx or len(idx) > 10:
                continue
            if _DASH.search(self.text[a:b]):
                continue  # "Labi Siffre - Remember My Song": artist and title, read by dashed()
            i, j = idx[0], idx[-1] + 1
            end, match = self.resolve(i, j, "track", fuzzy=True)
            match = [m for m in match if m.kind != "artist" or not m.common and m.score == 1.0]
            self.add(i, j, "track", True, match if end == j else None)

    def dashed(self) -> None:
        """"Artist - Title" at the start of a request or sentence."""
        for m in _DASH.finditer(self.text):
            left = [k for k, t in enumerate(self.toks) if t.end <= m.start()]
            right = [k for k, t in enumerate(self.toks) if t.start >= m.end()]
            if not left or not right:
                continue
            li = left[-1]
            ls = li
            while ls > 0 and not self.breaks_before(ls):
                ls -= 1
            re_ = right[0]
            rj = re_ + 1
            while rj < len(self.toks) and not self.breaks_before(rj):
                rj += 1
            for c in range(li, ls - 1, -1):  # "Songs like The Black Keys - I Got Mine"
                cue = self.cue_at(c)
                if cue and c + len(cue) <= li:
                    ls = c + len(cue)
                    break
            if li == ls and self.toks[ls].low in _COLON_LEFT:
                continue
            if any(t.low in _REQUEST_WORDS for t in self.toks[ls : li + 1]):
                continue  # "Need a recommendation - Dance/Electronica"
            if li - ls + 1 > 6 or rj - re_ > 8:
                continue
            if not (self.plausible(ls, li + 1) and self.plausible(re_, rj, title=True)):
                continue
            a_end, a_match = self.resolve(ls, li + 1, "artist", fuzzy=True)
            t_end, t_match = self.resolve(re_, rj, "track", fuzzy=True)
            if not a_match and t_match and any(x.kind == "artist" and not x.common for x in t_match):
                self.add(re_, rj, "artist", True, t_match)  # "Title - Artist"
                self.add(ls, li + 1, "track", True, None)
                continue
            self.add(ls, li + 1, "artist", True, a_match if a_end == li + 1 else None)
            self.add(re_, rj, "track", True, t_match if t_end == rj else None, strict=True)

    def cued(self) -> None:
        n = len(self.toks)
        i = 0
        while i < n:
            cue = self.cue_at(i)
            if cue is None:
                i += 1
                continue
            if cue == ("x",) and not (i > 0 and self.toks[i - 1].cap and i + 1 < n and self.toks[i + 1].cap):
                i += 1
                continue
            if cue == ("like",) and i > 0 and self.toks[i - 1].low in {"i", "id", "would", "you", "we", "dont", "really", "also", "they", "feel", "looks", "look", "seems", "just"}:
                if self.title_case or not (i + 1 < n and self.toks[i + 1].cap):
                    i += 1
                    continue
            k = i + len(cue)
            e = k
            while e < n and e - k < 12 and (e == k or not self.breaks_before(e) or re.fullmatch(r"\s*,\s*", self.gap(e))):
                if e > k and self.toks[e].low in {"but", "with", "without", "because", "for", "that", "which"}:
                    break
                e += 1
            self.region.update(range(k, e))
            head = self.toks[i - 1].low if i > 0 else ""
            kind: RefKind | None = _HEAD_KINDS.get(head)
            if cue in (("ft",), ("feat",), ("featuring",), ("prod", "by")):
                kind = "artist"
            self.list_after(k, kind)
            i = k

    def list_after(self, k: int, kind: RefKind | None) -> None:
        """Read ``X``, ``X by Y``, ``X's Y`` and lists ``X, Y and Z`` from token ``k``."""
        n = len(self.toks)
        for _ in range(6):
            if k >= n or k in self.taken:
                return
            if self.toks[k].low in {"the"} and k + 1 < n and self.toks[k + 1].low in STOP_WORDS | DESCRIPTOR_WORDS - {"the"} \
                    and not self.marked(k, k + 2):
                return
            j = self.extent(k)
            if not self.plausible(k, j) or (j - k == 1 and self.toks[k].low in STOP_WORDS and not self.marked(k, j)):
                # "like a-ha, Led Zepplin or The Eagles": skip an item that is no name
                nxt = next((x for x in range(k + 1, min(n, k + 4)) if self.toks[x].low in {"or", "and"}
                            or re.fullmatch(r"\s*,\s*", self.gap(x))), None)
                if nxt is None or self.breaks_before(nxt) and not re.fullmatch(r"\s*,\s*", self.gap(nxt)):
                    return
                k = nxt + 1 if self.toks[nxt].low in {"or", "and"} else nxt
                continue
            # X's Y: artist then title
            poss = next((p for p in range(k, j) if self.toks[p].text.lower().endswith(("'s", "\u2019s"))), None)
            if poss is not None and poss + 1 < j:
                a_end, a_match = self.resolve(k, poss + 1, "artist", fuzzy=True)
                self.add(k, poss + 1, "artist", True, a_match or None, strict=True)
                t_end, t_match = self.resolve(poss + 1, j, "track", fuzzy=True)
                self.add(poss + 1, j, "track", True, t_match if t_end == j else None, strict=True)
                k = j
            else:
                end, match = self.resolve(k, j, kind, fuzzy=True)
                if match and end < j:
                    j = end
                by = j < n and self.toks[j].low in _BY and not self.breaks_before(j)
                if by and j + 1 < n:
                    y_end = self.extent(j + 1)
                    if self.plausible(j + 1, y_end):
                        self.add(k, j, "track", True, [m for m in match if m.kind != "artist"] or None)
                        a_end, a_match = self.resolve(j + 1, y_end, "artist", fuzzy=True)
                        self.add(j + 1, y_end, "artist", True, a_match if a_end == y_end else None, strict=True)
                        j = y_end
                    else:
                        self.add(k, j, kind or "artist", True, match or None)
                else:
                    possessive = self.toks[j - 1].text.lower().endswith(("'s", "\u2019s"))
                    self.add(k, j, "artist" if possessive else kind or "artist", True, match or None,
                             strict=possessive)
                k = j
            # continue a list: ", Y", "and Y", "or Y", "/ Y"
            if k < n and self.toks[k].low in {"and", "or", "nor", "vs", "&"} and not self.breaks_before(k):
                k += 1
            elif k < n and re.fullmatch(r"\s*[,/&+]\s*|\s+(?:and|or)\s+", self.gap(k) or ""):
                if self.toks[k].low in {"and", "or"}:
                    k += 1
            else:
                return
            if k < n and self.toks[k].low in {"and", "or"}:
                k += 1

    def by_artist(self) -> None:
        """A "by Y" not already read after a cue: "Black Parade by My Chemical Romance"."""
        n = len(self.toks)
        for i, t in enumerate(self.toks):
            if t.low != "by" or i + 1 >= n or (i + 1) in self.taken or self.breaks_before(i + 1):
                continue
            j = self.extent(i + 1)
            if not self.plausible(i + 1, j):
                continue
            if self.title_case and self.names is None:
                if self.toks[i + 1].low in STOP_WORDS:
                    continue
            end, match = self.resolve(i + 1, j, "artist", fuzzy=True)
            if not match and self.toks[i + 1].low in DESCRIPTOR_WORDS:
                continue
            self.add(i + 1, end if match else j, "artist", True, match or None, strict=True)
            # the title before "by"
            s = i
            while s > 0 and not self.breaks_before(s) and (i - s) < 8 and (s - 1) not in self.taken:
                prev = self.toks[s - 1]
                if self.cue_at(s - 1) or self.cue_ends_at(s - 1) or prev.low in _BACK_STOP:
                    break
                if not self.title_case and not prev.cap and prev.low in STOP_WORDS:
                    break
                if not self.title_case and not prev.cap and self.toks[s].cap:
                    break
                s -= 1
            if s < i and self.plausible(s, i, title=True):
                t_end, t_match = self.resolve(s, i, "track", fuzzy=True)
                self.add(s, i, "track", True, t_match if t_end == i else None, strict=True)

    def after_cues(self) -> None:
        """"Portishead vibes", "Drake type beat", "Radiohead-esque"."""
        n = len(self.toks)
        for i in range(n - 1):
            if self.breaks_before(i + 1):
                continue
            nxt = " ".join(x.low for x in self.toks[i + 1 : i + 3])
            if not any(nxt == c or nxt.startswith(c + " ") for c in CUES_AFTER):
                continue
            if i in self.taken:
                continue
            s = i
            while s > 0 and not self.breaks_before(s) and i - s < 3:
                prev = self.toks[s - 1]
                if prev.low in STOP_WORDS or prev.low in DESCRIPTOR_WORDS or (s - 1) in self.taken:
                    break
                if not self.title_case and self.toks[i].cap and not prev.cap:
                    break
                s -= 1
            if not self.plausible(s, i + 1):
                continue
            end, match = self.resolve(s, i + 1, "artist", fuzzy=nxt.split()[0] not in _WEAK_AFTER)
            possessive = self.toks[i].text.lower().endswith(("'s", "\u2019s"))
            weak = nxt.split()[0] in _WEAK_AFTER and not possessive
            if weak and not (match and not all(m.common for m in match)):
                continue  # "sad songs", "dark music": only a catalog name that is no word
            multi = match and len(match[0].key.split()) > 1
            if match and all(m.common for m in match) and not possessive and not (multi and not weak) and (
                self.title_case or not self.toks[s].cap or self.sentence_start(s)
            ):
                continue  # "low vibe", "orchestra style": a word, not Low or Orchestra
            if self.names is not None and not match:
                continue
            self.add(s, i + 1, "artist", True, match if end == i + 1 else None)

    @staticmethod
    def uncued_ok(matches: list[NameMatch], words: int, capital: bool) -> bool:
        """Whether a name found without a cue is taken (see :data:`RARE_ZIPF`)."""
        common = all(m.common for m in matches)
        if words > 1:
            return not common or capital
        if common:
            return False
        rarest = min(m.zipf for m in matches)
        return rarest < RARE_ZIPF or (capital and rarest < CAPITAL_ZIPF)

    def parenthesized(self) -> None:
        """"The Nights (Avicii)", "Fight Back (from Neffex)": an artist in brackets after a title."""
        n = len(self.toks)
        for ref in list(self.found):
            if not ref.cued:
                continue
            k = next((x for x, t in enumerate(self.toks) if t.start >= ref.end), n)
            if k >= n or k in self.taken or not re.fullmatch(r"\s*\(\s*", self.gap(k)):
                continue
            if self.toks[k].low in {"from", "by", "ft", "feat", "featuring"}:
                k += 1
            j = k
            while j < n and j - k < 5 and (j == k or not self.breaks_before(j)):
                j += 1
            if j == k or j < n and not self.gap(j).lstrip().startswith(")") or not self.plausible(k, j):
                continue
            if self.title_case or not self.toks[k].cap:
                continue
            end, match = self.resolve(k, j, "artist", fuzzy=True)
            before = len(self.found)
            self.add(k, j, "artist", True, match if end == j else None, strict=True)
            if len(self.found) > before and ref.kind == "artist" and not ref.resolved:
                self.found[self.found.index(ref)] = replace(ref, kind="track")

    def catalog(self) -> None:
        """Catalog names anywhere in the request (see the module docstring)."""
        if self.names is None:
            return
        n = len(self.toks)
        width = max(1, min(self.names.max_words, 8))
        firsts = self.names.first_words
        heads = [(name_key(t.text).split() or [""])[0] for t in self.toks]
        i = 0
        while i < n:
            if heads[i] not in firsts and heads[i] != "the" and heads[i][:-1] not in firsts:
                i += 1
                continue
            hit = None
            for j in range(min(n, i + width), i, -1):
                if any(k in self.taken for k in range(i, j)):
                    continue
                if any(self.breaks_before(k) and self.gap(k) != "/" for k in range(i + 1, j)):
                    continue
                span_low = self.key(i, j)
                matches = self.names.exact(span_low)
                if not matches or not self.short_ok(i, j):
                    continue
                if self.toks[i].low in {"the"} and j - i == 1:
                    continue
                capital = not self.title_case and all(
                    t.cap or t.low in _CONNECTORS for t in self.toks[i:j]
                ) and self.toks[i].cap and not (self.sentence_start(i) and j - i == 1)
                if self.toks[i].low in STOP_WORDS and j - i == 1:
                    continue
                if all(t.low in STOP_WORDS or t.low in DESCRIPTOR_WORDS for t in self.toks[i:j]):
                    continue  # "I am" is not IAM, "chill songs" not Chillsongs
                artists = [m for m in matches if m.kind == "artist"]
                if not artists and not (capital and not self.sentence_start(i) and i in self.region):
                    continue  # a title or album without a cue: too many are everyday phrases
                matches = artists or matches
                if i in self.region and (len(span_low.split()) > 1 or not all(m.common for m in matches)):
                    hit = (j, matches)
                    break
                if not self.uncued_ok(matches, j - i, capital):
                    continue
                hit = (j, matches)
                break
            if hit:
                j, matches = hit
                kind: RefKind = "artist" if any(m.kind == "artist" for m in matches) else matches[0].kind
                self.add(i, j, kind, False, matches)
                i = j
            else:
                i += 1


def find_references(
    text: str, names: NameIndex | None = None, *, skip: Sequence[tuple[int, int]] = ()
) -> list[Reference]:
    """References in ``text``, left to right (resolved against ``names`` when given).

    Args:
        text: the request as written (capitals and punctuation help).
        names: the catalog's :class:`~nlrec.request.names.NameIndex`, or ``None`` for cues only.
        skip: character spans already understood (years): never part of a reference.

    Example:
        >>> [(r.span, r.kind) for r in find_references("Songs like Groove by Torn")]
        [('Groove', 'track'), ('Torn', 'artist')]
    """
    d = _Detector(str(text), names)
    for a, b in skip:
        d.taken.update(k for k, t in enumerate(d.toks) if t.start < b and a < t.end)
    d.quoted()
    d.dashed()
    d.cued()
    d.by_artist()
    d.after_cues()
    d.parenthesized()
    d.catalog()
    return sorted(d.found, key=lambda r: r.start)


__all__ = [
    "CUES_AFTER",
    "CUES_BEFORE",
    "DESCRIPTOR_WORDS",
    "MAX_SPAN_WORDS",
    "RefKind",
    "Reference",
    "find_references",
    "is_title_case",
]
