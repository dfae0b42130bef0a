from __future__ import annotations

import numpy as np
import pytest

from nlrec.encoders.faiss_dense import DenseRetriever, auto_factory, build_faiss
from nlrec.errors import IndexFileError


def _unit(rng, n, d):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_exact_faiss_equals_numpy_bruteforce():
    rng = np.random.default_rng(0)
    docs, queries = _unit(rng, 500, 24), _unit(rng, 20, 24)
    r = DenseRetriever(encoder=None, index=build_faiss(docs, "auto"))
    got = r.search_vectors(queries, 10)
    sims = queries @ docs.T
    for q, ranking in enumerate(got):
        expected = np.argsort(-sims[q], kind="stable")[:10]
        assert list(ranking.doc_ids) == list(expected)
        assert np.allclose(ranking.scores, sims[q][expected], atol=1e-5)


def test_hnsw_recall_against_exact():
    rng = np.random.default_rng(1)
    docs, queries = _unit(rng, 3000, 16), _unit(rng, 50, 16)
    hnsw = DenseRetriever(None, build_faiss(docs, "HNSW32,Flat"))
    sims = queries @ docs.T
    hits = 0
    for q, ranking in enumerate(hnsw.search_vectors(queries, 10)):
        hits += len(set(ranking.doc_ids) & set(np.argsort(-sims[q])[:10]))
    assert hits / 500 >= 0.95


def test_auto_factory_and_bad_factory():
    assert auto_factory(1000) == "Flat"
    assert auto_factory(60_000).startswith("HNSW32")
    with pytest.raises(IndexFileError, match="invalid FAISS factory"):
        build_faiss(np.ones((4, 8), dtype=np.float32), "NotAFactory42")


def test_k_larger_than_corpus():
    rng = np.random.default_rng(2)
    r = DenseRetriever(None, build_faiss(_unit(rng, 3, 8)))
    (ranking,) = r.search_vectors(_unit(rng, 1, 8), 10)
    assert len(ranking) == 3
