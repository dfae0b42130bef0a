from __future__ import annotations

import numpy as np
import pytest

from nlrec.encoders.sparse import BM25Retriever, TfidfRetriever
from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import build_benchmark, load_clips
from nlrec.evaluation.runner import EmbeddingCache, SystemConfig, rank_seed, run_benchmark


def full_order(scores: np.ndarray) -> list[int]:
    return np.lexsort((np.arange(len(scores)), -scores)).tolist()


@pytest.fixture
def bench(tiny_data):
    return build_benchmark(load_clips(tiny_data), "mc_human", seed=0)


@pytest.mark.parametrize("kind", ["tfidf", "bm25"])
def test_lexical_ranking_matches_the_core_retrievers(bench, kind):
    queries = [q.text for q in bench.queries]
    ranked = rank_seed(SystemConfig(kind), bench, depth=5)
    ret = (TfidfRetriever if kind == "tfidf" else BM25Retriever).build(bench.corpus)
    for i, (q, ref) in enumerate(zip(queries, ret.search(queries, 5))):
        assert ranked.top[i].tolist() == ref.doc_ids.tolist()
        assert np.allclose(ranked.top_scores[i], ref.scores, atol=1e-6)
        assert ranked.relevant_rank[i] == full_order(ret.scores(q)).index(bench.relevant[i]) + 1


def test_dense_ranking_is_exact_with_ties_by_row(bench, fake_encoder):
    enc = fake_encoder
    cache = EmbeddingCache(enc)
    queries = [q.text for q in bench.queries]
    eq, ec = enc.encode(queries), enc.encode(bench.corpus)
    dense = rank_seed(SystemConfig("dense"), bench, embed=cache.encode)
    for i in range(len(queries)):
        order = full_order(eq[i] @ ec.T)
        assert dense.top[i].tolist() == order[: len(dense.top[i])]
        assert dense.relevant_rank[i] == order.index(bench.relevant[i]) + 1


@pytest.mark.parametrize("config", [SystemConfig("dense"), SystemConfig("bm25"), SystemConfig("tfidf"),
                                    SystemConfig("hybrid"), SystemConfig("hybrid", hybrid_depth=2),
                                    SystemConfig("hybrid", sparse="tfidf", fusion="weighted", alpha=0.3)],
                         ids=lambda c: c.label)
def test_evaluation_ranks_like_nlrec_query(bench, config, fake_encoder):
    """One engine: the runner's top 10 are the documents ``nlrec query`` returns with the same options."""
    from nlrec.catalog import Catalog
    from nlrec.index import build_index
    from nlrec.search import build_searcher

    enc = fake_encoder
    catalog = Catalog.from_records([{"id": f"row{i}", "descriptors": d.split(", ")} for i, d in enumerate(bench.corpus)])
    index = build_index(catalog, "bench", encoder=enc, onnx=False)
    assert index.documents == bench.corpus
    searcher = build_searcher(index, config.search_options())
    ranked = rank_seed(config, bench, embed=EmbeddingCache(enc).encode)
    for i, q in enumerate(bench.queries):
        hits = searcher.search(q.text, k=10).hits
        expected = ranked.top[i][:10].tolist()
        if config.system in ("bm25", "tfidf"):  # nlrec query leaves out tracks sharing no word
            expected = expected[: len(hits)]
        assert [h.id for h in hits] == [f"row{r}" for r in expected]


def test_embedding_cache_encodes_each_text_once_and_persists(tmp_path, fake_encoder):
    enc = fake_encoder
    cache = EmbeddingCache(enc, tmp_path / "emb")
    a = cache.encode(["calm piano", "loud drums", "calm piano"])
    assert a.shape == (3, 16) and np.array_equal(a[0], a[2])
    cache.encode(["loud drums", "night drive"])
    assert enc.calls == [["calm piano", "loud drums"], ["night drive"]]
    cache.save()
    again = EmbeddingCache(type(enc)(), tmp_path / "emb")
    assert len(again) == 3
    assert np.array_equal(again.encode(["night drive"]), cache.encode(["night drive"]))
    assert again.encoder.calls == []


def test_system_labels_and_validation():
    assert SystemConfig("tfidf").label == "tfidf" and SystemConfig("tfidf").model_slug == "none"
    from nlrec.encoders.models import music_model_available

    assert SystemConfig("dense", model="minilm").model_slug == "all-minilm-l6-v2"
    assert SystemConfig("dense", model="music-minilm").model_slug == "nlrec-music-minilm"
    assert SystemConfig("dense").model_slug == ("nlrec-music-minilm" if music_model_available() else "all-minilm-l6-v2")
    assert SystemConfig("dense", model="/models/My Model/").model_slug == "my-model"
    assert SystemConfig("hybrid").label == "hybrid"
    assert SystemConfig("hybrid", sparse="tfidf").label == "hybrid-tfidf"
    assert SystemConfig("hybrid", fusion="weighted", alpha=0.3).label == "hybrid-bm25-weighted0.3"
    with pytest.raises(NlrecError):
        SystemConfig("colbert")  # type: ignore[arg-type]
    with pytest.raises(NlrecError):
        SystemConfig("hybrid", alpha=2.0)


def test_run_benchmark_writes_everything(tiny_data, tmp_path, fake_encoder):
    out = tmp_path / "eval"
    cache = EmbeddingCache(fake_encoder)
    r = run_benchmark(
        "mc_reco",
        SystemConfig("hybrid", sparse="tfidf", model="minilm"),
        data_dir=tiny_data,
        out_dir=out,
        cache=cache,
        seeds=(0, 1),
    )
    assert r["benchmark"] == "mc_reco" and r["label"] == "hybrid-tfidf" and r["seeds"] == [0, 1]
    assert r["n_queries"] == 6 and r["model"]["id"] == "fake/bag-of-words"
    assert (out / "results" / "mc_reco__hybrid-tfidf__all-minilm-l6-v2.json").is_file()
    assert all((out / p).is_file() for p in r["runs"])
    assert (out / "benchmarks" / "mc_reco" / "seed1" / "qrels" / "test.tsv").is_file()
    with pytest.raises(NlrecError):
        run_benchmark("mc", SystemConfig("tfidf"), data_dir=tiny_data, out_dir=out, run_depth=5)
