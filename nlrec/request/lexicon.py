"""The curated facet lexicon: which descriptor words count as a facet such as "vocals" or "drums".

The data lives in ``nlrec/data/negation_facets.json`` (edit it to teach nlrec new synonyms):

* ``facets``: canonical facet -> variant phrases ("vocals": "male voice", "singing", "rap", ...);
* ``except``: phrases that contain a variant but are not the facet ("bass drum" is no bass);
* ``contrast``: word groups whose members exclude each other ("electric" vs "acoustic");
* ``modifiers``: facets that read as adjectives, so "no 80s synths" stays one facet;
* ``absence_markers``: descriptor words that state an absence ("instrumental" = no vocals).

Phrases are compared as sequences of Snowball-stemmed words (hyphens split words), so
"drumming", "drums" and "drum" are one word and "e-guitar" is "e guitar".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

Stems = tuple[str, ...]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Words never part of a facet ("no *the* drums", "without *any* vocals").
FILLER = frozenset("a an any the some too so very overly really real much many more of".split())


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover - PyStemmer is a dependency
        return None


def normalize(text: str) -> str:
    """Lower-case; drop apostrophes ("isn't" -> "isnt", "80's" -> "80s"); ``&`` -> ``and``."""
    t = str(text).lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return t.replace("'", "").replace("&", " and ")


def words(text: str) -> list[str]:
    """Lower-case words of ``text`` (hyphenated words split: "e-guitar" -> "e", "guitar")."""
    return _WORD.findall(normalize(text))


@lru_cache(maxsize=131072)
def stems(text: str) -> Stems:
    """Stemmed words of ``text`` (fillers such as "the" and "any" kept; see :data:`FILLER`)."""
    ws = words(text)
    st = _stemmer()
    return tuple(st.stemWords(ws)) if st else tuple(ws)


def contains(haystack: Stems, needle: Stems) -> bool:
    """Whether ``needle`` occurs as a contiguous run of ``haystack``."""
    n = len(needle)
    if not n or n > len(haystack):
        return False
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _mask(tokens: Stems, spans: tuple[Stems, ...]) -> Stems:
    """``tokens`` with every occurrence of a span replaced by a placeholder."""
    out = list(tokens)
    for span in spans:
        n = len(span)
        for i in range(len(out) - n + 1):
            if tuple(out[i : i + n]) == span:
                out[i : i + n] = ["\0"] * n
    return tuple(out)


@dataclass(frozen=True)
class FacetPattern:
    """How one negated facet is recognised in a descriptor.

    Attributes:
        facet: the facet as the user wrote it (canonicalised: "vocal-free" -> "vocals").
        canonical: the lexicon facet it resolved to, or ``None`` for a free phrase.
        variants: stemmed phrases, any of which (contiguous) makes a descriptor carry the facet.
        required: stemmed words that must also occur (contrasting modifiers: "male" in
            "male vocals" when that is not a lexicon facet itself).
        excepts: stemmed phrases ignored before matching ("bass drum" for "bass").
    """

    facet: str
    canonical: str | None
    variants: tuple[Stems, ...]
    required: frozenset[str] = frozenset()
    excepts: tuple[Stems, ...] = ()

    def matches(self, descriptor: str | Stems) -> bool:
        """Whether a (positive) descriptor carries this facet, lexically."""
        tokens = stems(descriptor) if isinstance(descriptor, str) else descriptor
        if self.excepts:
            tokens = _mask(tokens, self.excepts)
        if self.required and not self.required <= set(tokens):
            return False
        return any(contains(tokens, v) for v in self.variants)


@dataclass(frozen=True)
class Lexicon:
    """The facet lexicon (see the module docstring); build it with :func:`load_lexicon`."""

    facets: dict[str, tuple[Stems, ...]]
    excepts: dict[str, tuple[Stems, ...]] = field(default_factory=dict)
    contrast: tuple[frozenset[str], ...] = ()
    modifiers: frozenset[str] = frozenset()
    absence_markers: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lexicon:
        facets = {
            name: tuple(dict.fromkeys([stems(name), *(stems(v) for v in variants)]))
            for name, variants in data.get("facets", {}).items()
        }
        return cls(
            facets=facets,
            excepts={k: tuple(stems(v) for v in vs) for k, vs in data.get("except", {}).items()},
            contrast=tuple(frozenset(s for w in g for s in stems(w)) for g in data.get("contrast", [])),
            modifiers=frozenset(data.get("modifiers", [])),
            absence_markers={
                tuple(words(k)): tuple(v) for k, v in data.get("absence_markers", {}).items()
            },
        )

    # -- lookups ------------------------------------------------------------------------------
    def canonical(self, phrase: str) -> str | None:
        """The lexicon facet ``phrase`` names ("voice" -> "vocals"), or ``None``.

        A facet's own name wins over another facet listing it as a variant ("rap" -> "rap").
        """
        key = tuple(s for s in stems(phrase) if s not in FILLER)
        if not key:
            return None
        for name, variants in self.facets.items():
            if variants[0] == key:
                return name
        for name, variants in self.facets.items():
            if key in variants:
                return name
        return None

    def known_at(self, tokens: Stems, start: int) -> tuple[int, str | None]:
        """``(length, facet)`` of the longest lexicon phrase starting at ``tokens[start]``.

        ``(0, None)`` when no lexicon phrase starts there.
        """
        best, name = 0, None
        for cname, variants in self.facets.items():
            for v in variants:
                if len(v) > best and tuple(tokens[start : start + len(v)]) == v:
                    best, name = len(v), cname
        return best, name

    def is_known(self, word: str) -> bool:
        """Whether ``word`` alone is a lexicon phrase (e.g. "drum" in "drumless")."""
        key = stems(word)
        return any(key in variants for variants in self.facets.values())

    def contrast_conflict(self, facet: Stems, term: Stems) -> bool:
        """Whether ``term`` contradicts a contrasting word of ``facet`` ("acoustic" vs "electric")."""
        t = set(term)
        for group in self.contrast:
            mine = group.intersection(facet)
            if mine and group.intersection(t) and not mine <= t:
                return True
        return False

    def head_facet(self, term: Stems) -> str | None:
        """The lexicon facet named by the last word of ``term`` ("bass drum" -> "drums")."""
        return self.canonical(term[-1]) if term else None

    def pattern(self, facet: str) -> FacetPattern:
        """Compile a negated facet into a :class:`FacetPattern`.

        A lexicon facet ("vocals", or any variant such as "singing") matches all its variants.
        A phrase that contains a variant ("heavy drums", "soft piano") matches that facet's
        variants; its other words are required only when they are contrasting words ("soft").
        Any other phrase ("screamo", "cheesy") must occur as is (stemmed).
        """
        name = self.canonical(facet)
        if name is not None:
            return FacetPattern(facet, name, self.facets[name], excepts=self.excepts.get(name, ()))
        tokens = tuple(s for s in stems(facet) if s not in FILLER)
        best: tuple[int, int, str, Stems] | None = None  # (length, end, facet, variant)
        for cname, variants in self.facets.items():
            for v in variants:
                ends = [i + len(v) for i in range(len(tokens) - len(v) + 1) if tokens[i : i + len(v)] == v]
                if ends and (best is None or (len(v), ends[-1]) > best[:2]):
                    best = (len(v), ends[-1], cname, v)
        if best is not None:  # the longest variant, the last one on ties (the head noun)
            _, _, cname, v = best
            contrasting = frozenset().union(*self.contrast) if self.contrast else frozenset()
            required = frozenset(t for t in tokens if t not in v and t in contrasting)
            return FacetPattern(facet, cname, self.facets[cname], required, self.excepts.get(cname, ()))
        return FacetPattern(facet, None, (tokens,) if tokens else ())

    def absences(self, descriptor: str) -> tuple[str, ...]:
        """Facets an absence-marker word of ``descriptor`` denies ("instrumental" -> vocals)."""
        ws = tuple(words(descriptor))
        out: list[str] = []
        for marker, facets in self.absence_markers.items():
            n = len(marker)
            if any(ws[i : i + n] == marker for i in range(len(ws) - n + 1)):
                out += facets
        return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The packaged lexicon (``nlrec/data/negation_facets.json``), parsed once."""
    text = resources.files("nlrec").joinpath("data/negation_facets.json").read_text(encoding="utf-8")
    return Lexicon.from_dict(json.loads(text))
