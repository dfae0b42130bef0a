"""Structured requests: one call turns a request into what a searcher needs.

``parse("songs like Portishead but no vocals, 90s, any suggestions?", names)`` gives:

* ``references``: the artists / tracks / albums named and resolved in the catalog (``names``);
  ``unresolved``: those named but not in the catalog (all of them when no ``names`` is given);
* ``years``: decades and ranges (a filter when the catalog has years, else decade descriptors:
  :meth:`StructuredRequest.decade_terms`);
* ``negative``: the excluded facets (:func:`nlrec.request.negations.parse_request`, run on the
  request with references and years masked, so "No Quarter by Led Zeppelin" excludes nothing);
* ``positive``: the wanted text without exclusions, references and years (for dense encoders);
* ``content``: ``positive`` without filler, lower-cased (for lexical matching; pass it through
  :func:`nlrec.request.language.normalize_terms` like the documents); ``filler``: what was dropped.

:attr:`StructuredRequest.nothing_to_match` is true when no content and no resolved reference
remain ("any suggestions?"): a searcher should say so instead of ranking noise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from nlrec.errors import QueryError
from nlrec.request.cues import PLAY_CUES
from nlrec.request.language import strip_filler
from nlrec.request.names import NameIndex
from nlrec.request.negations import MAX_REQUEST_CHARS, parse_request
from nlrec.request.references import CUES_BEFORE, Reference, find_references
from nlrec.request.years import YearMention, find_years

_MASK = " ; "
_CUE_TAIL = re.compile(
    r"(?:\b(?:songs?|music|tracks?|stuff|artists?|bands?|something|anything)\s+)?(?:\b(?:"
    + "|".join(sorted((r"\s+".join(c) for c in (*CUES_BEFORE, *PLAY_CUES) if c != ("x",)), key=len, reverse=True))
    + r"|by|from)\s*)$",
    re.IGNORECASE,
)
_DANGLING = re.compile(r"(?:\s*[;,]\s*)+")


@dataclass(frozen=True)
class StructuredRequest:
    """A request understood (see the module docstring).

    Attributes:
        text: the request as given (whitespace collapsed).
        positive: what is wanted, without exclusions, references and years.
        negative: facets that must be absent ("vocals", "dubstep").
        references: names resolved in the catalog, left to right.
        unresolved: names found (cued) but not in the catalog.
        years: year expressions, each with a :class:`~nlrec.request.years.YearRange`.
        filler: filler dropped from ``positive`` to make ``content``.
        content: what is left to match lexically (lower-cased; may be empty).
        cues: the negated spans found ("without the dubstep").
    """

    text: str
    positive: str
    negative: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    unresolved: tuple[Reference, ...] = ()
    years: tuple[YearMention, ...] = ()
    filler: tuple[str, ...] = ()
    content: str = ""
    cues: tuple[str, ...] = ()

    @property
    def nothing_to_match(self) -> bool:
        """True when there is no content, no resolved reference and no year to search for."""
        return not self.content and not self.references and not self.years

    def reference_items(self) -> dict[str, float]:
        """Catalog items the references resolve to, with their best score ("more like these")."""
        out: dict[str, float] = {}
        for ref in self.references:
            for item, score in ref.matches:
                out[item] = max(score, out.get(item, 0.0))
        return out

    def decade_terms(self, negated: bool = False) -> tuple[str, ...]:
        """Decade descriptors ("80s") of the wanted (or, with ``negated``, excluded) years."""
        terms: list[str] = []
        for y in self.years:
            if y.range.negated == negated:
                terms += y.range.descriptors
        return tuple(dict.fromkeys(terms))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``nlrec parse --json`` prints)."""
        return {
            "text": self.text,
            "positive": self.positive,
            "negative": list(self.negative),
            "references": [r.to_dict() for r in self.references],
            "unresolved": [r.to_dict() for r in self.unresolved],
            "years": [y.to_dict() for y in self.years],
            "filler": list(self.filler),
            "content": self.content,
            "nothing_to_match": self.nothing_to_match,
            "cues": list(self.cues),
        }


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span (and a cue right before it: "like", "by") replaced by ``;``."""
    out, last = [], 0
    for a, b in sorted(spans):
        if a < last:
            continue
        before = text[last:a]
        if text[a - 1 : a] in "\"'\u201c":
            before = before[:-1]
        before = _CUE_TAIL.sub("", before)
        out += [before, _MASK]
        last = b
        if text[last : last + 2] in ("'s", "\u2019s"):
            last += 2
        elif text[b : b + 1] in "\"'\u201d":
            last += 1
    out.append(text[last:])
    return "".join(out)


_EDGE_WORDS = r"(?:and|or|but|with|from|the|of|in|by|to|a|an)"
_EDGE_BEFORE = re.compile(rf"(?:\s+{_EDGE_WORDS}\b)+\s*(?=;|$)", re.IGNORECASE)
_EDGE_AFTER = re.compile(rf"(?:(?<=;)|^)\s*(?:{_EDGE_WORDS}\s+)+", re.IGNORECASE)


def _clean(text: str) -> str:
    t = text
    for _ in range(2):
        t = _EDGE_AFTER.sub(" ", _EDGE_BEFORE.sub(" ", t))
    t = _DANGLING.sub(", ", t)
    t = re.sub(r"\s+", " ", t).strip(" ,;")
    return re.sub(r"\s+([,.;:!?)])", r"\1", t)


def parse(
    text: str,
    names: NameIndex | None = None,
    *,
    exclude: Iterable[str] = (),
    keep_unresolved: bool | Callable[[Reference], bool] = False,
    negations: bool = True,
) -> StructuredRequest:
    """Understand a request (see the module docstring).

    Args:
        text: the request as the user wrote it.
        names: the catalog's :class:`~nlrec.request.names.NameIndex` (``None``: cued
            references are found but left unresolved).
        exclude: facets to exclude by hand (``--exclude``).
        keep_unresolved: leave names that resolve to nothing in the wanted text (all of them, or
            those a predicate accepts: in a catalog without artists or titles, a cued span made of
            the catalog's own descriptor words, "tropical summer vibes", is a description). They
            are still listed in ``unresolved``.
        negations: split off the excluded facets (False: negation words stay in the wanted text).

    Returns:
        A :class:`StructuredRequest`.

    Raises:
        QueryError: when ``text`` is longer than :data:`~nlrec.request.negations.MAX_REQUEST_CHARS`.

    Example:
        >>> r = parse("something like M2U's Magnolia, without the dubstep")
        >>> [u.span for u in r.unresolved], r.negative, r.content
        (['M2U', 'Magnolia'], ('dubstep',), '')
    """
    raw = str(text)
    if len(raw) > MAX_REQUEST_CHARS:
        raise QueryError(f"request too long ({len(raw):,} characters; at most {MAX_REQUEST_CHARS:,})")
    original = " ".join(raw.split())
    years = find_years(original)
    refs = find_references(original, names, skip=[(y.start, y.end) for y in years])
    keep = keep_unresolved if callable(keep_unresolved) else (lambda r: bool(keep_unresolved))
    spans = [(r.start, r.end) for r in refs if r.resolved or not keep(r)]
    masked = _clean(_mask(original, spans + [(y.start, y.end) for y in years]))
    if negations:
        neg = parse_request(masked.replace(", ", " ; ") if masked != original else masked, exclude)
        positive, negative, cues = _clean(neg.positive), neg.negative, neg.cues
    else:
        positive, negative, cues = _clean(masked), (), ()
    filler = strip_filler(positive)
    return StructuredRequest(
        text=original,
        positive=positive,
        negative=negative,
        references=tuple(r for r in refs if r.resolved),
        unresolved=tuple(r for r in refs if not r.resolved),
        years=tuple(years),
        filler=filler.dropped,
        content=filler.text,
        cues=cues,
    )


__all__ = ["StructuredRequest", "parse"]
