from __future__ import annotations

import numpy as np
import pytest

from nlrec.encoders.base import Ranking, top_k
from nlrec.search.fusion import fuse, rrf, weighted


def R(ids, scores):
    return Ranking(np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float32))


def test_rrf_by_hand():
    a, b = R([1, 2, 3], [0.9, 0.8, 0.7]), R([3, 1], [10.0, 5.0])
    out = rrf([a, b], 3)
    expected = {1: 1 / 61 + 1 / 62, 2: 1 / 62, 3: 1 / 63 + 1 / 61}
    assert list(out.doc_ids) == [1, 3, 2]
    assert np.allclose(out.scores, [expected[1], expected[3], expected[2]])


def test_weighted_min_max():
    a, b = R([1, 2, 3], [0.9, 0.5, 0.1]), R([3, 4], [8.0, 4.0])
    out = weighted([a, b], 4, weights=[0.5, 0.5])
    # a -> {1: 1, 2: .5, 3: 0}; b -> {3: 1, 4: 0}
    assert dict(zip(out.doc_ids.tolist(), np.round(out.scores, 4).tolist())) == {1: 0.5, 2: 0.25, 3: 0.5, 4: 0.0}
    assert list(out.doc_ids[:2]) == [1, 3]  # tie broken by lower doc row
    only_dense = fuse([a, b], 2, method="weighted", weights=[1.0, 0.0])
    assert list(only_dense.doc_ids) == [1, 2]


def test_fuse_rejects_unknown():
    with pytest.raises(ValueError):
        fuse([R([1], [1.0])], 1, method="borda")


def test_top_k_stable_ties():
    s = np.array([0.5, 0.9, 0.5, 0.9, 0.1], dtype=np.float32)
    r = top_k(s, 3)
    assert list(r.doc_ids) == [1, 3, 0]
    assert len(top_k(s, 99)) == 5
