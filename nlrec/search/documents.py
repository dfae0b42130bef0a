"""Document searchers: rank an index's unique descriptor sets for free-text requests.

After pyserini's searchers, every way of ranking documents shares one interface,
``search(query, k)`` and ``batch_search(queries, k)``, and a hybrid searcher *is* a dense and a
sparse searcher, fused. The same objects rank an on-disk index (``nlrec query``) and an
in-memory benchmark corpus (``nlrec eval``), so the two cannot drift apart.

Example:
    >>> from nlrec.encoders.sparse import BM25Retriever
    >>> docs = ["calm piano", "loud metal guitar", "steel drums, tropical"]
    >>> bm25 = RetrieverSearcher(BM25Retriever.build(docs), lexical=True)
    >>> bm25.search("steel drum", 1).doc_ids.tolist()
    [2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

import numpy as np

from nlrec.encoders.base import (
    Ranking,
    RestrictingRetriever,
    Retriever,
    ScoringRetriever,
    VectorRetriever,
    top_k,
)
from nlrec.encoders.fusion import FusionMethod, fuse
from nlrec.search.options import HYBRID_DEPTH

if TYPE_CHECKING:
    from nlrec.index.retrievers import RetrieverKind


@runtime_checkable
class DocumentSearcher(Protocol):
    """Ranks unique documents (rows of the corpus) for requests.

    ``batch_search`` may be given, per query, a ``lexical`` text for the sparse side (e.g. the
    request without filler) and a ``vector`` for the dense side (e.g. blended with the vectors of
    the items a request names); ``None`` entries fall back to the query text.
    """

    def search(self, query: str, k: int) -> Ranking: ...

    def batch_search(self, queries: Sequence[str], k: int, *, lexical: Sequence[str | None] | None = None,
                     vectors: Sequence[Any] | None = None, restrict: Sequence[Any] | None = None) -> list[Ranking]: ...


def positive(r: Ranking) -> Ranking:
    """The part of a ranking with a score above zero (lexical matches)."""
    keep = r.scores > 0
    return Ranking(r.doc_ids[keep], r.scores[keep])


class RetrieverSearcher:
    """A retriever as a searcher, used as its kind's capabilities say.

    Args:
        retriever: a :class:`~nlrec.encoders.base.Retriever` (dense, TF-IDF, BM25, ...).
        lexical: documents sharing no word with the request (score 0) are still ranked, after
            the others, by row; :func:`positive` drops them.
        index_name: named in the error raised when a dense score is not a cosine (a damaged file).
        kind: the retriever's registered kind (default: looked up by ``retriever.name``; a
            retriever of no registered kind is searched by text, with scores for a subset).
    """

    def __init__(self, retriever: Retriever, *, lexical: bool = False, index_name: str = "dense",
                 kind: RetrieverKind | None = None) -> None:
        self.retriever = retriever
        self.lexical = lexical
        self.index_name = index_name
        self.name = retriever.name
        if kind is None:
            from nlrec.index.retrievers import kind as registered
            from nlrec.index.retrievers import kinds

            known = {k.name for k in kinds()}
            kind = registered(retriever.name) if retriever.name in known else None
        self.kind = kind

    def batch_search(self, queries: Sequence[str], k: int, *, lexical: Sequence[str | None] | None = None,
                     vectors: Sequence[Any] | None = None, restrict: Sequence[Any] | None = None) -> list[Ranking]:
        """``restrict``: per query, the document rows it may rank (None: all)."""
        if restrict is not None and any(r is not None for r in restrict):
            n = len(queries)
            rankings = [self._rank([q], k, [lx], [v])[0] if rows is None else self._restricted(q, k, lx, v, rows)
                        for q, lx, v, rows in zip(queries, lexical or [None] * n, vectors or [None] * n, restrict)]
        else:
            rankings = self._rank(queries, k, lexical, vectors)
        if self.kind is not None and self.kind.cosine:  # a cosine above 1 proves a damaged file: never rank with it
            from nlrec.index.storage import check_scores

            for r in rankings:
                check_scores(np.asarray(r.scores), self.index_name)
        return rankings

    def search(self, query: str, k: int) -> Ranking:
        return self.batch_search([query], k)[0]

    def _rank(self, queries: Sequence[str], k: int, lexical: Sequence[str | None] | None,
              vectors: Sequence[Any] | None) -> list[Ranking]:
        if self.lexical:
            texts = [lx if lx is not None else q for q, lx in zip(queries, lexical or [None] * len(queries))]
            return self.retriever.search(texts, k)
        if vectors is None or all(v is None for v in vectors):
            return self.retriever.search(list(queries), k)
        out: list[Ranking | None] = [None] * len(queries)
        given = [i for i, v in enumerate(vectors) if v is not None]
        vr = cast(VectorRetriever, self.retriever)  # a vector is only made for a kind with ``vectors``
        for i, r in zip(given, vr.search_vectors(np.stack([vectors[i] for i in given]), k)):
            out[i] = r
        rest = [i for i, v in enumerate(vectors) if v is None]
        if rest:
            for i, r in zip(rest, self.retriever.search([queries[i] for i in rest], k)):
                out[i] = r
        return out  # type: ignore[return-value]

    def _restricted(self, query: str, k: int, lexical: str | None, vector: Any, rows: Any) -> Ranking:
        """One query ranked among ``rows`` only: by the retriever where it can (FAISS, Milvus),
        else (sparse) from every document's score."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if self.kind is not None and self.kind.restrict:
            if vector is not None:
                return cast(VectorRetriever, self.retriever).search_vectors(np.atleast_2d(vector), k, restrict=rows)[0]
            return cast(RestrictingRetriever, self.retriever).search([query], k, restrict=rows)[0]
        text = lexical if self.lexical and lexical is not None else query
        scores = cast(ScoringRetriever, self.retriever).scores(text)
        top = top_k(np.asarray(scores, dtype=np.float32)[rows], min(k, len(rows)))
        keep = np.isfinite(top.scores)
        return Ranking(rows[top.doc_ids[keep]], top.scores[keep])


class HybridSearcher:
    """A dense and a sparse searcher, fused.

    Each side contributes its top ``max(k, depth)`` documents (the sparse side only those with a
    positive score); they are fused by reciprocal rank fusion (``rrf``) or a weighted sum of
    min-max normalised scores (``weighted``, ``alpha`` = dense weight).
    """

    lexical = False
    name = "hybrid"

    def __init__(
        self,
        dense: DocumentSearcher,
        sparse: DocumentSearcher,
        *,
        fusion: FusionMethod = "rrf",
        alpha: float = 0.5,
        depth: int = HYBRID_DEPTH,
        late: DocumentSearcher | None = None,
        late_weight: float = 0.0,
    ) -> None:
        self.dense = dense
        self.sparse = sparse
        self.fusion = fusion
        self.alpha = alpha
        self.depth = depth
        self.late = late if late_weight > 0 else None
        self.late_weight = float(late_weight)

    def batch_search(self, queries: Sequence[str], k: int, *, lexical: Sequence[str | None] | None = None,
                     vectors: Sequence[Any] | None = None, restrict: Sequence[Any] | None = None) -> list[Ranking]:
        deep = max(k, self.depth)
        dense = self.dense.batch_search(queries, deep, vectors=vectors, restrict=restrict)
        sparse = [positive(r) for r in self.sparse.batch_search(queries, deep, lexical=lexical, restrict=restrict)]
        weights = [self.alpha, 1.0 - self.alpha] if self.fusion == "weighted" else [1.0, 1.0]
        if self.late is None:
            return [fuse([d, s], k, method=self.fusion, weights=weights) for d, s in zip(dense, sparse)]
        # descriptor-level matching (nlrec.encoders.late) ranks the request without filler
        late = [positive(r) for r in self.late.batch_search(queries, deep, lexical=lexical, restrict=restrict)]
        weights = [*weights, self.late_weight]
        return [fuse([d, s, la], k, method=self.fusion, weights=weights) for d, s, la in zip(dense, sparse, late)]

    def search(self, query: str, k: int) -> Ranking:
        return self.batch_search([query], k)[0]


def rank_of(ranking: Ranking, doc: int) -> int | None:
    """1-based rank of ``doc`` in ``ranking`` (None when absent)."""
    hit = np.flatnonzero(ranking.doc_ids == doc)
    return int(hit[0]) + 1 if len(hit) else None
