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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.errors import NlrecError
from nlrec.search.options import SearchOptions, check_k
from nlrec.search.results import Hit, track_hit

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


By = Literal["descriptors", "audio", "both"]


def similar(index: Index, ref: str, k: int = 10, *, by: By = "descriptors", model: str | None = None) -> Similar:
    """The ``k`` tracks closest to the reference.

    Args:
        by: ``descriptors`` (cosine of descriptor-set vectors), ``audio`` (the audio tagger's
            embeddings, for indexes built with ``--audio-dir``) or ``both`` (reciprocal rank fusion).

    Raises:
        UnknownTrackError: for a reference that is not in the index.
        NlrecError: for ``audio`` / ``both`` on an index without audio embeddings.
    """
    check_k(k)
    if by not in ("descriptors", "audio", "both"):
        raise NlrecError(f"unknown --by {by!r}; choose descriptors, audio or both")
    resolved = resolve(index, ref)
    rows = [r for r in (index.row_of(i) for i in resolved["ids"]) if r is not None]
    out = Similar(reference={**resolved, "by": by})
    if by == "descriptors":
        out.hits = _by_descriptors(index, resolved, k, model)
        return out
    audio = _by_audio(index, rows, k if by == "audio" else 4 * k)
    if by == "audio":
        out.hits = _hits(index, audio, rows)[:k]
        return out
    from nlrec.encoders.fusion import rrf

    desc = _by_descriptors(index, resolved, 4 * k, model)
    fused = rrf([Ranking(np.asarray([index.row_of(h.id) for h in desc], np.int64), np.asarray([h.score for h in desc])),
                 Ranking(np.asarray([r for r, _ in audio], np.int64), np.asarray([s for _, s in audio]))], k)
    out.hits = _hits(index, list(zip(fused.doc_ids.tolist(), fused.scores.tolist())), rows)
    return out


def _hits(index: Index, ranked: list[tuple[int, float]], ref_rows: list[int]) -> list[Hit]:
    shared: set[str] = set()
    for r in ref_rows:
        shared.update(index.tracks[r].descriptors)
    hits: list[Hit] = []
    for row, score in ranked:
        t = index.tracks[row]
        hits.append(track_hit(t, rank=len(hits) + 1, score=score, matched=[x for x in t.descriptors if x in shared]))
    return hits


def _by_audio(index: Index, rows: list[int], k: int) -> list[tuple[int, float]]:
    """Track rows and scores by audio similarity (mean cosine of the MTT and MSD embedding halves)."""
    from nlrec.audio.embeddings import AudioEmbeddings

    emb = AudioEmbeddings.load(index.path)
    unit = emb.normalized()
    ref = [emb.row(index.tracks[r].id) for r in rows if index.tracks[r].id in emb]
    ref = [r for r in ref if emb.has_audio[r]]
    if not ref:
        raise NlrecError(f"{index.tracks[rows[0]].id!r} has no audio embedding in index {index.name!r}")
    scores = unit @ unit[ref].mean(axis=0)
    scores[~emb.has_audio] = -np.inf
    scores[ref] = -np.inf
    order = np.lexsort((np.arange(len(scores)), -scores))
    order = order[np.isfinite(scores[order])][:k]
    out = []
    for r in order.tolist():
        row = index.row_of(emb.ids[r])
        if row is not None:
            out.append((row, float(scores[r])))
    return out


def _by_descriptors(index: Index, resolved: dict[str, Any], k: int, model: str | None) -> list[Hit]:
    """Neighbours through the search stack: a plan with one ``like`` reference (the resolved items,
    left out of the hits) and nothing else, ranked in dense mode; ``matched`` is what each hit
    shares with the items."""
    from nlrec.request.plan import PlannedReference, RequestPlan
    from nlrec.request.spans import Reference
    from nlrec.search.stack import build_searcher

    kind = resolved["kind"] if resolved["kind"] in ("artist", "track", "album") else "track"
    ref = Reference(span=resolved["query"], start=0, end=len(resolved["query"]), kind=kind,
                    matches=tuple((i, 1.0) for i in resolved["ids"]), cued=True, name=resolved["name"])
    plan = RequestPlan(text=resolved["query"], wanted="", matched="", references=(PlannedReference(ref, "like"),))
    searcher = build_searcher(index, SearchOptions(mode="dense", model=model, negation="off"))
    hits = searcher.search_plans([plan], k)[0].hits
    shared = {d for i in resolved["ids"] if (row := index.row_of(i)) is not None for d in index.tracks[row].descriptors}
    for h in hits:  # explained by what it shares with the items, not by a request's words
        h.matched, h.reference = [d for d in h.descriptors if d in shared], None
    return hits

