"""Does a descriptor set carry a negated facet? Lexical matching plus descriptor polarity.

A descriptor can *carry* a facet ("male vocal" carries "vocals") or *deny* it ("no voices",
"instrumental", "no percussion" deny vocals / vocals / drums). A denial is an absence, never
a presence: a clip tagged "instrumental" is kept for "without vocals". A descriptor set is
excluded when one of its descriptors carries a negated facet, even if another one denies it
(contradicting tags are resolved towards exclusion).

Lexical matching uses the curated lexicon (:mod:`nlrec.negation.lexicon`); an optional
:class:`~nlrec.negation.semantic.SemanticMatcher` adds descriptors whose embedding is close to
the facet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from nlrec.request.lexicon import FacetPattern, Lexicon, load_lexicon, stems
from nlrec.request.negations import parse_request

if TYPE_CHECKING:
    from nlrec.negation.semantic import SemanticMatcher


@dataclass(frozen=True)
class Polarity:
    """What one descriptor affirms and what it denies.

    Attributes:
        affirmed: the descriptor with its negations removed ("" for "no voices").
        denied: facets the descriptor states are absent ("vocals" for "instrumental").
    """

    affirmed: str
    denied: tuple[str, ...] = ()

    @property
    def is_negative(self) -> bool:
        return bool(self.denied)


@lru_cache(maxsize=65536)
def polarity(descriptor: str) -> Polarity:
    """Split a descriptor into what it affirms and what it denies (cached).

    Example:
        >>> polarity("no percussion").denied
        ('percussion',)
        >>> polarity("instrumental hip-hop").denied
        ('vocals',)
    """
    lexicon = load_lexicon()
    parsed = parse_request(descriptor, lexicon=lexicon)
    denied = tuple(dict.fromkeys([*parsed.negative, *lexicon.absences(descriptor)]))
    return Polarity(parsed.positive if denied else descriptor, denied)


@dataclass
class NegationVerdict:
    """Why a descriptor set is excluded, demoted or kept for a request's negated facets.

    Attributes:
        facets: the negated facets that were checked.
        excluded_by: descriptors that carry a negated facet (the set violates the request).
        absent: descriptors that state a negated facet is absent ("instrumental").
        violated: the negated facets found.
        semantic: descriptors matched only by embedding similarity (a subset of excluded_by).
    """

    facets: list[str]
    excluded_by: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    violated: list[str] = field(default_factory=list)
    semantic: list[str] = field(default_factory=list)

    @property
    def is_violation(self) -> bool:
        return bool(self.excluded_by)

    def to_dict(self) -> dict[str, Any]:
        return {
            "facets": list(self.facets),
            "excluded_by": list(self.excluded_by),
            "absent": list(self.absent),
            "violated": list(self.violated),
            "semantic": list(self.semantic),
        }


class FacetMatcher:
    """Judges descriptor sets against a request's negated facets.

    Args:
        facets: negated facets, e.g. ``["vocals", "electric guitar"]``.
        lexicon: the facet lexicon (default: the packaged one).
        semantic: optional embedding matcher for descriptors the lexicon does not know.

    Example:
        >>> m = FacetMatcher(["vocals"])
        >>> m.judge(["piano", "male vocal"]).excluded_by
        ['male vocal']
        >>> m.judge(["piano", "instrumental"]).absent
        ['instrumental']
    """

    def __init__(
        self,
        facets: Sequence[str],
        *,
        lexicon: Lexicon | None = None,
        semantic: SemanticMatcher | None = None,
    ) -> None:
        self.lexicon = lexicon or load_lexicon()
        self.facets = list(dict.fromkeys(facets))
        self.patterns: list[FacetPattern] = [self.lexicon.pattern(f) for f in self.facets]
        self.semantic = semantic

    def carried(self, descriptor: str) -> list[str]:
        """Negated facets a descriptor carries lexically (none if it only denies them)."""
        pol = polarity(descriptor)
        tokens = stems(pol.affirmed)
        return [p.facet for p in self.patterns if tokens and p.matches(tokens)]

    def denied(self, descriptor: str) -> list[str]:
        """Negated facets a descriptor states are absent."""
        pol = polarity(descriptor)
        out = []
        for p in self.patterns:
            for d in pol.denied:
                broader = self.lexicon.pattern(d)
                if p.matches(d) or broader.matches(p.facet) or (
                    p.canonical is not None and p.canonical == broader.canonical and not p.required
                ):
                    out.append(p.facet)
                    break
        return out

    def judge(self, descriptors: Sequence[str]) -> NegationVerdict:
        """The verdict for one descriptor set."""
        return self.judge_many([descriptors])[0]

    def judge_many(self, descriptor_sets: Iterable[Sequence[str]]) -> list[NegationVerdict]:
        """Verdicts for many descriptor sets (semantic look-ups batched)."""
        sets = [list(s) for s in descriptor_sets]
        lexical = [[(d, self.carried(d), self.denied(d)) for d in s] for s in sets]
        sem: dict[str, list[str]] = {}
        if self.semantic is not None and self.facets:
            todo = {
                d.strip().lower()
                for rows in lexical
                for d, carried, _ in rows
                if not carried and not polarity(d).is_negative and d.strip()
            }
            sem = self.semantic.matches(self.patterns, sorted(todo))
        verdicts = []
        for rows in lexical:
            v = NegationVerdict(list(self.facets))
            violated: list[str] = []
            for d, carried, denied in rows:
                by_embedding = [] if carried else sem.get(d.strip().lower(), [])
                if carried or by_embedding:
                    v.excluded_by.append(d)
                    violated += carried or by_embedding
                    if by_embedding:
                        v.semantic.append(d)
                elif denied:
                    v.absent.append(d)
            v.violated = [f for f in self.facets if f in violated]
            verdicts.append(v)
        return verdicts


def precompute_vectors(encoder: Any, descriptor_sets: Any, progress: Any = None) -> int:
    """Embed every distinct descriptor of a catalog, and the lexicon's facets, into the vector
    cache (on disk unless ``NLREC_VECTOR_CACHE=off``), as the negation matcher will ask for them.

    Called at build time, while the encoder is loaded, so that the first negated request on a new
    index does not pay for it. Returns the number of texts newly embedded.
    """
    import os

    from nlrec.negation.semantic import _MAX_CACHED, _vector_cache

    if os.environ.get("NLREC_VECTOR_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return 0  # vectors kept in memory only (nlrec bench): they would not outlive the build
    texts: dict[str, None] = dict.fromkeys(load_lexicon().facets)
    for ds in descriptor_sets:
        for d in ds:
            key = d.strip().lower()
            if key and len(texts) < _MAX_CACHED and not polarity(d).is_negative:
                texts[key] = None
    cache = _vector_cache(encoder)
    before = cache.encoded
    cache.encode(list(texts), progress=progress)
    try:
        cache.save()
    except OSError:  # a read-only or full home: the first negated request embeds them instead
        pass
    return cache.encoded - before
