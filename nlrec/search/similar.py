"""Item-to-item neighbours: "more like this track", "more like this artist".

The reference is a track id, an artist ("Portishead"), a title ("Glory Box") or "Title - Artist",
resolved with the index's :class:`~nlrec.request.names.NameIndex` (case, accents, "the" and typos
forgiven). The referenced items' descriptor-set vectors (stored in the dense index) are averaged
and searched like a request; the referenced items themselves are left out, and each neighbour
says which descriptors it shares with them (``Hit.matched``).

Example:
    >>> from nlrec.index import open_index                                   # doctest: +SKIP
    >>> [h.id for h in similar(open_index("mine"), "Portishead", k=5).hits]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.errors import NlrecError
from nlrec.search.options import check_k
from nlrec.search.results import Hit

if TYPE_CHECKING:
    from nlrec.index import Index


class UnknownTrackError(NlrecError):
    """A track id or name that is not in the index."""


@dataclass
class Similar:
    """Neighbours of a reference.

    Attributes:
        reference: what the reference resolved to: ``{"query", "kind", "name", "ids"}``.
        hits: the neighbours, closest first.
    """

    reference: dict[str, Any]
    hits: list[Hit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "hits": [h.to_dict() for h in self.hits]}


def track_row(index: Index, track_id: str) -> int:
    """The catalog row of ``track_id``.

    Raises:
        UnknownTrackError: if no track has that id.
    """
    row = index.row_of(track_id)
    if row is None:
        raise UnknownTrackError(f"no track with id {str(track_id)[:80]!r} in index {index.name!r}")
    return row


def resolve(index: Index, ref: str) -> dict[str, Any]:
    """A track id, artist, title or "Title - Artist" -> ``{"query", "kind", "name", "ids"}``.

    Raises:
        UnknownTrackError: when nothing in the index matches.
    """
    ref = " ".join(str(ref).split())
    if index.row_of(ref) is not None:
        return {"query": ref, "kind": "id", "name": ref, "ids": [ref]}
    names = index.names()
    if names is not None and ref:
        title, _, artist = ref.rpartition(" - ") if " - " in ref else ("", "", "")
        if title and artist:
            by_artist = {i for m in names.lookup(artist, kinds=["artist"]) for i in m.items}
            for m in names.lookup(title, kinds=["track"]):
                ids = [i for i in m.items if i in by_artist]
                if ids:
                    return {"query": ref, "kind": "track", "name": f"{m.name} - {artist}", "ids": ids}
        for kinds in (["artist"], ["track"], ["album"]):
            found = names.lookup(ref, kinds=kinds)
            if found:
                m = found[0]
                return {"query": ref, "kind": m.kind, "name": m.name, "ids": list(m.items)}
    raise UnknownTrackError(f"no track id, artist or title {ref[:80]!r} in index {index.name!r}")


def similar(index: Index, ref: str, k: int = 10, *, model: str | None = None) -> Similar:
    """The ``k`` tracks whose descriptor sets are closest (cosine) to the reference's.

    Raises:
        UnknownTrackError: for a reference that is not in the index.
    """
    check_k(k)
    resolved = resolve(index, ref)
    rows = [r for r in (index.row_of(i) for i in resolved["ids"]) if r is not None]
    skip = set(rows)
    docs = list(dict.fromkeys(int(index.track_doc[r]) for r in rows))
    shared: Counter[str] = Counter()
    for r in rows:
        shared.update(index.tracks[r].descriptors)
    dense = index.retriever("dense", model=model)
    v = np.mean([dense.index.reconstruct(d) for d in docs], axis=0)
    vector = (v / (np.linalg.norm(v) or 1.0)).astype(np.float32)[None, :]
    out = Similar(reference=resolved)
    depth = k + len(skip) + 1
    while True:
        ranking = dense.search_vectors(vector, min(depth, len(index.documents)))[0]
        out.hits = []
        for d, score in zip(ranking.doc_ids.tolist(), ranking.scores.tolist()):
            for r in index.doc_tracks[d]:
                if r in skip:
                    continue
                t = index.tracks[r]
                out.hits.append(Hit(rank=len(out.hits) + 1, id=t.id, score=float(score), descriptors=list(t.descriptors),
                                    title=t.title, artist=t.artist, year=t.year,
                                    matched=[x for x in t.descriptors if x in shared], metadata=t.metadata))
                if len(out.hits) == k:
                    return out
        if len(ranking) < depth or depth >= len(index.documents):
            return out
        depth *= 4
