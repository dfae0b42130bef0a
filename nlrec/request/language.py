"""Request language: variant spellings in one table, accents folded, filler found and dropped.

Every retriever calls the same two functions on **both** sides (documents at index time and
requests at query time), so "r&b" meets "rnb" and "hiphop" meets "hip-hop":

* :func:`normalize_terms` for lexical matching (TF-IDF, BM25, term overlap): each variant becomes
  one token (``"r&b"``, ``"r and b"``, ``"rnb"`` -> ``"rnb"``; ``"eighties"``, ``"80's"``,
  ``"1980s"`` -> ``"80s"``), accents are folded (``"café"`` -> ``"cafe"``), text lower-cased.
* :func:`normalize_phrases` for the dense side: the same variants rewritten to one readable
  phrase (``"hiphop"`` -> ``"hip hop"``, ``"rnb"`` -> ``"r&b"``), case and accents kept.

:func:`strip_filler` removes request filler ("looking for", "any suggestions", "i need more
songs with this vibe") and says what it removed; :data:`VARIANTS` is the table.

Example:
    >>> normalize_terms("Lo-Fi Hip-Hop and R&B from the eighties")
    'lofi hiphop and rnb from the 80s'
    >>> strip_filler("Looking for some chill lofi, any suggestions?").text
    'chill lo-fi'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

#: ``(token, phrase, variants)``: the lexical token, the phrase the dense side sees, and the
#: spellings (regular expressions over lower-cased text with apostrophes removed) that mean it.
VARIANTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("rnb", "r&b", (r"r\s*&\s*b", r"r\s*and\s*b", r"r\s*n\s*b", r"rnb", r"rhythm\s+(?:and|&|n)\s+blues")),
    ("hiphop", "hip hop", (r"hip[\s-]*hop",)),
    ("triphop", "trip hop", (r"trip[\s-]*hop",)),
    ("lofi", "lo-fi", (r"lo[\s-]*fi", r"low[\s-]+fi")),
    ("edm", "edm", (r"edm", r"electronic\s+dance\s+music")),
    ("dnb", "drum and bass", (r"d\s*&\s*b", r"d\s*n\s*b", r"drum\s*(?:and|&|n)\s*bass")),
    ("rocknroll", "rock and roll", (r"rock\s*(?:and|&|n)\s*roll", r"rocknroll")),
    ("synthpop", "synth pop", (r"synth[\s-]*pop",)),
    ("postrock", "post rock", (r"post[\s-]*rock",)),
    ("postpunk", "post punk", (r"post[\s-]*punk",)),
    ("numetal", "nu metal", (r"nu[\s-]*metal",)),
    ("kpop", "k-pop", (r"k[\s-]*pop",)),
    ("jpop", "j-pop", (r"j[\s-]*pop",)),
    ("jrock", "j-rock", (r"j[\s-]*rock",)),
    ("chillout", "chillout", (r"chill[\s-]*out",)),
    ("downtempo", "downtempo", (r"down[\s-]*tempo",)),
    ("oldschool", "old school", (r"old[\s-]*school",)),
    ("newwave", "new wave", (r"new[\s-]*wave",)),
    ("singersongwriter", "singer-songwriter", (r"singer[\s-]*songwriters?",)),
    ("electropop", "electropop", (r"electro[\s-]*pop",)),
    ("dubstep", "dubstep", (r"dub[\s-]*step",)),
    ("shoegaze", "shoegaze", (r"shoe[\s-]*gaze", r"shoegazing", r"shoegazey")),
    ("acapella", "a cappella", (r"a[\s-]*cap+el+a",)),
    # abbreviations people type for genre families and instruments (both sides, like the rest)
    ("progressive", "progressive", (r"prog", r"progressive")),
    ("psychedelic", "psychedelic", (r"psych", r"psychedelic")),
    ("alternative", "alternative", (r"alt(?![\s-]*j(?![a-z0-9]))", r"alternative")),
    ("traditional", "traditional", (r"trad", r"traditional")),
    ("saxophone", "saxophone", (r"sax", r"saxophone")),
    ("soundtrack", "soundtrack", (r"ost", r"soundtrack")),
    ("60s", "60s", (r"sixties", r"(?:19)?60s")),
    ("70s", "70s", (r"seventies", r"(?:19)?70s")),
    ("80s", "80s", (r"eighties", r"(?:19)?80s")),
    ("90s", "90s", (r"nineties", r"(?:19)?90s")),
    ("50s", "50s", (r"fifties", r"(?:19)?50s")),
    ("00s", "2000s", (r"noughties", r"2000s", r"00s", r"aughts")),
    ("10s", "2010s", (r"2010s", r"twenty[\s-]*tens")),
    ("20s", "2020s", (r"2020s",)),
)


@lru_cache(maxsize=1)
def _variant_re() -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    groups: list[str] = []
    names: dict[str, tuple[str, str]] = {}
    for i, (token, phrase, patterns) in enumerate(VARIANTS):
        name = f"v{i}"
        names[name] = (token, phrase)
        groups.append(f"(?P<{name}>{'|'.join(patterns)})")
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(groups) + r")(?![a-z0-9])"), names


def fold_accents(text: str) -> str:
    """``text`` with accents removed ("café" -> "cafe", "Beyoncé" -> "Beyonce"); other letters kept."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _prepare(text: str) -> str:
    t = fold_accents(str(text)).lower()
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    t = re.sub(r"(?<=[a-z0-9])'(?=[a-z0-9])|'(?=\d0s)|(?<=\d0)'(?=s)", "", t)  # 80's, '80s, don't
    return t.replace("'n'", " n ")


def _substitute(text: str, which: int) -> str:
    pattern, names = _variant_re()

    def repl(m: re.Match[str]) -> str:
        return names[m.lastgroup or ""][which]

    return pattern.sub(repl, text)


def normalize_terms(text: str) -> str:
    """Lower-cased, accent-folded ``text`` with every variant spelling as its one token.

    Call it on documents and on requests before lexical matching (see the module docstring).
    """
    return " ".join(_substitute(_prepare(text), 0).split())


def normalize_phrases(text: str) -> str:
    """``text`` with variant spellings rewritten to one readable phrase, for dense encoders.

    Unlike :func:`normalize_terms`, the rest of the text keeps its case and accents; only the
    variant spans are replaced (lower-cased).
    """
    pattern, names = _variant_re()
    low = str(text).lower().replace("\u2019", "'")
    if len(low) != len(text):  # case folding changed lengths (rare): work on the lower-cased text
        return " ".join(_substitute(_prepare(text), 1).split())
    out, last = [], 0
    for m in pattern.finditer(low):
        out += [text[last : m.start()], names[m.lastgroup or ""][1]]
        last = m.end()
    out.append(text[last:])
    return " ".join("".join(out).split())


# -- filler ------------------------------------------------------------------------------------

#: Multi-word filler, as regular expressions over lower-cased text (apostrophes removed).
FILLER_PHRASES: tuple[str, ...] = (
    r"(?:i\s*a?m|i\s+am|im|we\s*are|were)\s+(?:currently\s+|really\s+|just\s+)?(?:looking|searching|hunting|trying\s+to\s+find)\s+for",
    r"(?:looking|searching|hunting)\s+for",
    r"(?:can|could|would)\s+(?:you|anyone|somebody|someone)(?:\s+guys)?\s+(?:please\s+)?(?:recommend|suggest|help(?:\s+me)?(?:\s+find)?|point\s+me\s+to)",
    r"(?:please\s+)?(?:recommend|suggest)(?:\s+me)?",
    r"(?:any|some)\s+(?:good\s+)?(?:suggestions|recommendations|recs|recommendation|suggestion|ideas|help)",
    r"(?:suggestions|recommendations|recs|ideas)\s+(?:please|pls|plz|welcome|appreciated)",
    r"(?:does\s+)?any\s*(?:one|body)\s+(?:know|have|got)(?:\s+(?:of|any))?",
    r"(?:i|we)\s+(?:really\s+)?(?:need|want|would\s+like|d\s+like|wanna|love)(?:\s+(?:some|more|to\s+find|to\s+hear))?",
    r"i\s*d\s+(?:like|love)(?:\s+(?:some|more))?",
    r"(?:more\s+)?(?:songs|music|tracks|stuff|artists|bands)\s+(?:with|that\s+(?:have|has))\s+(?:this|that|the\s+same)\s+(?:vibe|feel|feeling|sound|energy)",
    r"(?:with|in)\s+(?:this|that|the\s+same)\s+(?:vibe|feel|feeling)",
    r"help\s+(?:me\s+)?(?:find|finding)",
    r"thanks?\s+(?:in\s+advance|a\s+lot|so\s+much)",
    r"thank\s+you(?:\s+(?:in\s+advance|so\s+much))?",
    r"(?:tia|thx|ty)",
    r"if\s+(?:you|anyone)\s+(?:has|have|know|knows)\s+any",
    r"(?:hit|give)\s+me\s+(?:with\s+)?(?:some|your)",
    r"what\s+(?:are|is)\s+(?:some|your|the\s+best)",
    r"what\s+(?:should|can|could|do|would)\s+(?:i|we)\s+(?:listen\s+to|play|check\s+out)(?:\s+next)?",
    r"(?:to\s+)?listen\s+to\s+next",
    r"(?:something|anything|songs?|music|tracks?|tunes|stuff|artists?|bands?)\s+(?:that\s+(?:is|are|sounds?)|thats|which\s+(?:is|are))",
    r"(?:i\s*m\s+|im\s+|i\s+am\s+)?not\s+(?:really\s+|totally\s+|even\s+)?sure\s+(?:if|how|what|whether|where)(?:\s+(?:this|it)\s+(?:is|belongs)(?:\s+(?:in\s+)?the\s+right\s+(?:sub|subreddit|place))?)?",
    r"(?:(?:is|in)\s+)?(?:the\s+)?(?:right|correct)\s+(?:sub|subreddit|place)",
    r"(?:i\s*m\s+|im\s+)?not\s+(?:that\s+|too\s+)?picky",
    r"(?:i\s+)?(?:have\s+)?no\s+(?:idea|clue)\s+(?:what|how)(?:\s+(?:its|it\s+is|this\s+is|to))?(?:\s+(?:called|describe\s+it))?",
    r"(?:i\s+)?(?:dont|do\s+not)\s+know\s+(?:what|how)(?:\s+(?:its|it\s+is|this\s+is|to))?(?:\s+(?:called|describe\s+(?:it|this)))?",
    r"if\s+that\s+makes\s+sense",
    r"idk",
    r"(?:any|all)\s+(?:help|input)\s+(?:is\s+|would\s+be\s+)?(?:appreciated|welcome)",
    r"(?:much\s+)?appreciated",
)
#: Single filler words (dropped wherever they stand).
FILLER_WORDS: frozenset[str] = frozenset(
    """please pls plz thanks thank suggestions suggestion recommendations recommendation recs
    recommend suggest any some something anything songs song tracks track tunes tune stuff music
    help need want wanted looking find finding more other new good best great really very just
    kind kinda sort sorta type genre i im me my we you your anyone someone somebody guys hey hi
    hello lol reddit the a an of for to with that this these those is are be some similar
    vibe vibes feel and or but from if so sub subreddit""".split()
)


@dataclass(frozen=True)
class FillerResult:
    """What :func:`strip_filler` kept and what it dropped.

    Attributes:
        text: the request without filler (lower-cased, punctuation turned into spaces, variant
            spellings written as :func:`normalize_phrases` writes them: "rnb" -> "r&b").
        dropped: the filler found, in order ("looking for", "any suggestions").
    """

    text: str
    dropped: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """Whether nothing is left to match ("any suggestions?")."""
        return not self.text


@lru_cache(maxsize=1)
def _filler_re() -> re.Pattern[str]:
    alt = "|".join(sorted(FILLER_PHRASES, key=len, reverse=True))
    return re.compile(r"(?<![a-z0-9])(?:" + alt + r")(?![a-z0-9])")




def strip_filler(text: str, *, words: bool = True) -> FillerResult:
    """Remove filler phrases (and, when ``words``, filler words) from a request.

    Args:
        text: the request (or what is left of it once references and years are removed).
        words: also drop single filler words (:data:`FILLER_WORDS`), as lexical matching wants.

    Returns:
        A :class:`FillerResult`; ``.empty`` when nothing is left to match.
    """
    t = _prepare(text)
    dropped: list[str] = []

    def repl(m: re.Match[str]) -> str:
        dropped.append(" ".join(m.group(0).split()))
        return " , "

    t = _filler_re().sub(repl, t)
    # variant spellings are one unit: the "and" of "r and b" or "drum and bass" is no filler
    pattern, names = _variant_re()
    phrases: list[str] = []

    def hold(m: re.Match[str]) -> str:
        phrases.append(names[m.lastgroup or ""][1])
        return f" \x00{len(phrases) - 1}\x00 "

    t = pattern.sub(hold, t)
    kept: list[str] = []
    for w in re.findall(r"\x00\d+\x00|[^\W_]+(?:[-&][^\W_]+)*", t):
        if w.startswith("\x00"):
            kept.append(phrases[int(w.strip("\x00"))])
        elif words and w in FILLER_WORDS:
            dropped.append(w)
        else:
            kept.append(w)
    return FillerResult(" ".join(kept), tuple(dropped))


__all__ = [
    "FILLER_PHRASES",
    "FILLER_WORDS",
    "VARIANTS",
    "FillerResult",
    "fold_accents",
    "normalize_phrases",
    "normalize_terms",
    "strip_filler",
]
