from __future__ import annotations

import numpy as np

from nlrec.training.common import bucket_by_length
from nlrec.training.gpl import drop_same_item
from nlrec.training.negatives import merge_negatives, mine_bm25, sample_negatives

CORPUS = {"d1": "calm piano", "d2": "solo piano, calm", "d3": "heavy metal, distorted guitar",
          "d4": "piano trio, jazz", "d5": "steel drums, upbeat"}
QUERIES = {"q1": "a calm piano piece", "q2": "heavy metal guitar"}
QRELS = {"q1": {"d1": 1}, "q2": {"d3": 1}}


def test_bm25_negatives_exclude_positives():
    neg = mine_bm25(QUERIES, CORPUS, QRELS, top_k=3)
    assert "d1" not in neg["q1"] and neg["q1"][0] == "d2" and "d3" not in neg["q2"]


def test_documents_of_the_same_track_are_no_negatives():
    qrels = {"q1": {"d1": 1}, "q1b": {"d2": 1}, "q2": {"d3": 1}}
    items = {"q1": "clip-a", "q1b": "clip-a", "q2": "clip-b"}
    out = drop_same_item({"q1": ["d2", "d4", "d3"], "q2": ["d2", "d5"]}, qrels, items, top_k=1)
    assert out == {"q1": ["d4"], "q2": ["d2"]}


def test_merge_and_sample():
    recs = merge_negatives(QRELS, {"dense": {"q1": ["d2", "d4"]}, "bm25": {"q1": ["d4", "d5"]}})
    assert recs[0] == {"qid": "q1", "pos": ["d1"], "neg": {"dense": ["d2", "d4"], "bm25": ["d4", "d5"]}}
    picked = sample_negatives(recs[0], 5, np.random.default_rng(0))
    assert sorted(picked) == ["d2", "d4", "d5"]
    assert sample_negatives(recs[1], 2, np.random.default_rng(0)) == []


def test_length_buckets_keep_every_row_and_merge_small_ones():
    cols = {"query": ["a b"] * 10 + [" ".join(["w"] * 20)] * 10 + [" ".join(["w"] * 40)] * 3,
            "positive": [str(i) for i in range(23)]}
    dd = bucket_by_length(cols, "query", batch_size=4)
    assert sum(len(d) for d in dd.values()) == 23 and all(len(d) >= 4 for d in dd.values())
    assert len(dd) == 2  # the 3 long rows joined the medium bucket
