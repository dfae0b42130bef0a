"""References and years as a searcher: "songs like Portishead", "play Glory Box", "90s hip hop".

The request has been understood at the bottom of the stack (:func:`nlrec.request.parse`, with the
index's :class:`~nlrec.request.names.NameIndex`). This layer turns what it found into ranking:

* **References as "more like this"**: the referenced items' descriptor-set vectors (stored in the
  dense index) are averaged per reference and blended with the embedding of the rest of the
  request's content (half and half); their most specific descriptors (the rarest in the catalog)
  join the lexical query. The referenced items themselves are not recommended. A *lookup* (a name
  with no similarity cue: "portishead", "play Glory Box") returns the named items first instead.
  Each hit says which reference it came from and which descriptors it shares with it.
* **Years**: a filter (``year``, unknown years pass) when the catalog has years, otherwise the
  decade descriptors ("80s") join the query.

Unresolved names (named but not in the catalog) were dropped from the text at parse time and are
reported in ``parsed.unresolved``; they are never matched as tags.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Any

import numpy as np

from nlrec.search.results import Request
from nlrec.search.searcher import Searcher, SearcherWrapper

REFERENCE_WEIGHT = 0.5
"""Share of the referenced items' vector in the dense query when the request has other content."""
EXPANSION_TERMS = 10
"""Descriptors of each referenced item added to the lexical query (most specific first). Chosen on
the dev half of ``eval/requests/like_x.jsonl`` (P@10 0.318 with 5, 0.351 with 10, 0.350 with 20)."""
_SIMILAR_BEFORE = re.compile(
    r"(?:\blike|\bsimilar(?:\s+to)?|\bstyle of|\breminds?\s+(?:me\s+)?of|\bsounds?\s+like|\bkind of|\bsuch as"
    r"|\bfans?\s+of|\bif\s+(?:you|i)\s+like|\bvein of|\blines of|\bakin to|\bin the vein|\bvibe of|\bcomparable to"
    r"|\bsame\s+\w+\s+as|\bthe\s+likes\s+of|\binspired by|\binfluenced by|\bmore\s+(?:songs|music|stuff)?\s*(?:from|by)?"
    r"|\bother than|\bbesides|\bapart from)[\s\W]*$",
    re.IGNORECASE,
)
_SIMILAR_AFTER = re.compile(r"^[\s'’]*(?:s\s+)?(?:vibes?|type|esque|-esque|-like|kind of|style|sound)\b", re.IGNORECASE)


class RequestSearcher(SearcherWrapper):
    """Applies a request's references and years (see the module docstring)."""

    def __init__(self, inner: Searcher) -> None:
        super().__init__(inner)
        self._has_years: bool | None = None
        self._df: Counter[str] | None = None

    # -- years ----------------------------------------------------------------------------------
    def has_years(self) -> bool:
        """Whether the catalog has years (a sample of up to 2,000 tracks is looked at)."""
        if self._has_years is None:
            tracks = self.index.tracks
            step = max(1, len(tracks) // 2000)
            self._has_years = self.index.memo("has_years", lambda: any(
                tracks[i].year is not None for i in range(0, len(tracks), step)))
        return self._has_years

    def _years(self, request: Request) -> Request:
        s = request.structured
        if s is None or not s.years:
            return request
        # "from the 80s", "older than 2000", "2015-2016": when the music was released (a filter, if
        # the catalog has years); a bare decade before a style ("80s synthwave", "90s hip hop") is
        # a sound, matched as decade descriptors
        released = [y for y in s.years if _release_cued(s.text, y)]
        style = [y for y in s.years if y not in released]
        if style:
            decades = " ".join(dict.fromkeys(d for y in style if not y.range.negated for d in y.range.descriptors))
            if decades:
                request = dataclasses.replace(request, query=f"{request.query} {decades}".strip(),
                                              lexical=f"{request.lexical or ''} {decades}".strip())
        if not released:
            return request
        if self.has_years():
            parts = []
            for y in released:
                r = y.range
                cond = " and ".join(c for c in (f"year >= {r.lo}" if r.lo is not None else "",
                                                  f"year <= {r.hi}" if r.hi is not None else "") if c)
                if cond:
                    parts.append(f"(year is null or {'not ' if r.negated else ''}({cond}))")
            where = " and ".join(parts) or None
            return dataclasses.replace(request, where=where)
        decades = " ".join(dict.fromkeys(d for y in released if not y.range.negated for d in y.range.descriptors))
        if not decades:
            return request
        lexical = f"{request.lexical or ''} {decades}".strip()
        query = f"{request.query} {decades}".strip()
        return dataclasses.replace(request, query=query, lexical=lexical)

    # -- references ------------------------------------------------------------------------------
    def _doc_frequency(self) -> Counter[str]:
        if self._df is None:
            def count() -> Counter[str]:
                df: Counter[str] = Counter()
                for doc in self.index.documents:
                    df.update(set(doc.split(", ")))
                return df

            self._df = self.index.memo("descriptor_df", count)
        return self._df

    def _references(self, request: Request) -> Request:
        s = request.structured
        if s is None or not s.references:
            return request
        index = self.index
        refs, vectors, hide, boost, expansion = [], [], set(), [], Counter()
        similar = any(_similarity_cued(s.text, r) for r in s.references)
        dense = index.retriever("dense", model=self.options.model) if self.options.mode != "bm25" and \
            self.options.mode != "tfidf" else None
        df = self._doc_frequency()
        for ref in s.references:
            rows = [r for r in (index.row_of(item) for item, _ in ref.matches) if r is not None]
            if not rows:
                continue
            docs = list(dict.fromkeys(int(index.track_doc[r]) for r in rows))
            descriptors: Counter[str] = Counter()
            for r in rows:
                descriptors.update(index.tracks[r].descriptors)
            refs.append({"like": ref.name or ref.span, "docs": frozenset(docs), "descriptors": frozenset(descriptors)})
            # the most specific descriptors: carried by many of the named items, rare in the catalog
            ranked = sorted(descriptors, key=lambda d: (-descriptors[d], df.get(d, 0), d))
            expansion.update(ranked[:EXPANSION_TERMS])
            if dense is not None:
                v = dense.vectors_of(docs).mean(axis=0)
                vectors.append(v / (np.linalg.norm(v) or 1.0))
            if similar:
                hide.update(index.tracks[r].id for r in rows)
            else:
                boost += docs
        if not refs:
            return request
        vector = None
        if vectors:
            vector = np.mean(vectors, axis=0)
            if request.query:
                q = index.encoder(self.options.model).encode([request.query])[0]
                vector = REFERENCE_WEIGHT * vector / (np.linalg.norm(vector) or 1.0) + (1 - REFERENCE_WEIGHT) * q
            vector = (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)
        terms = " ".join(t for t, _ in expansion.most_common(2 * EXPANSION_TERMS))
        lexical = f"{request.lexical or ''} {terms}".strip()
        return dataclasses.replace(request, vector=vector, lexical=lexical, hide=frozenset(hide),
                                   boost=tuple(boost), references=tuple(refs))

    def prepare(self, text: str) -> Request:
        return self._references(self._years(self.inner.prepare(text)))


_RELEASE_BEFORE = re.compile(r"(?:\bfrom|\bin|\bof|\bduring|\bsince|\bbetween|\breleased|\bmade|\bout)\s+(?:the\s+)?$",
                             re.IGNORECASE)
_BARE_DECADE = re.compile(r"^\s*(?:early|mid|late)?[\s-]*(?:'?\d0'?s|(?:19|20)\d0'?s|[a-z]+ties)\s*$", re.IGNORECASE)


def _release_cued(text: str, mention: Any) -> bool:
    """Whether a year expression dates the music ("from the 80s", "before 2000", "2015 era")
    rather than naming a sound ("80s synthwave", "90s hip hop")."""
    if mention.range.negated or not _BARE_DECADE.match(mention.span):
        return True  # ranges, single years, "not from the 80s"
    before = text[max(0, mention.start - 20) : mention.start]
    after = text[mention.end : mention.end + 30].strip().lower()
    return bool(_RELEASE_BEFORE.search(before)) or not after or after[:1] in ",.;!?)" or after.startswith(
        ("music", "songs", "song", "tracks", "stuff", "era", "and", "or", "please"))


def _similarity_cued(text: str, ref: Any) -> bool:
    """Whether a reference is asked for as a model ("like X", "X vibes"), not looked up."""
    before = text[max(0, ref.start - 40) : ref.start]
    after = text[ref.end : ref.end + 12]
    return bool(_SIMILAR_BEFORE.search(before) or _SIMILAR_AFTER.search(after))
