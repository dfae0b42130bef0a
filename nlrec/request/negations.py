"""Query understanding: split a request into what is wanted and what is not.

``parse_request("relaxing piano without vocals")`` gives the positive text ``"relaxing piano"``
(what gets embedded and searched) and the negative facets ``["vocals"]`` (what must be absent).

Recognised negations (case-insensitive, with or without apostrophes and punctuation):
``no``, ``without`` / ``w/o``, ``not`` (``not too``), ``nothing`` (``nothing too``), ``minus``,
``except`` (``except for``), ``excluding``, ``avoid``, ``sans``, ``anything but``, ``instead of``,
``rather than``, ``isn't`` / ``aren't``, ``don't want`` / ``don't like`` / ``don't need``,
``doesn't have``, ``hate``; the suffixes ``-free`` and ``-less`` ("vocal-free", "drumless");
and ``instrumental`` (which keeps its place in the positive text and adds the facet
"vocals"). A negation covers the words after it up to punctuation, a connective ("but",
"with", "please", "that", ...) or the end of a known facet ("no vocals relaxing piano");
"or" / "nor" and "and" + another known facet coordinate ("no drums or bass": two facets).

Also ``non X`` / ``non-X`` ("non creepy", "non-satanic", "non hip hop"), ``that isn't X``,
``tired of X`` / ``sick of X``, ``other than X``.

Not negations: "no-nonsense", "non-stop", "no doubt", "no matter", "not only", "not just",
"nothing but X" (which means only X: X stays positive), everyday phrases ("not sure if", "not
picky", "not unlike", "no idea", "doesn't matter"), "instrumentals" as a noun ("rap with
traditional japanese instrumentals"), and anything inside double quotes (a title such as
"No Quarter" or "Ain't No Sunshine": quoted words are kept in the positive text and never read as
negations). :mod:`nlrec.request.parse` also masks titles and names it resolves.

Requests longer than :data:`MAX_REQUEST_CHARS` characters are refused with a
:class:`~nlrec.errors.QueryError`; below it, time grows linearly with the length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from nlrec.errors import QueryError
from nlrec.limits import LIMITS, check_excludes
from nlrec.request.lexicon import FILLER, Lexicon, load_lexicon, normalize, stems

MAX_REQUEST_CHARS = LIMITS.request_chars
"""Longest request accepted (characters); longer ones raise :class:`~nlrec.errors.QueryError`."""
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*|[,.;:!?()/+]", re.UNICODE)
_QUOTED = re.compile(r"\"[^\"\n]{1,120}\"|\u201c[^\u201d\n]{1,120}\u201d")
#: Multi-word genres a "non" covers whole ("non hip hop").
_COMPOUNDS = frozenset(
    tuple(c.split())
    for c in (
        "hip hop", "trip hop", "lo fi", "r and b", "drum and bass", "rock and roll", "k pop",
        "j pop", "post rock", "nu metal", "synth pop", "new wave", "death metal", "black metal",
        "heavy metal", "pop punk", "post punk", "dance music", "love songs", "country music",
    )
)
#: Nouns that extend a facet instead of ending it ("no bass drops", "without guitar solos").
_HEADS = frozenset(
    "drop drops solo solos line lines riff riffs part parts section sections breakdown breakdowns "
    "intro intros outro outros sample samples effects effect heavy".split()
)
#: "non-" words that are not negations.
_NON_WORDS = frozenset({"non-stop", "non-nonsense"})
PUNCT = frozenset(",.;:!?()/+")

#: Negation cues, longest first at each position.
NEGATION_CUES: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            tuple(c.split())
            for c in (
                "no", "no more", "none of", "without", "minus", "except", "except for", "excluding",
                "exclude", "avoid", "avoiding", "sans", "lacking", "free of", "never", "anything but",
                "instead of", "rather than", "not", "not too", "not overly", "not so", "not very",
                "not any", "nothing", "nothing too", "nothing overly", "nothing that is too",
                "nothing thats too", "isnt", "isnt too", "arent", "arent too", "wasnt", "aint",
                "dont want", "do not want", "dont like", "do not like", "dont need", "do not need",
                "dont include", "doesnt have", "does not have", "doesnt include", "shouldnt have",
                "should not have", "cant stand", "hate", "dislike", "no need for", "non",
                "tired of", "sick of", "bored of", "fed up with", "other than", "anything other than",
                "that isnt", "that arent", "which isnt", "thats not", "that is not",
                "nothing with", "none with", "nothing that has", "nothing that have",
            )
        ),
        key=len,
        reverse=True,
    )
)
#: Phrases that look like negations but are not; their words are dropped from the positive
#: text only when listed in :data:`_DROP_IDIOMS`.
IDIOMS: tuple[tuple[str, ...], ...] = (
    ("nothing", "but"), ("no", "doubt"), ("no", "matter"), ("no", "wonder"), ("not", "only"),
    ("not", "just"), ("not", "to", "mention"), ("not", "bad"),
    # everyday phrases of real requests (issue 13)
    ("not", "sure"), ("not", "really", "sure"), ("not", "picky"), ("not", "that", "picky"),
    ("not", "too", "picky"), ("not", "unlike"), ("no", "idea"), ("no", "clue"), ("not", "even"),
    ("not", "necessarily"), ("not", "quite"), ("not", "familiar"), ("no", "longer"),
    ("no", "problem"), ("not", "a", "problem"), ("doesnt", "matter"), ("does", "not", "matter"),
    ("dont", "know"), ("do", "not", "know"), ("not", "knowing"), ("not", "certain"),
    ("not", "much"), ("not", "many"), ("not", "a", "lot"), ("not", "anymore"), ("no", "worries"),
    ("not", "that", "i"), ("not", "looking", "to"), ("no", "one"), ("not", "mainstream"),
    ("never", "heard"), ("never", "gets", "old"), ("never", "get", "old"), ("never", "gets", "boring"),
    ("not", "been", "able"), ("not", "able"), ("cant", "find"), ("no", "luck"),
)
_DROP_IDIOMS = frozenset({("nothing", "but"), ("not", "to", "mention")})
#: Joined to a following negation ("but no drums", "with no vocals").
_LEADS = frozenset("but and or with".split())
#: End a negation's scope.
TERMINATORS = frozenset(
    """but with please pls plz just only that thats which who while though although because
    since for to in on like thanks thank i im we yet then maybe also instead rather is are was
    it its at whatsoever music song songs track tracks tune tunes stuff plus so""".split()
)
#: Skipped at the start of a scope ("nothing *from the* 80s", "without *any* vocals").
_SCOPE_LEAD = FILLER | frozenset("from anything something having have has be being sound sounding".split())
#: After "and", these start a new positive clause ("without vocals and *with* piano").
_COORD = frozenset({"or", "nor", "and"})
#: Dropped from the positive text when a request has negations.
_POSITIVE_FILLER = frozenset("i im id ive we please pls plz thanks thx whatsoever".split())
_EDGE = frozenset("and or but with that which who is are it its so then also just plus".split()) | PUNCT
MAX_FREE_WORDS = 3


@dataclass(frozen=True)
class ParsedRequest:
    """A request split into what is wanted and what must be absent.

    Attributes:
        text: the request as given.
        positive: what is wanted, negations removed (empty if the request is only exclusions).
        negative: facets that must be absent, as short descriptor phrases ("vocals", "drums").
        cues: the negated spans found, e.g. ``["without vocals"]`` (for explanations).
    """

    text: str
    positive: str
    negative: tuple[str, ...] = ()
    cues: tuple[str, ...] = field(default=(), compare=False)

    @property
    def has_negation(self) -> bool:
        return bool(self.negative)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "positive": self.positive,
            "negative": list(self.negative),
            "cues": list(self.cues),
        }


def tokenize(text: str) -> list[str]:
    """Lower-case tokens: words and punctuation; "w/o" -> "without".

    Hyphenated words are split ("hip-hop" -> "hip", "hop") except the ones that carry or
    block a negation: "no-nonsense", "non-stop", "vocal-free".
    """
    out: list[str] = []
    for tok, _ in _tokens_protected(text, quotes=False):
        out.append(tok)
    return out


def _tokens_protected(text: str, quotes: bool = True) -> list[tuple[str, bool]]:
    """Tokens of ``text`` (see :func:`tokenize`), each with whether it lies inside quotes."""
    if not quotes:
        return [(t, False) for t in _split(text)]
    out: list[tuple[str, bool]] = []
    last = 0
    for m in _QUOTED.finditer(text):
        out += [(t, False) for t in _split(text[last : m.start()])]
        out += [(t, True) for t in _split(m.group(0)[1:-1])]
        last = m.end()
    out += [(t, False) for t in _split(text[last:])]
    return out


def _split(text: str) -> list[str]:
    t = normalize(text)
    t = re.sub(r"\bw/o\b", " without ", t)
    t = re.sub(r"\bw/(?=\s|$)", " with ", t)
    out: list[str] = []
    for tok in _TOKEN.findall(t):
        if "-" in tok and not tok.startswith(("no-", "non-")) and not tok.endswith("-free"):
            out += [p for p in tok.split("-") if p]
        else:
            out.append(tok)
    return out


def _match(tokens: Sequence[str], i: int, phrases: Iterable[tuple[str, ...]]) -> tuple[str, ...] | None:
    if i >= len(tokens):
        return None
    for p in _by_first(tuple(phrases)).get(tokens[i], ()):
        if tuple(tokens[i : i + len(p)]) == p:
            return p
    return None


@lru_cache(maxsize=16)
def _by_first(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases grouped by their first word, in their given order (longest first stays first)."""
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for p in phrases:
        out[p[0]] = (*out.get(p[0], ()), p)
    return out


def _facet_name(words: Sequence[str], lexicon: Lexicon) -> str | None:
    ws = [w for w in words if w not in FILLER]
    if not ws:
        return None
    phrase = " ".join(ws)
    return lexicon.canonical(phrase) or phrase


def _affix_facet(token: str, lexicon: Lexicon) -> str | None:
    """The facet a "-free" / "-less" / "no-" / "non-" token negates ("vocal-free" -> "vocals")."""
    if token.endswith("-free") and len(token) > 5:
        return _facet_name([token[:-5].replace("-", " ")], lexicon)
    for prefix in ("no-", "non-"):
        rest = token[len(prefix):].replace("-", " ")
        if token.startswith(prefix) and lexicon.canonical(rest):
            return lexicon.canonical(rest)
    if token.startswith("non-") and token not in _NON_WORDS and len(token) > 5:
        return _facet_name(token[4:].split("-"), lexicon)
    if token.endswith("less") and len(token) > 6 and lexicon.is_known(token[:-4]):
        return lexicon.canonical(token[:-4])
    return None


def _scope(
    tokens: list[str], stemmed: tuple[str, ...], j: int, lexicon: Lexicon, protected: Sequence[bool] = ()
) -> tuple[list[str], int]:
    """Read the facets a negation covers, from ``tokens[j]``; returns ``(facets, end)``."""
    n = len(tokens)
    facets: list[str] = []
    cur: list[str] = []
    last_known: str | None = None

    def close() -> None:
        nonlocal cur, last_known
        name = _facet_name(cur, lexicon)
        if name:
            facets.append(name)
        cur, last_known = [], None

    while j < n:
        tok = tokens[j]
        if tok in PUNCT or tok in TERMINATORS or _match(tokens, j, NEGATION_CUES):
            break
        if protected and protected[j]:
            break
        if tok in _COORD:
            nxt = j + 1
            while nxt < n and tokens[nxt] in _SCOPE_LEAD:
                nxt += 1
            if tok == "and" and (nxt >= n or not lexicon.known_at(stemmed, nxt)[0]):
                break  # "without vocals and with piano", "no vocals and relaxing piano"
            if not cur and not facets:
                break
            close()
            j += 1
            continue
        if tok in _SCOPE_LEAD and not cur:
            j += 1
            continue
        if last_known is not None and tok in _HEADS:  # "bass drops", "guitar solos"
            cur.append(tok)
            last_known = tok
            j += 1
            continue
        length, name = lexicon.known_at(stemmed, j)
        if length:
            if last_known is not None and last_known not in lexicon.modifiers:
                close()  # "no vocals piano": the facet ended with "vocals"
                break
            cur += tokens[j : j + length]
            last_known = name
            j += length
            continue
        if last_known is not None or len(cur) >= MAX_FREE_WORDS:
            break  # a known facet ends the phrase: "no vocals relaxing piano"
        cur.append(tok)
        j += 1
    if cur:
        close()
    # "no vocals at all", "no drums whatsoever"
    if tuple(tokens[j : j + 2]) == ("at", "all"):
        j += 2
    return facets, j


def parse_request(
    text: str, exclude: Iterable[str] = (), *, lexicon: Lexicon | None = None
) -> ParsedRequest:
    """Split ``text`` into a positive request and negative facets.

    Args:
        text: the request, e.g. ``"chill beats but no drums"``.
        exclude: facets to add by hand (``--exclude``), canonicalised like parsed ones.
        lexicon: the facet lexicon (default: the packaged one).

    Returns:
        A :class:`ParsedRequest`. Without any negation, ``positive`` is ``text`` itself.

    Raises:
        QueryError: when ``text`` is longer than :data:`MAX_REQUEST_CHARS` characters.

    Example:
        >>> p = parse_request("without vocals and with piano")
        >>> (p.positive, p.negative)
        ('piano', ('vocals',))
        >>> parse_request("nothing but drums").negative
        ()
    """
    lexicon = lexicon or load_lexicon()
    exclude = tuple(exclude)
    check_excludes(exclude)
    if len(str(text)) > MAX_REQUEST_CHARS:
        raise QueryError(
            f"request too long ({len(str(text)):,} characters; at most {MAX_REQUEST_CHARS:,})"
        )
    original = " ".join(str(text).split())
    pairs = _tokens_protected(original)
    tokens = [t for t, _ in pairs]
    protected = [p for _, p in pairs]
    stemmed = tuple(_stem1(t) for t in tokens)
    keep: list[str] = []
    negative: list[str] = []
    cues: list[str] = []
    changed = False
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if protected[i]:
            keep.append(tok)
            i += 1
            continue
        idiom = _match(tokens, i, IDIOMS)
        if idiom:
            if idiom in _DROP_IDIOMS:
                changed = True
            else:
                keep += idiom
            i += len(idiom)
            continue
        start = i
        if tok in _LEADS and i + 1 < n and _match(tokens, i + 1, NEGATION_CUES) and not _match(tokens, i + 1, IDIOMS):
            i += 1  # "but no drums": the "but" goes with the negation
        cue = _match(tokens, i, NEGATION_CUES)
        if cue == ("non",):  # a prefix: one word or one lexicon phrase ("non hip hop")
            j = i + 1
            if j < n and not protected[j] and tokens[j] not in PUNCT and tokens[j] not in TERMINATORS:
                length = lexicon.known_at(stemmed, j)[0] or 1
                for size in (3, 2):
                    if tuple(tokens[j : j + size]) in _COMPOUNDS:
                        length = max(length, size)
                name = _facet_name(tokens[j : j + length], lexicon)
                if name:
                    negative.append(name)
                    cues.append(" ".join(tokens[start : j + length]))
                    changed = True
                    i = j + length
                    continue
            cue = None
            i = start
        if cue:
            facets, end = _scope(tokens, stemmed, i + len(cue), lexicon, protected)
            if facets:
                negative += facets
                cues.append(" ".join(tokens[start:end]))
                changed = True
                i = end
                continue
            i = start  # a bare "no" / "not": keep it
        affix = _affix_facet(tok, lexicon)
        if affix:
            negative.append(affix)
            cues.append(tok)
            changed = True
            i += 1
            continue
        if i + 1 < n and tokens[i + 1] == "free" and lexicon.is_known(tok):  # "vocal free"
            negative.append(lexicon.canonical(tok) or tok)
            cues.append(f"{tok} free")
            changed = True
            i += 2
            continue
        if tok == "instrumental":  # "instrumentals" is a noun (backing tracks), not an absence
            negative.append("vocals")
            cues.append(tok)
        keep.append(tok)
        i += 1
    for facet in exclude:
        name = _facet_name(tokenize(facet), lexicon)
        if name:
            negative.append(name)
    negative = list(dict.fromkeys(negative))
    positive = _clean_positive(keep) if changed else original
    return ParsedRequest(original, positive, tuple(negative), tuple(cues))


def _stem1(token: str) -> str:
    s = stems(token)
    return s[0] if len(s) == 1 else token


def _clean_positive(tokens: list[str]) -> str:
    ws = [t for t in tokens if t not in _POSITIVE_FILLER]
    while ws and ws[0] in _EDGE:
        ws.pop(0)
    while ws and ws[-1] in _EDGE:
        ws.pop()
    out: list[str] = []
    for w in ws:
        if w in PUNCT and out and out[-1] in PUNCT:
            continue
        out.append(w)
    return re.sub(r"\s+([,.;:!?)])", r"\1", " ".join(out)).replace("( ", "(")
