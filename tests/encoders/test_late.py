"""Descriptor-level matching (nlrec.encoders.late): facets, MaxSim scoring, fusion in hybrid."""

from __future__ import annotations

import numpy as np
import pytest

from nlrec.encoders.late import LateRetriever, split_descriptors

# A tiny "semantic" space: words of one concept share a direction (creepy ~ eerie ~ horror).
CONCEPTS = {
    "creepy": 0, "eerie": 0, "horror": 0, "spooky": 0,
    "piano": 1, "keys": 1,
    "fast": 2, "uptempo": 2, "pace": 2,
    "vocal": 3, "vocals": 3, "singing": 3,
    "renaissance": 4, "medieval": 4,
    "rock": 5, "guitar": 6, "calm": 7, "mellow": 7, "jazz": 8, "drums": 9,
}
DIM = 12


def vectors_of(texts):
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().replace(",", " ").split():
            out[i, CONCEPTS.get(w, 10 + hash(w) % 2)] += 1.0
    n = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(n == 0, 1, n)


DOCS = [
    "fast pace, vocal, renaissance",      # 0: meets every facet of the request below
    "renaissance",                        # 1: one facet, exactly
    "fast pace, rock, guitar",            # 2: one facet
    "eerie, drums",                       # 3
    "calm piano, jazz",                   # 4
]


def test_split_descriptors():
    assert split_descriptors("calm piano,  rain sounds, ") == ["calm piano", "rain sounds"]


def test_facets_split_a_multi_facet_request_and_drop_filler():
    r = LateRetriever(DOCS, vectors_of)
    facets = [f.text for f in r.facets("some fast pace vocal renaissance music please")]
    assert sorted(facets) == ["fast pace", "renaissance", "vocal"]


def test_a_set_meeting_every_facet_outranks_one_meeting_one_facet_exactly():
    r = LateRetriever(DOCS, vectors_of)
    top = r.search(["fast pace vocal renaissance music"], 3)[0]
    assert top.doc_ids[0] == 0
    s = r.scores("fast pace vocal renaissance music")
    assert s[0] > s[1] > 0 and s[0] > s[2] > 0


def test_a_facet_reaches_related_descriptors_the_catalog_uses():
    r = LateRetriever(DOCS, vectors_of)
    s = r.scores("creepy music")
    # every facet met (1.0), half of the set asked for (0.5): 0.7 * 1.0 + 0.3 * 0.5
    assert int(np.argmax(s)) == 3 and s[3] == pytest.approx(0.85)
    assert s[4] == 0  # nothing related: no score, so lexical-style fusion drops it


def test_coverage_prefers_a_set_the_request_fully_describes():
    docs = ["calm piano, jazz, drums, rock", "calm piano, jazz"]
    assert LateRetriever(docs, vectors_of, coverage=0.0).scores("calm piano jazz").tolist() == [1.0, 1.0]
    s = LateRetriever(docs, vectors_of, coverage=0.3).scores("calm piano jazz")
    assert s[1] > s[0]


def test_saved_vectors_are_used_and_stale_ones_ignored(tmp_path):
    calls = []

    def counting(texts):
        calls.append(list(texts))
        return vectors_of(texts)

    LateRetriever(DOCS, vectors_of).save(tmp_path / "late")
    r = LateRetriever.open(tmp_path / "late", DOCS, counting)
    r.scores("renaissance")
    assert all("renaissance" not in c or c == ["renaissance"] for c in calls)  # only the request was embedded
    assert not any(len(c) > 3 for c in calls)
    stale = LateRetriever.open(tmp_path / "late", DOCS + ["brand new, descriptors"], counting)
    _ = stale.vectors
    assert any("brand new" in c for c in calls)  # another vocabulary: embedded again, not misread


def test_index_build_saves_the_late_retriever(tmp_path, fake_encoder):
    from nlrec.catalog import Catalog
    from nlrec.index import Index, build_index

    cat = Catalog.from_records([{"id": f"t{i}", "descriptors": d.split(", ")} for i, d in enumerate(DOCS)])
    build_index(cat, str(tmp_path / "idx"), encoder=fake_encoder, onnx=False)
    files = {p.name for p in (tmp_path / "idx").rglob("*") if p.parent.name == "late"}
    assert {"descriptors.json", "vectors.npy", "neighbours.npz"} <= files
    index = Index.open(str(tmp_path / "idx"))
    index.use_encoder(fake_encoder)
    assert index.retriever("late")._vectors is not None
    assert index.retriever("late")._neighbours is not None  # no vocabulary product at search time


def test_exact_descriptor_match_counts_as_one():
    r = LateRetriever(["Calm Piano, jazz"], lambda t: np.full((len(t), 2), 0.1, np.float32))
    f = r.facets("calm piano")
    assert f[0].text == "calm piano" and f[0].sims.max() == pytest.approx(1.0)


def test_restrict_and_empty_requests():
    r = LateRetriever(DOCS, vectors_of)
    got = r.search(["fast pace"], 5, restrict=np.array([1, 2, 4]))[0]
    assert set(got.doc_ids.tolist()) <= {1, 2, 4} and got.doc_ids[0] == 2
    assert not r.scores("the a of").any()


def test_hybrid_fuses_late_matching_as_a_third_ranking(fake_encoder):
    from nlrec.index import Index
    from nlrec.search import SearchOptions, build_searcher

    index = Index.in_memory(DOCS, encoder=fake_encoder)
    from nlrec.encoders.faiss_dense import DenseRetriever, build_faiss

    index._retrievers["dense"] = DenseRetriever(fake_encoder, build_faiss(fake_encoder.encode(DOCS), "Flat"))
    index._retrievers["late"] = LateRetriever(DOCS, vectors_of)
    from nlrec.search.searcher import document_searcher

    assert document_searcher(index, SearchOptions(mode="hybrid", late_weight=0)).late is None
    assert document_searcher(index, SearchOptions(mode="hybrid")).late is not None  # on by default
    hits = build_searcher(index, SearchOptions(mode="hybrid", negation="off")).search("creepy", k=3).hits
    assert hits[0].id == "d3"  # only descriptor-level matching relates "creepy" to "eerie"
    off = build_searcher(index, SearchOptions(mode="hybrid", negation="off", late_weight=0)).search("creepy", k=3)
    assert all(h.id != "d3" for h in off.hits) or off.hits[0].score < hits[0].score


def test_late_weight_is_validated():
    from nlrec.errors import NlrecError
    from nlrec.search import SearchOptions

    with pytest.raises(NlrecError, match="late weight"):
        SearchOptions(late_weight=-1)


def test_postings_scoring_equals_the_definition():
    """Scores through the descriptor postings equal the definition computed document by document."""
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    docs = [", ".join(dict.fromkeys(rng.choice(words, int(rng.integers(1, 6))).tolist())) for _ in range(300)]

    def vec(texts):
        out = np.stack([np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(8) for t in texts])
        out[:, 0] += 2.0  # related enough that facets form
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)

    r = LateRetriever(docs, vec)
    for q in ["w1 w2 w3", "w5", "w7 w8 w9 w10 w11"]:
        facets = r.facets(q)
        assert facets
        want = []
        for d in docs:
            rows = [r.vocabulary.index(x) for x in split_descriptors(d)]
            meet = [max((f.sims[i] if f.sims[i] >= r.floor else 0.0) for i in rows) for f in facets]
            asked = [max((f.sims[i] if f.sims[i] >= r.floor else 0.0) for f in facets) for i in rows]
            want.append(0.7 * np.mean(meet) + 0.3 * np.mean(asked))
        assert np.allclose(r.scores(q), want, atol=1e-5)


def test_phrases_that_are_descriptors_take_their_stored_vectors_and_embed_nothing():
    calls = []

    def counting(texts):
        calls.append(list(texts))
        return vectors_of(texts)

    r = LateRetriever(DOCS, counting)
    _ = r.vectors
    calls.clear()
    facets = [f.text for f in r.facets("fast pace vocal renaissance")]
    assert sorted(facets) == ["fast pace", "renaissance", "vocal"]
    assert calls == [["fast", "pace"]]  # only words the catalog never uses; the phrases are descriptors
    calls.clear()
    r.facets("spooky fast pace")
    assert calls == [["spooky", "fast", "pace"]]  # "spooky fast" is no descriptor: not a facet, not embedded
    every = LateRetriever(DOCS, counting, phrases="all")
    _ = every.vectors
    calls.clear()
    every.facets("spooky fast pace")
    assert sorted(calls[0]) == ["fast", "pace", "spooky", "spooky fast", "spooky fast pace"]  # descriptors never
    with pytest.raises(ValueError, match="phrases"):
        LateRetriever(DOCS, counting, phrases="some")


def test_linked_neighbours_give_the_same_scores_and_are_saved(tmp_path):
    plain = LateRetriever(DOCS, vectors_of)
    linked = LateRetriever(DOCS, vectors_of)
    linked.link(block=2)  # blocks smaller than the vocabulary
    for request in ("fast pace vocal renaissance music", "creepy music", "calm piano jazz", "spooky drums"):
        assert np.allclose(plain.scores(request), linked.scores(request), atol=1e-6)
    linked.save(tmp_path / "late")
    assert (tmp_path / "late" / "neighbours.npz").is_file()
    opened = LateRetriever.open(tmp_path / "late", DOCS, vectors_of)
    assert opened._neighbours is not None
    assert np.allclose(opened.scores("creepy music"), plain.scores("creepy music"), atol=1e-6)
    (tmp_path / "late2").mkdir()
    for name in ("descriptors.json", "vectors.npy"):
        (tmp_path / "late2" / name).write_bytes((tmp_path / "late" / name).read_bytes())
    assert LateRetriever.open(tmp_path / "late2", DOCS, vectors_of)._neighbours is None  # older index
