from __future__ import annotations

import numpy as np
import pytest

from nlrec.encoders.sparse import BM25Retriever, TfidfRetriever

DOCS = [
    "steel drums, upbeat, tropical, calypso",
    "solo piano, calm, studying, slow tempo",
    "heavy metal, aggressive, distorted guitar, fast tempo",
    "synthwave, synth, driving, night",
    "jazz, piano trio, upright bass, romantic, dinner",
    "folk, acoustic guitar, female vocal, sad",
    "edm, high energy, workout, synth, drum machine",
    "classical, string quartet, violin, cello, calm",
    "reggae, offbeat guitar, summer, relaxed",
    "ambient, synth pad, meditation, calm, no drums",
]


def test_bm25s_agrees_with_rank_bm25():
    rank_bm25 = pytest.importorskip("rank_bm25")
    ours = BM25Retriever.build(DOCS, method="robertson", k1=1.5, b=0.75)
    corpus_tokens = ours.tokenize(DOCS)
    ref = rank_bm25.BM25Okapi(corpus_tokens, k1=1.5, b=0.75)
    for q in ["calm piano", "synth night driving", "aggressive metal guitar", "calm synth"]:
        tokens = ours.tokenize([q])[0]
        expected = ref.get_scores(tokens)
        # bm25s drops BM25's constant (k1 + 1) numerator factor: same ranking, scaled scores
        assert np.allclose(ours.scores(q) * (1.5 + 1), expected, atol=1e-5), q
        assert list(np.argsort(-ours.scores(q), kind="stable")) == list(np.argsort(-expected, kind="stable"))


def test_bm25_ranking_and_unknown_words():
    r = BM25Retriever.build(DOCS)
    top = r.search(["calm piano for studying"], 2)[0]
    assert top.doc_ids[0] == 1
    assert np.all(r.scores("zzzz qqqq") == 0)


def test_tfidf_matches_sklearn_cosine():
    from sklearn.feature_extraction.text import TfidfVectorizer

    r = TfidfRetriever.build(DOCS)
    vec = TfidfVectorizer().fit(DOCS)
    m = vec.transform(DOCS)
    for q in ["calm piano", "guitar", "synth workout energy"]:
        expected = (m @ vec.transform([q]).T).toarray().ravel()
        assert np.allclose(r.scores(q), expected, atol=1e-6)


@pytest.mark.parametrize("cls", [TfidfRetriever, BM25Retriever])
def test_save_load_round_trip_without_pickles(tmp_path, cls):
    r = cls.build(DOCS)
    r.save(tmp_path / "x")
    loaded = cls.load(tmp_path / "x")
    for q in ["calm piano", "aggressive metal", "synth"]:
        assert np.allclose(r.scores(q), loaded.scores(q))
    for f in (tmp_path / "x").iterdir():
        assert f.suffix in (".json", ".npy"), f
        if f.suffix == ".npy":
            np.load(f, allow_pickle=False)


def test_bm25_normalized_terms_meet_variant_spellings(tmp_path):
    docs = ["r&b, smooth, female vocal", "hip-hop, boom bap", "rock, loud"]
    plain = BM25Retriever.build(docs)
    norm = BM25Retriever.build(docs, normalize=True)
    assert plain.scores("rnb")[0] == 0 and norm.scores("rnb")[0] > 0
    assert int(np.argmax(norm.scores("hip hop"))) == 1
    entry = norm.save(tmp_path / "n")
    assert entry["normalize"] == "terms"
    again = BM25Retriever.load(tmp_path / "n")
    assert again.normalize and np.array_equal(again.scores("rnb"), norm.scores("rnb"))


def test_bm25_saved_before_normalization_loads_as_written(tmp_path):
    import json

    BM25Retriever.build(DOCS).save(tmp_path / "old")
    tok = tmp_path / "old" / "nlrec_tokenizer.json"
    tok.write_text(json.dumps({"stopwords": "en", "stemmer": "english"}))  # an index built before
    assert not BM25Retriever.load(tmp_path / "old").normalize
