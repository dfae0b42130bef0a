""""More like this" inside a search: a track's neighbours with the request's exclusions, filter
and taste profile kept (``/search`` with ``like``).

The request is planned as any other (:func:`nlrec.search.planning.plan_for`); what it asks for is
then replaced by one ``like`` reference to the track, the same plan ``nlrec similar`` searches
(:meth:`~nlrec.search.searcher.Searcher.search_plans`): the track's descriptor-set vector on the
dense side, its most specific descriptors on the lexical side, the track itself hidden. Everything
else the request says (its exclusions, ``exclude``, ``where``, its release years, a profile above)
applies as in any search.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from nlrec.request.plan import PlannedReference, RequestPlan
from nlrec.request.spans import Reference
from nlrec.search.options import SearchOptions, clean_query
from nlrec.search.planning import plan_for

if TYPE_CHECKING:
    from nlrec.index import Index

DEFAULT_TEXT = "more like this"
"""The request's text when only ``like`` is given."""


def like_plan(index: Index, options: SearchOptions, row: int, text: str) -> RequestPlan:
    """The plan of ``text`` with what it asks for replaced by catalog row ``row`` (to be like)."""
    track = index.tracks[row]
    base = plan_for(index, options, clean_query(text if text.strip() else DEFAULT_TEXT))
    label = " - ".join(x for x in (track.title, track.artist) if x) or track.id
    ref = Reference(span=label, start=0, end=0, kind="track", matches=((track.id, 1.0),), cued=True, name=label)
    return dataclasses.replace(base, wanted="", matched="", positive="", content="", nothing_to_match=False,
                               references=(PlannedReference(ref, "like"),), unresolved=(),
                               years=tuple(y for y in base.years if y.filtered))
