from __future__ import annotations

import numpy as np
import pytest

from nlrec.encoders.base import Ranking
from nlrec.negation.matching import FacetMatcher
from nlrec.negation.rerank import ABSENT_BONUS, PENALTY, rerank


@pytest.fixture
def ranked():
    r = Ranking(np.arange(4, dtype=np.int64), np.array([1.0, 0.9, 0.5, 0.0], dtype=np.float32))
    v = FacetMatcher(["vocals"]).judge_many([["male vocal"], ["piano"], ["instrumental"], ["harp"]])
    return r, v


def test_filter_drops_violations(ranked):
    r, v = ranked
    out, verdicts = rerank(r, v, "filter")
    assert out.doc_ids.tolist() == [1, 2, 3]
    assert [x.absent for x in verdicts] == [[], ["instrumental"], []]
    assert out.scores[1] == pytest.approx(0.5 + ABSENT_BONUS * 1.0)


def test_penalize_pushes_down(ranked):
    r, v = ranked
    out, verdicts = rerank(r, v, "penalize")
    assert out.doc_ids.tolist() == [1, 2, 0, 3]
    assert out.scores[2] == pytest.approx(1.0 - PENALTY * 1.0)
    assert verdicts[2].excluded_by == ["male vocal"]
    assert all(out.scores[i] >= out.scores[i + 1] for i in range(3))


def test_off_and_errors(ranked):
    r, v = ranked
    assert rerank(r, v, "off")[0] is r
    with pytest.raises(ValueError):
        rerank(r, v, "drop")
    with pytest.raises(ValueError):
        rerank(r, v[:2], "filter")
