""""More like this" inside a search: a track's neighbours with the request's exclusions, filter
and taste profile kept (``POST /search`` with ``like``).

A layer of the search stack (:func:`nlrec.search.build_searcher`'s ``layers``) replaces what
the request asks for with the track itself (its descriptor-set vector for the dense side, its
descriptors for the lexical side) and hides the track; everything else the request says (its
negations, ``exclude``, ``where``, its years, a profile above) applies as in any search.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nlrec.search.results import Request
from nlrec.search.searcher import Searcher, SearcherWrapper


class LikeTrackSearcher(SearcherWrapper):
    """Ranks tracks like catalog row ``row`` under the request's other constraints."""

    def __init__(self, inner: Searcher, row: int) -> None:
        super().__init__(inner)
        self.row = row

    def prepare(self, text: str) -> Request:
        base = self.inner.prepare(text)
        index = self.index
        track = index.tracks[self.row]
        doc = int(index.track_doc[self.row])
        wanted = ", ".join(track.descriptors)
        vector = None
        if self.options.mode not in ("bm25", "tfidf"):
            vector = index.retriever("dense", model=self.options.model).vectors_of([doc])[0]
        structured = base.structured
        if structured is not None:
            structured = dataclasses.replace(structured, positive=wanted, content=wanted.lower(), references=(),
                                             unresolved=())
        return dataclasses.replace(base, query=wanted, lexical=wanted, vector=vector, structured=structured,
                                   negation=structured if structured is not None else base.negation,
                                   hide=base.hide | {track.id}, boost=(), references=())


def like_layer(row: int) -> Any:
    """The layer for :func:`~nlrec.search.build_searcher` (innermost, below a profile)."""
    return lambda inner: LikeTrackSearcher(inner, row)
