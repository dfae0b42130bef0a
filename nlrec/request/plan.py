"""The request plan: what a request asks for, made once, at the top, before any ranking.

:func:`plan_request` turns a request's text and a few facts about the catalog
(:class:`CatalogFacts`: its names, its descriptor words, whether it has years) into a
:class:`RequestPlan`:

* ``wanted`` / ``matched``: the text the dense side ranks and the text the lexical side ranks
  (without exclusions, names, filler; with the decades a year stands for when it names a sound,
  or when the catalog has no years);
* ``exclusions``: facets that must be absent ("vocals");
* ``references``: the catalog items named, each marked ``like`` ("songs like Portishead": more
  like them, themselves left out) or ``lookup`` ("play Glory Box": them first);
* ``years``: each marked ``release`` (a filter when the catalog has years) or ``style``;
* ``filler``: words dropped as saying nothing about the music;
* ``filter``: the ``--where`` tree and the request's release years, as one
  :class:`~nlrec.request.filters.Filter`.

Searchers only consume the plan; nothing below re-reads the text. :meth:`RequestPlan.to_dict` is
the one serialiser: ``nlrec parse --json``, ``nlrec query --json``, the server's ``/parse`` and
``/search`` and the web page all show it; :func:`describe` turns it into the plain lines of the
``nlrec parse`` table.

Two switches are independent: ``understand`` (names, years, filler; off = the text as typed) and
``negations`` (split off exclusions; off = negation words are searched like any other).

Example:
    >>> plan = plan_request("relaxing piano without vocals, 90s", CatalogFacts(has_years=True))
    >>> plan.wanted, plan.exclusions, plan.filter.expression
    ('relaxing piano', ('vocals',), 'year is null or (year >= 1990 and year <= 1999)')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nlrec.request.filters import Filter, Node, all_of, node_filter, year_node
from nlrec.request.names import NameIndex
from nlrec.request.negations import parse_request
from nlrec.request.parse import parse
from nlrec.request.references import ReferenceRole, reference_role
from nlrec.request.spans import Reference
from nlrec.request.years import YearMention, YearRole, year_role
from nlrec.text import terms


@dataclass(frozen=True)
class CatalogFacts:
    """What planning needs to know about the catalog searched.

    Attributes:
        names: its :class:`~nlrec.request.names.NameIndex` (artists, titles, albums), or None.
        words: its descriptor words (:func:`nlrec.text.terms`); used when it has no names: a cued
            span made of them ("tropical summer vibes") is then a description, not a name.
        has_years: whether its tracks have years (release years become a filter; otherwise they
            are matched as decade descriptors).
    """

    names: NameIndex | None = None
    words: frozenset[str] | None = None
    has_years: bool = False


@dataclass(frozen=True)
class PlannedReference:
    """A catalog item (or several) a request names, and what it is named for."""

    reference: Reference
    role: ReferenceRole

    @property
    def label(self) -> str:
        return self.reference.name or self.reference.span

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(i for i, _ in self.reference.matches)

    def to_dict(self) -> dict[str, Any]:
        return {**self.reference.to_dict(), "role": self.role}


@dataclass(frozen=True)
class PlannedYear:
    """A year expression and what it is for (``filtered``: it became a node of the plan's filter)."""

    mention: YearMention
    role: YearRole
    filtered: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {**self.mention.to_dict(), "role": self.role, "filtered": self.filtered}


@dataclass(frozen=True)
class RequestPlan:
    """A request understood, ready for the searchers (see the module docstring).

    Attributes:
        text: the request (white space normalised).
        wanted: what the dense side ranks.
        matched: what the lexical side ranks (None: ``wanted``).
        positive: what is wanted as the parser read it (shown to the user).
        content: ``positive`` without filler, lower-cased (shown to the user).
        exclusions: facets that must be absent.
        references: catalog items named, each ``like`` or ``lookup``.
        unresolved: names found (cued) but not in the catalog.
        years: year expressions, each ``release`` or ``style``.
        filler: words dropped from ``positive``.
        cues: the negated spans found ("without vocals").
        filter: the ``--where`` filter and the release years, or None.
        understood: False when the text is searched as typed (``understand`` off, or a request with
            nothing to match inside a ``--where`` filter: "music").
        nothing_to_match: no content, no known name, no year and no exclusion: nothing to rank.
    """

    text: str
    wanted: str
    matched: str | None = None
    positive: str = ""
    content: str = ""
    exclusions: tuple[str, ...] = ()
    references: tuple[PlannedReference, ...] = ()
    unresolved: tuple[Reference, ...] = ()
    years: tuple[PlannedYear, ...] = ()
    filler: tuple[str, ...] = ()
    cues: tuple[str, ...] = field(default=(), compare=False)
    filter: Filter | None = None
    understood: bool = True
    nothing_to_match: bool = False

    @property
    def negative(self) -> tuple[str, ...]:
        """The exclusions (the name the negation code and older callers use)."""
        return self.exclusions

    def to_dict(self) -> dict[str, Any]:
        """The plan, JSON-ready: what every surface shows (see the module docstring)."""
        return {
            "text": self.text,
            "positive": self.positive,
            "negative": list(self.exclusions),
            "references": [r.to_dict() for r in self.references],
            "unresolved": [r.to_dict() for r in self.unresolved],
            "years": [y.to_dict() for y in self.years],
            "filler": list(self.filler),
            "content": self.content,
            "nothing_to_match": self.nothing_to_match,
            "cues": list(self.cues),
            "wanted": self.wanted,
            "matched": self.matched if self.matched is not None else self.wanted,
            "filter": self.filter.expression if self.filter is not None else None,
            "understood": self.understood,
        }


def plan_request(
    text: str,
    catalog: CatalogFacts | None = None,
    *,
    understand: bool = True,
    negations: bool = True,
    exclude: Iterable[str] = (),
    where: Filter | None = None,
) -> RequestPlan:
    """Plan a request (see the module docstring).

    Args:
        text: the request, white space normalised.
        catalog: what is known of the catalog searched (default: nothing: no names, no years).
        understand: read names, years and filler (False: the text as typed).
        negations: split off exclusions (False: negation words are searched as words).
        exclude: facets excluded by hand (``--exclude``).
        where: the ``--where`` filter, read once by the caller.

    Raises:
        QueryError: for a request longer than the parser accepts.
    """
    catalog = catalog or CatalogFacts()
    exclude = tuple(exclude)
    if not understand:
        return _as_typed(text, negations, exclude, where)
    keep: Any = False
    if catalog.names is None and catalog.words is not None:
        words = catalog.words
        keep = lambda ref: bool(terms(ref.span)) and terms(ref.span) <= words  # noqa: E731
    s = parse(text, catalog.names, exclude=exclude, keep_unresolved=keep, negations=negations)
    if s.nothing_to_match and not s.negative and where is not None:
        return _as_typed(text, negations, exclude, where)  # "music" within a filter: rank the filtered tracks
    wanted = s.positive or ("" if s.references or s.years else text)
    matched: str | None = s.content if s.positive else wanted
    roles = [(y, year_role(s.text, y)) for y in s.years]

    def decades(ys: list[YearMention]) -> str:
        return " ".join(dict.fromkeys(d for y in ys if not y.range.negated for d in y.range.descriptors))

    style = decades([y for y, role in roles if role == "style"])
    if style:
        wanted, matched = f"{wanted} {style}".strip(), f"{matched or ''} {style}".strip()
    released = [y for y, role in roles if role == "release"]
    nodes: list[Node] = []
    filtered: set[int] = set()
    if released and catalog.has_years:
        for y in released:
            node = year_node(y.range.lo, y.range.hi, y.range.negated)
            if node is not None:
                nodes.append(node)
                filtered.add(id(y))
    elif released:
        extra = decades(released)
        if extra:
            matched, wanted = f"{matched or ''} {extra}".strip(), f"{wanted} {extra}".strip()
    role = reference_role(s.text, s.references)
    return RequestPlan(
        text=text, wanted=wanted, matched=matched, positive=s.positive, content=s.content,
        exclusions=s.negative, references=tuple(PlannedReference(r, role) for r in s.references),
        unresolved=s.unresolved, years=tuple(PlannedYear(y, r, id(y) in filtered) for y, r in roles),
        filler=s.filler, cues=s.cues, filter=all_of(where, node_filter(nodes)) if nodes else where,
        nothing_to_match=s.nothing_to_match and not s.negative,
    )


def _as_typed(text: str, negations: bool, exclude: tuple[str, ...], where: Filter | None) -> RequestPlan:
    """The text as typed; with ``negations``, its exclusions still split off."""
    if not negations:
        return RequestPlan(text=text, wanted=text, positive=text, content=text.lower(), filter=where,
                           understood=False)
    p = parse_request(text, exclude)
    wanted = (p.positive or p.text) if p.negative else text
    return RequestPlan(text=text, wanted=wanted, positive=p.positive, content=p.positive.lower(),
                       exclusions=p.negative, cues=p.cues, filter=where, understood=False)


def describe(plan: RequestPlan) -> list[str]:
    """Plain lines saying how a request was understood (``nlrec parse``; above query tables)."""
    lines = [f"wanted:   {plan.positive or '(anything)'}"]
    if plan.content != plan.positive.lower():
        lines.append(f"matched:  {plan.content or '(nothing)'}   (filler dropped: {', '.join(plan.filler) or '-'})")
    lines.append(f"without:  {', '.join(plan.exclusions) or '(nothing)'}")
    for p in plan.references:
        ref = p.reference
        items = ", ".join(f"{i} ({s:.2f})" for i, s in ref.matches[:5])
        more = f" and {len(ref.matches) - 5} more" if len(ref.matches) > 5 else ""
        lines.append(f"names:    {ref.span!r} = {ref.kind} {ref.name!r} ({p.role}): {items}{more}")
    for ref in plan.unresolved:
        lines.append(f"unknown:  {ref.span!r} ({ref.kind}?) is not in this catalog: left out of matching")
    for y in plan.years:
        r = y.mention.range
        span = f"{r.lo or '...'}-{r.hi or '...'}"
        how = "filter" if y.filtered else ("a sound" if y.role == "style" else "decade descriptors")
        lines.append(f"years:    {y.mention.span!r} = {'not ' if r.negated else ''}{span} ({y.role}: {how})")
    if plan.cues:
        lines.append(f"cues:     {' | '.join(plan.cues)}")
    if plan.filter is not None:
        lines.append(f"filter:   {plan.filter.expression}")
    if plan.nothing_to_match:
        lines.append("nothing to match: the request has no content, known name or year left")
    return lines


__all__ = ["CatalogFacts", "PlannedReference", "PlannedYear", "RequestPlan", "describe", "plan_request"]
