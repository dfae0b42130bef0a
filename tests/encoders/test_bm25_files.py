"""The bm25s-free query path gives bm25s' tokens and scores exactly."""

from __future__ import annotations

import subprocess
import sys

import bm25s
import numpy as np
import pytest

from nlrec.catalog.demo import demo_catalog
from nlrec.encoders.bm25_files import SavedBM25, english_stopwords, tokenize
from nlrec.encoders.sparse import BM25Retriever, _stemmer

QUERIES = ["upbeat steel drum", "calm piano for studying, no vocals", "R&B and hip-hop from the 80s",
           "The the THE", "café: sigur rós — 90's post-rock!!", "a", "", "sleep music sleep"]


def test_stopwords_are_bm25s_own():
    from bm25s.stopwords import STOPWORDS_EN

    assert english_stopwords() == frozenset(STOPWORDS_EN)


@pytest.mark.parametrize("stem", [True, False])
def test_tokenize_matches_bm25s(stem):
    texts = [t.text for t in demo_catalog().tracks] + QUERIES
    stemmer = _stemmer() if stem else None
    expected = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)
    assert tokenize(texts, stemmer) == expected


@pytest.mark.parametrize("method", ["lucene", "robertson", "atire"])
def test_saved_scores_match_bm25s(tmp_path, method):
    docs = [t.text for t in demo_catalog().tracks]
    built = BM25Retriever.build(docs, method=method, normalize=True)
    built.save(tmp_path)
    loaded = BM25Retriever.load(tmp_path)
    assert isinstance(loaded.model, SavedBM25)
    for q in QUERIES + ["steel steel drum piano jazz"]:
        a, b = built.scores(q), loaded.scores(q)
        assert a.dtype == b.dtype and np.array_equal(a, b), q
    for a, b in zip(built.search(QUERIES, 10), loaded.search(QUERIES, 10)):
        assert np.array_equal(a.doc_ids, b.doc_ids) and np.array_equal(a.scores, b.scores)


def test_variants_with_nonoccurrence_use_bm25s(tmp_path):
    BM25Retriever.build(["calm piano", "loud drums", "jazz"], method="bm25l").save(tmp_path)
    loaded = BM25Retriever.load(tmp_path)
    assert isinstance(loaded.model, bm25s.BM25)


def test_loading_and_scoring_import_no_bm25s(tmp_path):
    BM25Retriever.build([t.text for t in demo_catalog().tracks]).save(tmp_path)
    code = ("import sys; from pathlib import Path; from nlrec.encoders.sparse import BM25Retriever; "
            f"r = BM25Retriever.load(Path({str(tmp_path)!r})); r.search(['steel drum'], 5); "
            "print(sorted(m for m in ('bm25s', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
