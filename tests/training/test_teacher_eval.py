"""The teacher that must help: false negatives left out of its pairs, its validation on the
validation split (BM25's and the dense model's top 100 reranked), and the validation curve."""

from __future__ import annotations

import numpy as np
import pytest

from nlrec.evaluation.mtt_msd import load_tag_benchmark
from nlrec.training.teacher import (
    TeacherSettings,
    is_false_negative,
    named_descriptors,
    near_descriptors,
    teacher_pairs,
    train_teacher,
)
from nlrec.training.teacher_eval import MemoScorer, RerankValidation, sample_benchmark, summary
from tests.evaluation.test_mtt_msd import write_tag_data


class ExactMatch:
    """Scores 1 when the document carries the request as a tag, else 0."""

    def score_pairs(self, pairs):
        return np.array([float(q.lower() in [t.strip() for t in d.split(",")]) for q, d in pairs], np.float32)


def test_named_descriptors_and_false_negatives():
    doc = "piano, strings, classical, no vocals"
    assert named_descriptors("play piano and strings please", doc) == ["piano", "strings"]
    assert named_descriptors("something with no vocals", doc) == ["no vocals"]
    assert is_false_negative(["piano", "strings"], "strings, piano, slow")
    assert not is_false_negative(["piano", "strings"], "piano, slow")
    assert not is_false_negative([], "piano")
    near = near_descriptors(["drum", "drums", "no drums", "piano"],
                            np.array([[1, 0], [0.99, 0.141], [0.98, 0.199], [0, 1]], dtype=np.float32))
    assert near == {"drum": {"drums"}, "drums": {"drum"}}  # never across a negation
    assert is_false_negative(["drum", "piano"], "drums, piano", near)


def test_teacher_pairs_leave_out_false_negatives():
    corpus = {"p": "piano, strings, calm", "fn": "piano, strings, slow", "n": "metal, guitar"}
    queries, qrels = {"q": "piano with strings"}, {"q": {"p": 1}}
    negatives = [{"qid": "q", "pos": ["p"], "neg": {"bm25": ["fn", "n"]}}]
    kept = teacher_pairs(queries, corpus, qrels, negatives, n_pairs=20, negatives_per_query=2,
                         drop_false_negatives=True)
    assert "piano, strings, slow" not in kept["document"] and "metal, guitar" in kept["document"]
    plain = teacher_pairs(queries, corpus, qrels, negatives, n_pairs=20, negatives_per_query=2)
    assert "piano, strings, slow" in plain["document"]


def test_rerank_validation_measures_both_retrievers(tmp_path, tiny_model):
    data = write_tag_data(tmp_path / "data")
    val = RerankValidation.open("mtt_valid", data, tmp_path / "w", dense_model=str(tiny_model))
    assert val.bench.split == "valid"
    result = val.evaluate(ExactMatch())
    assert set(summary(result)) == {"bm25", "dense"}
    for label in ("bm25", "dense"):
        r = result[label]
        assert set(r) == {"retriever", "reranked", "agreement"}
        assert "R@10" in r["reranked"]["all"] and "RR@10" in r["reranked"]["all"]
    with pytest.raises(Exception, match="not a validation benchmark"):
        RerankValidation.open("mtt", data, tmp_path / "x", dense_model=str(tiny_model))


def test_sample_keeps_every_subset_and_memo_scores_once(tmp_path):
    bench = load_tag_benchmark("msd_valid", write_tag_data(tmp_path / "data"))
    small = sample_benchmark(bench, 3, seed=0)
    assert len(small.queries) <= len(bench.queries) and set(small.qrels) == {q.qid for q in small.queries}
    calls = []

    class Count:
        def score_pairs(self, pairs):
            calls.append(len(pairs))
            return np.zeros(len(pairs), np.float32)

    memo = MemoScorer(Count())
    memo.score_pairs([("a", "b"), ("a", "c")])
    memo.score_pairs([("a", "b"), ("a", "d")])
    assert calls == [2, 1]


def test_validation_curve_is_called_during_training(tmp_path, tiny_cross_encoder_base):
    pairs = {"query": ["calm piano", "calm piano", "metal", "metal"] * 4,
             "document": ["piano, calm", "metal, loud", "metal, loud", "piano, calm"] * 4,
             "label": [1.0, 0.0, 1.0, 0.0] * 4}
    steps = []
    settings = TeacherSettings(base=str(tiny_cross_encoder_base), steps=4, batch_size=4, eval_steps=2, max_length=32)
    out = train_teacher(pairs, settings, tmp_path / "teacher", device="cpu", show_progress=False,
                        on_eval=lambda step, model: steps.append((step, model.training)))
    assert out.is_dir() and steps == [(2, False), (4, False)]
