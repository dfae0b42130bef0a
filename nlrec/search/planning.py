"""From text to a request ready for ranking, once per search, at the top of the stack.

:func:`plan_for` asks :mod:`nlrec.request` for the :class:`~nlrec.request.plan.RequestPlan`
(with the index's names, words and years as :class:`~nlrec.request.plan.CatalogFacts`, and the
``--where`` filter read once by :class:`~nlrec.search.options.SearchOptions`); :func:`ready` adds
what only the index knows:

* **References as "more like this"**: the named items' descriptor-set vectors (stored in the dense
  index) are averaged per reference and blended with the embedding of the rest of the request
  (half and half); their most specific descriptors (the rarest in the catalog) join the lexical
  query. A ``like`` reference's items are not recommended; a ``lookup``'s come first. Each hit
  says which reference it came from and which descriptors it shares with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from nlrec.request.plan import CatalogFacts, RequestPlan, plan_request
from nlrec.search.options import SearchOptions
from nlrec.search.results import ReferenceNote, Request
from nlrec.text import terms

if TYPE_CHECKING:
    from nlrec.index import Index

REFERENCE_WEIGHT = 0.5
"""Share of the referenced items' vector in the dense query when the request has other content."""
EXPANSION_TERMS = 10
"""Descriptors of each referenced item added to the lexical query (most specific first). Chosen on
the dev half of ``eval/requests/like_x.jsonl`` (P@10 0.318 with 5, 0.351 with 10, 0.350 with 20)."""


def catalog_facts(index: Index) -> CatalogFacts:
    """What planning needs to know about ``index`` (computed once per index)."""

    def compute() -> CatalogFacts:
        names = index.names()
        words = None if names is not None else frozenset(terms(" ".join(index.documents)))
        tracks = index.tracks
        step = max(1, len(tracks) // 2000)  # a sample of up to 2,000 tracks
        has_years = any(tracks[i].year is not None for i in range(0, len(tracks), step))
        return CatalogFacts(names=names, words=words, has_years=has_years)

    return index.memo("catalog_facts", compute)


def plan_for(index: Index, options: SearchOptions, text: str) -> RequestPlan:
    """The plan of ``text`` for a search of ``index`` with ``options``."""
    understand, negations = options.understand, options.negation != "off"
    facts = catalog_facts(index) if understand else CatalogFacts()
    return plan_request(text, facts, understand=understand, negations=negations, exclude=options.exclude,
                        where=options.filter)


def request_plan(text: str, index: Index | None = None, *, exclude: Sequence[str] = ()) -> RequestPlan:
    """The plan ``nlrec query`` would search ``text`` (white space normalised) with, with the
    default options; ``index`` gives the names and years (None: no catalog). ``nlrec parse`` and
    the server's ``/parse`` answer with it."""
    if index is None:
        return plan_request(text, exclude=tuple(exclude))
    return plan_for(index, SearchOptions(exclude=tuple(exclude)), text)


def _doc_frequency(index: Index) -> Counter[str]:
    def count() -> Counter[str]:
        df: Counter[str] = Counter()
        for doc in index.documents:
            df.update(set(doc.split(", ")))
        return df

    return index.memo("descriptor_df", count)


def ready(index: Index, options: SearchOptions, plan: RequestPlan) -> Request:
    """``plan`` with what the index adds: the named items' vectors, rows and descriptors."""
    request = Request(plan=plan, query=plan.wanted, lexical=plan.matched)
    if not plan.references:
        return request
    refs, vectors, hide, boost, expansion = [], [], set(), [], Counter()
    dense = index.retriever("dense", model=options.model) if not options.lexical else None
    df = _doc_frequency(index)
    for ref in plan.references:
        rows = [r for r in (index.row_of(item) for item in ref.items) if r is not None]
        if not rows:
            continue
        docs = list(dict.fromkeys(int(index.track_doc[r]) for r in rows))
        descriptors: Counter[str] = Counter()
        for r in rows:
            descriptors.update(index.tracks[r].descriptors)
        refs.append(ReferenceNote(ref.label, frozenset(docs), frozenset(descriptors)))
        # the most specific descriptors: carried by many of the named items, rare in the catalog
        ranked = sorted(descriptors, key=lambda d: (-descriptors[d], df.get(d, 0), d))
        expansion.update(ranked[:EXPANSION_TERMS])
        if dense is not None:
            v = dense.vectors_of(docs).mean(axis=0)
            vectors.append(v / (np.linalg.norm(v) or 1.0))
        if ref.role == "like":
            hide.update(index.tracks[r].id for r in rows)
        else:
            boost += docs
    if not refs:
        return request
    vector = None
    if vectors:
        vector = np.mean(vectors, axis=0)
        if request.query:
            q = index.encoder(options.model).encode([request.query])[0]
            vector = REFERENCE_WEIGHT * vector / (np.linalg.norm(vector) or 1.0) + (1 - REFERENCE_WEIGHT) * q
        vector = (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)
    extra = " ".join(t for t, _ in expansion.most_common(2 * EXPANSION_TERMS))
    lexical = f"{request.lexical or ''} {extra}".strip()
    return Request(plan=plan, query=request.query, lexical=lexical, vector=vector, hide=frozenset(hide),
                   boost=tuple(boost), references=tuple(refs))
