from __future__ import annotations

import pytest

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import doc_id
from nlrec.training.data import load_training_clips
from nlrec.training.queries import (
    Query,
    Seq2SeqQueryGenerator,
    TemplateQueryGenerator,
    caption_queries,
    generated_queries,
    make_generator,
    requestable,
    to_beir,
)


def test_templates_make_short_requests_from_tags():
    gen = TemplateQueryGenerator(per_item=3, seed=0)
    out = gen.generate([["Reggae", "upbeat", "low quality", "male vocal"], ["jazz"]])
    assert len(out[0]) == 3 and len(out[1]) >= 1
    assert all("low quality" not in q and q == q.lower() for q in out[0])
    assert TemplateQueryGenerator(per_item=3, seed=0).generate([["Reggae", "upbeat", "low quality", "male vocal"]])[0] == out[0]


def test_requestable():
    assert requestable("calm piano") and not requestable("poor audio quality") and not requestable("mono")


def test_caption_queries_and_reco_wrappers(data_dir):
    clips = load_training_clips(data_dir)
    plain = caption_queries(clips, reco_fraction=0.0, seed=0)
    wrapped = caption_queries(clips, reco_fraction=1.0, seed=0)
    assert {q.kind for q in plain} == {"sentence", "caption"} and {q.kind for q in wrapped} == {"reco"}
    assert all(1 <= len(q.positives) <= 3 for q in plain)
    assert len({q.qid for q in plain + wrapped}) == len(plain) + len(wrapped)


def test_generated_queries_have_the_full_set_as_positive():
    qs = generated_queries([("t1", ["jazz", "piano"])], TemplateQueryGenerator(per_item=2, seed=1))
    assert qs and all(q.positives == ["jazz, piano"] and q.kind == "template" for q in qs)


def test_to_beir_and_duplicates():
    qs = [Query("q1", "calm piano", ["solo piano, calm"], "template", "t1"),
          Query("q2", "piano", ["solo piano, calm", "piano"], "template", "t1")]
    corpus, rows, qrels = to_beir(qs)
    assert corpus[doc_id("piano")] == "piano" and len(corpus) == 2 and len(qrels["q2"]) == 2
    assert rows["q1"]["metadata"]["kind"] == "template"
    with pytest.raises(NlrecError, match="duplicate"):
        to_beir(qs + [qs[0]])


def test_seq2seq_generator_needs_a_local_model(tmp_path):
    with pytest.raises(NlrecError, match="not found"):
        make_generator(str(tmp_path / "nope"), per_item=2)
    assert isinstance(make_generator("templates", per_item=2), TemplateQueryGenerator)
    assert Seq2SeqQueryGenerator(tmp_path, 2).per_item == 2
