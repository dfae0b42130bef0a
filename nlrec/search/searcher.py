"""Track searchers: a request in, a :class:`~nlrec.search.results.SearchResult` out.

:class:`IndexSearcher` ranks an index's documents with a :mod:`document searcher
<nlrec.search.documents>` and expands them to tracks. Everything else that changes a ranking
(negations, taste profiles, ...) is a :class:`SearcherWrapper` around another searcher, with
three hooks:

* ``prepare(text) -> Request``: understand the request (e.g. split off its negations);
* ``pools(requests, depth, k) -> [Pool]``: rank at least ``depth`` documents per request;
* ``make_hit(pool, doc, row, rank) -> Hit``: turn a ranked track into a hit with its reasons.

Example:
    >>> from nlrec.index import open_index                                   # doctest: +SKIP
    >>> s = build_searcher(open_index("mine"), SearchOptions(mode="hybrid"))
    >>> result = s.search("relaxing piano without vocals", k=5)
    >>> result.request.negative, [h.id for h in result.hits]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.search.documents import DocumentSearcher, HybridSearcher, RetrieverSearcher, positive
from nlrec.search.options import SearchOptions, check_k, clean_query
from nlrec.search.results import Hit, Pool, Request, SearchResult
from nlrec.text import terms

if TYPE_CHECKING:
    from nlrec.index import Index


class Searcher:
    """The interface every track searcher implements (see the module docstring)."""

    index: Index
    options: SearchOptions

    @property
    def lexical(self) -> bool:
        return self.options.lexical

    def prepare(self, text: str) -> Request:
        raise NotImplementedError

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        raise NotImplementedError

    def make_hit(self, pool: Pool, doc: int, row: int, rank: int) -> Hit | None:
        raise NotImplementedError

    # -- the public API, the same for every searcher ------------------------------------------
    def search(self, query: str, k: int = 10) -> SearchResult:
        """Search one request for ``k`` tracks."""
        return self.batch_search([query], k)[0]

    def batch_search(self, queries: Sequence[str], k: int = 10) -> list[SearchResult]:
        """Search several requests at once (the encoder and index files are loaded once).

        Raises:
            QueryError: for an empty request.
            NlrecError: for ``k`` outside ``[1, MAX_K]``.
        """
        from nlrec.limits import check_time

        check_k(k)
        requests = [self.prepare(clean_query(q)) for q in queries]
        check_time()  # between stages: a request over the server's time budget stops here
        pools = self.pools(requests, k, k) if requests else []
        check_time()
        return [SearchResult(r, self.expand(p, k)) for r, p in zip(requests, pools)]

    def expand(self, pool: Pool, k: int) -> list[Hit]:
        """The first ``k`` tracks of a pool's ranked documents, as hits."""
        hits: list[Hit] = []
        doc_tracks = self.index.doc_tracks
        for doc in pool.ranking.doc_ids.tolist():
            for row in doc_tracks[doc]:
                hit = self.make_hit(pool, doc, row, len(hits) + 1)
                if hit is None:
                    continue
                hits.append(hit)
                if len(hits) == k:
                    return hits
        return hits


class IndexSearcher(Searcher):
    """Ranks an index's documents with the retrievers ``options`` name, and expands to tracks."""

    def __init__(self, index: Index, options: SearchOptions | None = None) -> None:
        self.index = index
        self.options = options or SearchOptions()
        self._documents: DocumentSearcher | None = None
        self._scores: dict[int, dict[int, float]] = {}

    @property
    def documents(self) -> DocumentSearcher:
        """The document searcher (retrievers load on first use; hybrid loads both at once)."""
        if self._documents is None:
            self._documents = document_searcher(self.index, self.options)
        return self._documents

    def prepare(self, text: str) -> Request:
        """The request as typed with ``--negation off``; otherwise understood
        (:func:`nlrec.request.parse`): negations, references to the catalog's names, years, filler."""
        if self.options.negation == "off":
            return Request(text=text, query=text)
        from nlrec.request.parse import parse

        names = self.index.names()
        keep = None
        if names is None:  # no names in the catalog: a cued span of its own words is a description
            vocabulary = self.index.memo("words", lambda: frozenset(terms(" ".join(self.index.documents))))
            keep = lambda ref: bool(terms(ref.span)) and terms(ref.span) <= vocabulary  # noqa: E731
        s = parse(text, names, exclude=self.options.exclude, keep_unresolved=keep or False)
        if s.nothing_to_match and not s.negative and self.options.where:
            return Request(text=text, query=text)  # "music" within a filter: rank the filtered tracks
        query = s.positive or ("" if s.references or s.years else text)
        return Request(text=text, query=query, lexical=s.content if s.positive else query, negation=s, structured=s)

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        out: list[Pool | None] = [None] * len(requests)
        live = [i for i, r in enumerate(requests) if not r.nothing_to_match and (r.query or r.vector is not None)]
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
                out[i] = Pool(query=r.lexical if r.lexical is not None else r.query, ranking=rk,
                              extra={"request": r})
        empty = Ranking(np.empty(0, np.int64), np.empty(0, np.float32))
        return [p if p is not None else Pool(query=r.query, ranking=empty) for p, r in zip(out, requests)]

    def make_hit(self, pool: Pool, doc: int, row: int, rank: int) -> Hit | None:
        t = self.index.tracks[row]
        request = pool.extra.get("request")
        if request is not None and request.hide and t.id in request.hide:
            return None
        qterms = pool.extra.get("terms")
        if qterms is None:
            qterms = pool.extra["terms"] = terms(pool.query)
        score = pool.extra.get("scores")
        if score is None:
            score = pool.extra["scores"] = dict(zip(pool.ranking.doc_ids.tolist(), pool.ranking.scores.tolist()))
        return Hit(
            rank=rank,
            id=t.id,
            score=float(score[doc]),
            descriptors=list(t.descriptors),
            title=t.title,
            artist=t.artist,
            year=t.year,
            matched=[d for d in t.descriptors if terms(d) & qterms],
            metadata=t.metadata,
            negation=pool.notes.get(doc, {}).get("negation"),
            reference=_reference_note(request, doc, t.descriptors) if request is not None else None,
        )


def _boosted(ranking: Ranking, first: Sequence[int]) -> Ranking:
    """``ranking`` with the documents ``first`` moved to the front (scored just above the best)."""
    top = float(ranking.scores[0]) if len(ranking) else 1.0
    lead = np.asarray(list(dict.fromkeys(first)), dtype=np.int64)
    rest = ~np.isin(ranking.doc_ids, lead)
    return Ranking(np.concatenate([lead, ranking.doc_ids[rest]]),
                   np.concatenate([np.full(len(lead), top + 1e-3, np.float32), ranking.scores[rest]]))


def _reference_note(request: Request, doc: int, descriptors: Sequence[str]) -> dict | None:
    """Which named item a hit relates to, and the descriptors it shares with it."""
    if not request.references:
        return None
    best = None
    for ref in request.references:
        if doc in ref["docs"]:
            return {"like": ref["like"], "lookup": True}
        shared = [d for d in descriptors if d in ref["descriptors"]]
        if best is None or len(shared) > len(best["shares"]):
            best = {"like": ref["like"], "shares": shared}
    return best


class SearcherWrapper(Searcher):
    """A searcher that changes another's requests, pools or hits; by default it passes through."""

    def __init__(self, inner: Searcher) -> None:
        self.inner = inner
        self.index = inner.index
        self.options = inner.options

    def prepare(self, text: str) -> Request:
        return self.inner.prepare(text)

    def pools(self, requests: Sequence[Request], depth: int, k: int) -> list[Pool]:
        return self.inner.pools(requests, depth, k)

    def make_hit(self, pool: Pool, doc: int, row: int, rank: int) -> Hit | None:
        return self.inner.make_hit(pool, doc, row, rank)


def document_searcher(index: Index, options: SearchOptions) -> DocumentSearcher:
    """The document searcher for ``options.mode`` over ``index``'s retrievers.

    Raises:
        IndexMismatchError: if ``options.model`` is not the index's encoder.
    """
    mode = options.mode
    if mode in ("tfidf", "bm25"):
        return RetrieverSearcher(index.retriever(mode), lexical=True)
    if mode == "dense":
        return RetrieverSearcher(index.retriever("dense", model=options.model), index_name=index.name)
    index.load_retrievers(["dense", options.sparse], model=options.model)
    return HybridSearcher(
        RetrieverSearcher(index.retriever("dense", model=options.model), index_name=index.name),
        RetrieverSearcher(index.retriever(options.sparse), lexical=True),
        fusion=options.fusion,
        alpha=options.alpha,
        depth=options.hybrid_depth,
    )
