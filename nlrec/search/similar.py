"""Item-to-item neighbours: "more like this track".

The reference track's descriptor-set vector (stored in the dense index) is searched like a
request; the track itself is left out, and each neighbour says which descriptors it shares with
the reference (``Hit.matched``).

Example:
    >>> from nlrec.index import open_index                                   # doctest: +SKIP
    >>> [h.id for h in similar(open_index("mine"), "t42", k=5)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nlrec.errors import NlrecError
from nlrec.search.options import check_k
from nlrec.search.results import Hit

if TYPE_CHECKING:
    from nlrec.index import Index


class UnknownTrackError(NlrecError):
    """A track id that is not in the index."""


def track_row(index: Index, track_id: str) -> int:
    """The catalog row of ``track_id`` (an index of the id column is built on first use).

    Raises:
        UnknownTrackError: if no track has that id.
    """
    row = index.row_of(track_id)
    if row is None:
        raise UnknownTrackError(f"no track with id {str(track_id)[:80]!r} in index {index.name!r}")
    return row


def similar(index: Index, track_id: str, k: int = 10, *, model: str | None = None) -> list[Hit]:
    """The ``k`` tracks whose descriptor sets are closest to ``track_id``'s (cosine).

    Raises:
        UnknownTrackError: for an id that is not in the index.
    """
    check_k(k)
    row = track_row(index, track_id)
    ref = index.tracks[row]
    doc = int(index.track_doc[row])
    dense = index.retriever("dense", model=model)
    vector = np.asarray(dense.index.reconstruct(doc), dtype=np.float32)[None, :]
    shared = set(ref.descriptors)
    hits: list[Hit] = []
    depth = k + 1
    while True:
        ranking = dense.search_vectors(vector, min(depth, len(index.documents)))[0]
        hits = []
        for d, score in zip(ranking.doc_ids.tolist(), ranking.scores.tolist()):
            for r in index.doc_tracks[d]:
                if r == row:
                    continue
                t = index.tracks[r]
                hits.append(Hit(rank=len(hits) + 1, id=t.id, score=float(score), descriptors=list(t.descriptors),
                                title=t.title, artist=t.artist, year=t.year,
                                matched=[x for x in t.descriptors if x in shared], metadata=t.metadata))
                if len(hits) == k:
                    return hits
        if len(ranking) < depth or depth >= len(index.documents):
            return hits
        depth *= 4
