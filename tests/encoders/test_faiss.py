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


def test_flat_file_read_without_faiss_matches_faiss(tmp_path):
    """An exact inner-product file is read with numpy (no FAISS import on a cold query): the
    same vectors as FAISS reads, the same rankings, filtered or not; the FAISS index is made
    only when asked for."""
    import faiss

    from nlrec.encoders.faiss_dense import read_flat_ip

    rng = np.random.default_rng(3)
    docs, queries = _unit(rng, 300, 16), _unit(rng, 7, 16)
    DenseRetriever(None, build_faiss(docs, "Flat")).save(tmp_path)
    flat = DenseRetriever.load_flat(tmp_path)
    assert flat is not None and flat.dtype == np.float32
    loaded = DenseRetriever.load_index(tmp_path)
    assert np.array_equal(flat, faiss.rev_swig_ptr(loaded.get_xb(), loaded.ntotal * loaded.d).reshape(300, 16))
    fast, slow = DenseRetriever.from_flat(None, flat), DenseRetriever(None, loaded)
    assert (fast.ntotal, fast.d) == (300, 16)
    rows = np.array([5, 17, 40, 41, 299])
    for a, b in [(fast.search_vectors(queries, 10), slow.search_vectors(queries, 10)),
                 (fast.search_vectors(queries, 3, restrict=rows), slow.search_vectors(queries, 3, restrict=rows))]:
        assert [list(r.doc_ids) for r in a] == [list(r.doc_ids) for r in b]
        assert all(np.array_equal(x.scores, y.scores) for x, y in zip(a, b))
    assert np.array_equal(fast.vectors_of([3, 1]), slow.vectors_of([3, 1]))
    assert fast._index is None  # nothing above needed FAISS
    assert fast.index.ntotal == 300 and np.array_equal(fast.stored_vectors(), flat)  # made when asked
    # anything but an intact exact inner-product file is left to FAISS
    path = tmp_path / "dense.faiss"
    whole = path.read_bytes()
    path.write_bytes(whole[:-4])
    assert read_flat_ip(path) is None
    path.write_bytes(b"garbage")
    assert read_flat_ip(path) is None
    l2 = faiss.IndexFlatL2(16)
    l2.add(docs)
    for index in (build_faiss(docs, "HNSW8,Flat"), l2):
        faiss.write_index(index, str(path))
        assert read_flat_ip(path) is None


class _Counting:
    """A deterministic encoder that counts the texts it encodes."""

    def __init__(self, d: int = 8) -> None:
        self.d, self.texts = d, []

    def encode(self, texts, **_):
        self.texts += list(texts)
        out = np.stack([np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(self.d) for t in texts])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def test_a_single_query_is_encoded_once_and_ranks_the_same(monkeypatch):
    import nlrec.encoders.faiss_dense as fd

    rng = np.random.default_rng(2)
    enc = _Counting()
    r = DenseRetriever(enc, build_faiss(_unit(rng, 200, 8), "Flat"))
    first = r.search(["calm piano"], 5)[0]
    again = r.search(["calm piano"], 5)[0]
    assert enc.texts == ["calm piano"]  # the second search did not encode
    assert list(first.doc_ids) == list(again.doc_ids) and np.array_equal(first.scores, again.scores)
    r.encode_queries(["calm piano"])[0, :] = 0  # a caller changing its copy changes nothing kept
    assert list(r.search(["calm piano"], 5)[0].doc_ids) == list(first.doc_ids)
    r.search(["calm piano", "loud rock"], 5)  # batches are encoded as they come
    assert enc.texts == ["calm piano", "calm piano", "loud rock"]
    monkeypatch.setattr(fd, "QUERY_CACHE", 2)
    for q in ("a", "b", "c"):  # the least recent one goes
        r.search([q], 1)
    assert list(r._recent) == ["b", "c"]
