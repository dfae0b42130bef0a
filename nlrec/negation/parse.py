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

Not negations: "no-nonsense", "no doubt", "no matter", "not only", "not just", and "nothing
but X" (which means only X: X stays positive).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nlrec.negation.lexicon import FILLER, Lexicon, load_lexicon, normalize, stems

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|[,.;:!?()/+]")
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
                "should not have", "cant stand", "hate", "dislike", "no need for",
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
    for p in phrases:
        if tuple(tokens[i : i + len(p)]) == p:
            return p
    return None


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
    if token.endswith("less") and len(token) > 6 and lexicon.is_known(token[:-4]):
        return lexicon.canonical(token[:-4])
    return None


def _scope(tokens: list[str], stemmed: list[str], j: int, lexicon: Lexicon) -> tuple[list[str], int]:
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
        if tok in _COORD:
            nxt = j + 1
            while nxt < n and tokens[nxt] in _SCOPE_LEAD:
                nxt += 1
            if tok == "and" and (nxt >= n or not lexicon.known_at(tuple(stemmed), nxt)[0]):
                break  # "without vocals and with piano", "no vocals and relaxing piano"
            if not cur and not facets:
                break
            close()
            j += 1
            continue
        if tok in _SCOPE_LEAD and not cur:
            j += 1
            continue
        length, name = lexicon.known_at(tuple(stemmed), j)
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

    Example:
        >>> p = parse_request("without vocals and with piano")
        >>> (p.positive, p.negative)
        ('piano', ('vocals',))
        >>> parse_request("nothing but drums").negative
        ()
    """
    lexicon = lexicon or load_lexicon()
    original = " ".join(str(text).split())
    tokens = tokenize(original)
    stemmed = [stems(t)[0] if len(stems(t)) == 1 else t for t in tokens]
    keep: list[str] = []
    negative: list[str] = []
    cues: list[str] = []
    changed = False
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
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
        if cue:
            facets, end = _scope(tokens, stemmed, i + len(cue), lexicon)
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
        if tok in ("instrumental", "instrumentals"):
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
