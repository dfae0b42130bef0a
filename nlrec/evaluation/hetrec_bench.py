"""The HetRec benchmarks of understood requests: "like X" judged by co-listening, content
requests judged by the descriptors of what comes back, and their reference rankers.

A ranker is any ``rank(text, k) -> ids`` (:data:`Ranker`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from nlrec.evaluation.request_data import HetRec

Ranker = Callable[[str, int], Sequence[str]]


def co_listened(het: HetRec, artist: str, *, top: int = 50, min_shared: int = 3,
                catalog: set[str] | None = None) -> set[str]:
    """Artists judged relevant to "like ``artist``": its ``top`` nearest by co-listening.

    Nearness is the cosine of listener sets, ``|L_x & L_y| / sqrt(|L_x| |L_y|)``, over artists
    sharing at least ``min_shared`` listeners with ``artist`` (itself excluded), restricted to
    ``catalog`` (the artists a searcher can return) when given.
    """
    mine = het.listeners.get(artist, set())
    if not mine:
        return set()
    users_of = _users_index(het)
    shared: Counter[str] = Counter()
    for u in mine:
        shared.update(users_of[u])
    scored = [
        (n / math.sqrt(len(mine) * len(het.listeners[a])), a)
        for a, n in shared.items()
        if a != artist and n >= min_shared and (catalog is None or a in catalog)
    ]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return {a for _, a in scored[:top]}


_USERS: dict[int, dict[str, set[str]]] = {}


def _users_index(het: HetRec) -> dict[str, set[str]]:
    key = id(het)
    if key not in _USERS:
        idx: dict[str, set[str]] = {}
        for a, users in het.listeners.items():
            for u in users:
                idx.setdefault(u, set()).add(a)
        _USERS[key] = idx
    return _USERS[key]


def like_x_benchmark(rank: Ranker, cases: Sequence[dict[str, Any]], het: HetRec, *, k: int = 10,
                     catalog: set[str] | None = None) -> dict[str, Any]:
    """P@k and Hit@k of ``rank(text, k)`` on "like X" requests, judged by :func:`co_listened`.

    X itself is removed from the ranking before cutting at ``k`` (the ranker is asked for
    ``k + 1``).
    """
    p, hit, n = 0.0, 0, 0
    for c in cases:
        rel = co_listened(het, c["artist_id"], catalog=catalog)
        if not rel:
            continue
        got = [i for i in rank(c["text"], k + 1) if i != c["artist_id"]][:k]
        good = len(set(got) & rel)
        p += good / k
        hit += good > 0
        n += 1
    return {"requests": n, f"P@{k}": round(p / max(n, 1), 4), f"Hit@{k}": round(hit / max(n, 1), 4)}


def random_like_x(cases: Sequence[dict[str, Any]], het: HetRec, *, k: int = 10,
                  catalog: set[str]) -> dict[str, Any]:
    """Expected P@k and Hit@k of a random ranking (exact, not sampled)."""
    big_n = len(catalog) - 1
    p = hit = 0.0
    n = 0
    for c in cases:
        rel = co_listened(het, c["artist_id"], catalog=catalog)
        if not rel:
            continue
        r = len(rel)
        p += r / big_n
        hit += 1.0 - math.exp(_log_comb(big_n - r, k) - _log_comb(big_n, k))
        n += 1
    return {"requests": n, f"P@{k}": round(p / max(n, 1), 4), f"Hit@{k}": round(hit / max(n, 1), 4)}


def _log_comb(n: int, k: int) -> float:
    if k > n:
        return -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


class TagSimilarity:
    """Artists ranked by TF-IDF cosine of their tag counts: the "tag-set similarity" reference."""

    def __init__(self, het: HetRec, artists: Sequence[str]) -> None:
        from scipy import sparse

        self.ids = list(artists)
        self.row = {a: i for i, a in enumerate(self.ids)}
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, a in enumerate(self.ids):
            for t, c in het.tags.get(a, Counter()).items():
                rows.append(i)
                cols.append(vocab.setdefault(t, len(vocab)))
                vals.append(1.0 + math.log(c))
        m = sparse.csr_matrix((vals, (rows, cols)), shape=(len(self.ids), len(vocab)))
        df = np.bincount(m.indices, minlength=len(vocab))
        m = m.multiply(np.log((1 + len(self.ids)) / (1 + df)) + 1.0).tocsr()
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self.m = sparse.diags(1.0 / norms) @ m

    def similar(self, items: dict[str, float], k: int) -> list[str]:
        """The ``k`` artists most similar to ``items`` (weighted), excluding them."""
        rows = [(self.row[a], w) for a, w in items.items() if a in self.row]
        if not rows:
            return []
        q = sum(self.m[r] * w for r, w in rows)
        scores = np.asarray((self.m @ q.T).todense()).ravel()
        for r, _ in rows:
            scores[r] = -np.inf
        top = np.argsort(-scores, kind="stable")[:k]
        return [self.ids[i] for i in top if np.isfinite(scores[i])]


def _norm_tag(tag: str) -> str:
    from nlrec.request.language import normalize_terms

    return normalize_terms(tag)


def graded_relevance(descriptors: Iterable[str], want: Sequence[Sequence[str]],
                     exclude: Sequence[Sequence[str]] = ()) -> float:
    """Share of the wanted facets an item carries; 0 when it carries an excluded one.

    ``want`` and ``exclude`` are groups of alternative tags ("hip-hop" or "hip hop"); tags are
    compared after :func:`~nlrec.request.language.normalize_terms` (so "rnb" = "r&b").
    """
    have = {_norm_tag(d) for d in descriptors}
    if any(any(_norm_tag(t) in have for t in g) for g in exclude):
        return 0.0
    if not want:
        return 0.0
    return sum(any(_norm_tag(t) in have for t in g) for g in want) / len(want)


def content_benchmark(rank: Ranker, cases: Sequence[dict[str, Any]], het: HetRec, *, k: int = 10,
                      descriptors: int = 10) -> dict[str, Any]:
    """Graded P@k of ``rank(text, k)`` on content requests (see :func:`graded_relevance`).

    An artist is judged by its ``descriptors`` most used tags (what the catalog indexes).
    Requests that want nothing ("any suggestions?") are left out here (see :func:`empty_requests`).
    """
    total, n = 0.0, 0
    for c in cases:
        if not c["want"]:
            continue
        got = list(rank(c["text"], k))[:k]
        total += sum(graded_relevance(het.descriptors(a, descriptors), c["want"], c["exclude"]) for a in got) / k
        n += 1
    return {"requests": n, f"graded_P@{k}": round(total / max(n, 1), 4)}


def empty_requests(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How many requests that want nothing are recognised as having nothing to match."""
    from nlrec.request.parse import parse

    empty = [c for c in cases if not c["want"]]
    said = [c["text"] for c in empty if parse(c["text"]).nothing_to_match]
    wrong = [c["text"] for c in cases if c["want"] and parse(c["text"]).nothing_to_match]
    return {"empty_requests": len(empty), "said_nothing_to_match": len(said),
            "content_requests_said_empty": len(wrong)}


def lexical_content_rankers(het: HetRec, descriptors: int = 10) -> dict[str, Ranker]:
    """Two BM25 rankers over the tagged artists, to isolate what request understanding adds.

    ``bm25_raw`` ranks the request as typed against the descriptor strings. ``bm25_understood``
    parses the request (:func:`nlrec.request.parse.parse`), ranks its content (plus the decade
    terms of its years) with both sides passed through
    :func:`~nlrec.request.language.normalize_terms`, drops artists carrying an excluded facet
    (the negation lexicon's patterns) and returns nothing when there is nothing to match.
    """
    from nlrec.encoders.sparse import BM25Retriever
    from nlrec.negation.lexicon import load_lexicon
    from nlrec.request.language import normalize_terms
    from nlrec.request.parse import parse

    ids = sorted((a for a, c in het.tags.items() if c), key=int)
    docs = [het.descriptors(a, descriptors) for a in ids]
    raw = BM25Retriever.build([", ".join(d) for d in docs])
    norm = BM25Retriever.build([normalize_terms(", ".join(d)) for d in docs])
    lexicon = load_lexicon()

    def top(scores: np.ndarray, k: int, keep: Callable[[int], bool] = lambda i: True) -> list[str]:
        order = np.argsort(-scores, kind="stable")
        out = [ids[i] for i in order[: 50 * k] if scores[i] > 0 and keep(int(i))]
        return out[:k]

    def bm25_raw(text: str, k: int) -> list[str]:
        return top(raw.scores(text), k)

    def bm25_understood(text: str, k: int) -> list[str]:
        r = parse(text)
        if r.nothing_to_match:
            return []
        query = normalize_terms(" ".join([r.content, *r.decade_terms()]))
        patterns = [lexicon.pattern(f) for f in (*r.negative, *r.decade_terms(negated=True))]

        def keep(i: int) -> bool:
            return not any(p.matches(d) for p in patterns for d in docs[i])

        return top(norm.scores(query), k, keep)

    return {"bm25_raw": bm25_raw, "bm25_understood": bm25_understood}


__all__ = [
    "Ranker",
    "TagSimilarity",
    "co_listened",
    "content_benchmark",
    "empty_requests",
    "graded_relevance",
    "lexical_content_rankers",
    "like_x_benchmark",
    "random_like_x",
]
