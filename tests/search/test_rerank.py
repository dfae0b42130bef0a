"""Cross-encoder reranking as a searcher layer (``nlrec query --rerank``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.encoders.base import Ranking
from nlrec.encoders.cross import CrossEncoderScorer
from nlrec.errors import NlrecError
from nlrec.index import build_index
from nlrec.search import SearchOptions, build_searcher
from nlrec.search.rerank import RerankSearcher, rerank_layer, rerank_ranking


@pytest.fixture
def idx(tiny_tracks, tiny_model):
    return build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model))


@pytest.fixture(scope="module")
def tiny_cross_encoder(tiny_model, tmp_path_factory) -> Path:
    """A tiny BERT cross-encoder (random one-logit head) saved as a directory."""
    from sentence_transformers import CrossEncoder

    path = tmp_path_factory.mktemp("ce") / "tiny-ce"
    CrossEncoder(str(tiny_model) + "-hf", num_labels=1, max_length=48, device="cpu").save_pretrained(str(path))
    return path


class ShortFirst:
    """Scores a document by how few characters it has (the opposite of nothing a retriever does)."""

    def __init__(self) -> None:
        self.calls = 0

    def score_pairs(self, pairs):
        self.calls += 1
        return np.array([-float(len(d)) for _, d in pairs], dtype=np.float32)


def test_rerank_ranking_reorders_the_head_and_keeps_the_tail():
    r = Ranking(np.array([5, 6, 7, 8]), np.array([4.0, 3.0, 2.0, 1.0], np.float32))
    out = rerank_ranking(r, np.array([0.1, 0.9, 0.5], np.float32))
    assert out.doc_ids.tolist() == [6, 7, 5, 8]
    assert out.scores[:3].tolist() == pytest.approx([0.9, 0.5, 0.1])
    assert out.scores[3] < out.scores[2]


def test_layer_reorders_by_the_scorer(idx):
    plain = build_searcher(idx, SearchOptions(mode="dense", negation="off"))
    scorer = ShortFirst()
    reranked = build_searcher(idx, SearchOptions(mode="dense", negation="off"), layers=[rerank_layer(scorer, 100)])
    before = plain.search("calm piano", k=len(idx.tracks)).hits
    after = reranked.search("calm piano", k=len(idx.tracks)).hits
    assert {h.id for h in before} == {h.id for h in after}
    lengths = [len(", ".join(h.descriptors)) for h in after]
    assert lengths == sorted(lengths)
    assert [h.score for h in after] == sorted((h.score for h in after), reverse=True)
    assert scorer.calls == 1


def test_only_the_top_n_are_reranked(idx):
    opts = SearchOptions(mode="dense", negation="off")
    before = [h.id for h in build_searcher(idx, opts).search("calm piano", k=6).hits]
    after = [h.id for h in build_searcher(idx, opts, layers=[rerank_layer(ShortFirst(), 2)]).search("calm piano", k=6).hits]
    assert set(after[:2]) == set(before[:2]) and after[2:] == before[2:]


def test_negation_still_filters_reranked_hits(idx):
    s = build_searcher(idx, SearchOptions(mode="bm25"), layers=[rerank_layer(ShortFirst(), 50)])
    result = s.search("piano without vocals", k=10)
    assert result.request.negative
    assert all(not any("vocal" in d for d in h.descriptors) or h.negation["absent"] for h in result.hits)


def test_bad_depth(idx):
    with pytest.raises(NlrecError, match="--rerank"):
        RerankSearcher(build_searcher(idx), ShortFirst(), 0)


def test_real_cross_encoder_order(idx, tiny_cross_encoder):
    scorer = CrossEncoderScorer.load(tiny_cross_encoder, device="cpu")
    s = build_searcher(idx, SearchOptions(mode="dense", negation="off"), layers=[rerank_layer(scorer, 100)])
    hits = s.search("calm piano", k=len(idx.tracks)).hits
    logits = scorer.score("calm piano", [", ".join(h.descriptors) for h in hits])
    assert np.all(np.diff(logits) <= 1e-5)
    assert [h.score for h in hits] == pytest.approx(logits.tolist(), abs=1e-5)


def _run(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def cli_index(tiny_catalog_file, tiny_model):
    r = _run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "tiny", "--model", str(tiny_model),
             "--json")
    assert r.exit_code == 0, r.output


def test_cli_rerank_reorders_and_is_off_by_default(cli_index, tiny_cross_encoder):
    args = ["query", "calm solo piano", "--index", "tiny", "-k", "5", "--mode", "dense", "--json"]
    plain = json.loads(_run(*args).stdout)["hits"]
    r = _run(*args, "--rerank", "--reranker", str(tiny_cross_encoder))
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)["hits"]
    scorer = CrossEncoderScorer.load(tiny_cross_encoder, device="cpu")
    expected = scorer.score("calm solo piano", [", ".join(h["descriptors"]) for h in hits])
    assert [h["score"] for h in hits] == pytest.approx(sorted(expected.tolist(), reverse=True), abs=1e-4)
    assert [h["score"] for h in plain] != [h["score"] for h in hits]
    again = json.loads(_run(*args).stdout)["hits"]
    assert again == plain


def test_cli_rerank_errors(cli_index, tmp_path, monkeypatch):
    monkeypatch.delenv("NLREC_RERANKER", raising=False)
    for extra, pattern in (([], "--rerank needs a cross-encoder"),
                           (["--reranker", str(tmp_path / "nope")], "cross-encoder .*nope not found")):
        r = _run("query", "calm piano", "--index", "tiny", "--rerank", "5", *extra)
        assert r.exit_code == 1, r.output
        err = r.stderr.strip()
        assert len(err.splitlines()) == 1 and err.startswith("Error: "), err
        assert __import__("re").search(pattern, err), err
    r = _run("query", "calm piano", "--index", "tiny", "--rerank", "0", "--reranker", str(tmp_path))
    assert r.exit_code == 2
