"""Track searchers: a request in, a :class:`~nlrec.search.results.SearchResult` out.

A search runs in three steps, each once:

1. **plan** (:mod:`nlrec.search.planning`): the text becomes a
   :class:`~nlrec.request.plan.RequestPlan` (exclusions, references, years, filter) and then a
   :class:`~nlrec.search.results.Request` (with the vectors of the items it names);
2. **pools**: the one walk down the stack. :class:`IndexSearcher` ranks an index's documents with
   a :mod:`document searcher <nlrec.search.documents>`; everything else that changes a ranking
   (negations, a filter, a taste profile, ...) is a :class:`SearcherWrapper` around another
   searcher, changing the :class:`~nlrec.search.results.Pool` s it hands up;
3. **hits**: :meth:`Searcher.expand` turns the top pool into hits, in one place
   (:func:`~nlrec.search.results.track_hit`); a layer that adds fields to hits registers a hit
   decorator when it is built (no walk per hit).

Example:
    >>> from nlrec.index import open_index                                   # doctest: +SKIP
    >>> s = build_searcher(open_index("mine"), SearchOptions(mode="hybrid"))
    >>> result = s.search("relaxing piano without vocals", k=5)
    >>> result.plan.exclusions, [h.id for h in result.hits]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.limits import check_time
from nlrec.request.plan import RequestPlan
from nlrec.search.documents import DocumentSearcher, HybridSearcher, RetrieverSearcher, positive
from nlrec.search.options import SearchOptions, check_k, clean_query
from nlrec.search.planning import plan_for, ready
from nlrec.search.results import Hit, Pool, ReferenceNote, Request, SearchResult, track_hit
from nlrec.text import terms

if TYPE_CHECKING:
    from nlrec.index import Index

HitDecorator = Callable[[Pool, int, Hit], Hit]
"""Adds a layer's fields to a hit: ``(pool, document row, hit) -> hit``."""


class Searcher:
    """The interface every track searcher implements (see the module docstring)."""

    index: Index
    options: SearchOptions
    decorators: tuple[HitDecorator, ...] = ()

    @property
    def lexical(self) -> bool:
        return self.options.lexical

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        raise NotImplementedError

    # -- the public API, the same for every searcher ------------------------------------------
    def request(self, text: str) -> Request:
        """``text`` planned (:func:`~nlrec.search.planning.plan_for`) and made ready for ranking."""
        return ready(self.index, self.options, plan_for(self.index, self.options, clean_query(text)))

    def search(self, query: str, k: int = 10) -> SearchResult:
        """Search one request for ``k`` tracks."""
        return self.batch_search([query], k)[0]

    def batch_search(self, queries: Sequence[str], k: int = 10) -> list[SearchResult]:
        """Search several requests at once (the encoder and index files are loaded once).

        Raises:
            QueryError: for an empty request.
            NlrecError: for ``k`` outside ``[1, MAX_K]``.
        """
        check_k(k)
        return self.search_plans([plan_for(self.index, self.options, clean_query(q)) for q in queries], k)

    def search_plans(self, plans: Sequence[RequestPlan], k: int = 10) -> list[SearchResult]:
        """Search requests already planned (``nlrec similar``: a plan naming the items to be like).

        Raises:
            NlrecError: for ``k`` outside ``[1, MAX_K]``.
        """
        check_k(k)
        requests = [ready(self.index, self.options, p) for p in plans]
        check_time()  # between stages: a request over the server's time budget stops here
        pools = self.pools(requests, k, k) if requests else []
        check_time()
        return [SearchResult(r, self.expand(p, k)) for r, p in zip(requests, pools)]

    def expand(self, pool: Pool, k: int) -> list[Hit]:
        """The first ``k`` tracks of a pool's ranked documents, as hits (the one place hits are made)."""
        hits: list[Hit] = []
        index = self.index
        doc_tracks = index.doc_tracks
        request, allowed = pool.request, pool.allowed
        hide = request.hide if request is not None else frozenset()
        qterms = terms(pool.query)
        for doc, score in zip(pool.ranking.doc_ids.tolist(), pool.ranking.scores.tolist()):
            for row in doc_tracks[doc]:
                if allowed is not None and not allowed.allows(index, row):
                    continue
                t = index.tracks[row]
                if hide and t.id in hide:
                    continue
                hit = track_hit(t, rank=len(hits) + 1, score=score,
                                matched=[d for d in t.descriptors if terms(d) & qterms],
                                negation=pool.notes.get(doc, {}).get("negation"),
                                reference=_reference_note(request.references, doc, t.descriptors)
                                if request is not None else None)
                for decorate in self.decorators:
                    hit = decorate(pool, doc, hit)
                hits.append(hit)
                if len(hits) == k:
                    return hits
        return hits


class IndexSearcher(Searcher):
    """Ranks an index's documents with the retrievers ``options`` name (the bottom of a stack)."""

    def __init__(self, index: Index, options: SearchOptions | None = None) -> None:
        self.index = index
        self.options = options or SearchOptions()
        self._documents: DocumentSearcher | None = None

    @property
    def documents(self) -> DocumentSearcher:
        """The document searcher (retrievers load on first use; hybrid loads both at once)."""
        if self._documents is None:
            self._documents = document_searcher(self.index, self.options)
        return self._documents

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        out: list[Pool | None] = [None] * len(requests)
        live = [i for i, r in enumerate(requests)
                if not r.nothing_to_match and (r.query or r.vector is not None or (self.lexical and r.lexical))]
        if live:
            reqs = [requests[i] for i in live]
            # tracks a request hides (the items it names) must not eat into its k
            deep = min(len(self.index.documents), depth + max(len(r.hide) for r in reqs))
            rankings = self.documents.batch_search([r.query for r in reqs], deep, lexical=[r.lexical for r in reqs],
                                                   vectors=[r.vector for r in reqs], restrict=[r.docs for r in reqs])
            for i, r, rk in zip(live, reqs, rankings):
                if self.lexical:
                    rk = positive(rk)
                if r.boost:
                    rk = _boosted(rk, r.boost)
                out[i] = Pool(query=r.lexical if r.lexical is not None else r.query, ranking=rk, request=r)
        empty = Ranking(np.empty(0, np.int64), np.empty(0, np.float32))
        return [p if p is not None else Pool(query=r.query, ranking=empty, request=r) for p, r in zip(out, requests)]


def _boosted(ranking: Ranking, first: Sequence[int]) -> Ranking:
    """``ranking`` with the documents ``first`` moved to the front (scored just above the best)."""
    top = float(ranking.scores[0]) if len(ranking) else 1.0
    lead = np.asarray(list(dict.fromkeys(first)), dtype=np.int64)
    rest = ~np.isin(ranking.doc_ids, lead)
    return Ranking(np.concatenate([lead, ranking.doc_ids[rest]]),
                   np.concatenate([np.full(len(lead), top + 1e-3, np.float32), ranking.scores[rest]]))


def _reference_note(references: Sequence[ReferenceNote], doc: int, descriptors: Sequence[str]) -> dict | None:
    """Which named item a hit relates to, and the descriptors it shares with it."""
    if not references:
        return None
    best: dict | None = None
    for ref in references:
        if doc in ref.docs:
            return {"like": ref.like, "lookup": True}
        shared = [d for d in descriptors if d in ref.descriptors]
        if best is None or len(shared) > len(best["shares"]):
            best = {"like": ref.like, "shares": shared}
    return best


class SearcherWrapper(Searcher):
    """A searcher that changes another's pools; by default it passes them through. It shares the
    inner searcher's index, options and hit decorators (a layer adds its own with
    :meth:`decorate_hits`)."""

    def __init__(self, inner: Searcher) -> None:
        self.inner = inner
        self.index = inner.index
        self.options = inner.options
        self.decorators = inner.decorators

    def decorate_hits(self, decorator: HitDecorator) -> None:
        """Have every hit of this searcher (and of those wrapping it later) pass through ``decorator``."""
        self.decorators = (*self.decorators, decorator)

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        return self.inner.pools(requests, depth, k)


def document_searcher(index: Index, options: SearchOptions) -> DocumentSearcher:
    """The document searcher of ``options.mode`` over ``index``'s retrievers: the registered kind
    (:mod:`nlrec.index.retrievers`) alone, or for ``hybrid`` the dense kind fused with the lexical
    kind ``options.sparse``.

    Raises:
        IndexMismatchError: if ``options.model`` is not the index's encoder.
    """
    from nlrec.index.retrievers import HYBRID
    from nlrec.index.retrievers import kind as retriever_kind

    def side(name: str) -> RetrieverSearcher:
        spec = retriever_kind(name)
        model = options.model if spec.encoder else None
        return RetrieverSearcher(index.retriever(name, model=model), lexical=spec.lexical, index_name=index.name,
                                 kind=spec)

    if options.mode != HYBRID:
        return side(options.mode)
    index.load_retrievers(["dense", options.sparse], model=options.model)
    late = side("late") if options.late_weight > 0 else None
    return HybridSearcher(side("dense"), side(options.sparse), fusion=options.fusion, alpha=options.alpha,
                          depth=options.hybrid_depth, late=late, late_weight=options.late_weight)
