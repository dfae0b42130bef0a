"""The retriever registry: a retriever kind registered from this test module alone is built with
the index, loaded, and searched through ``nlrec query`` (its ``--mode``), alone, filtered and as
hybrid's lexical side, with no other change to nlrec."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.encoders.base import Ranking, top_k
from nlrec.errors import NlrecError
from nlrec.index import Index, build_index
from nlrec.index import retrievers as registry
from nlrec.search import SearchOptions, build_searcher


class Overlap:
    """Scores a document by the number of distinct request words it contains (a toy)."""

    name = "overlap"

    def __init__(self, documents: Sequence[str]) -> None:
        self.words = [frozenset(d.replace(",", " ").lower().split()) for d in documents]

    def scores(self, query: str) -> np.ndarray:
        q = set(query.lower().replace(",", " ").split())
        return np.asarray([len(q & w) for w in self.words], dtype=np.float32)

    def search(self, queries: Sequence[str], k: int) -> list[Ranking]:
        return [top_k(self.scores(q), k) for q in queries]

    def save(self, directory: Path) -> dict:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "words.json").write_text(json.dumps([sorted(w) for w in self.words]))
        return {"kind": "overlap", "documents": len(self.words)}

    @classmethod
    def read(cls, directory: Path) -> Overlap:
        out = cls([])
        out.words = [frozenset(w) for w in json.loads((directory / "words.json").read_text())]
        return out


@pytest.fixture
def overlap():
    kind = registry.register(registry.RetrieverKind(
        name="overlap", summary="shared words (a toy)", build=lambda i: Overlap(i.documents), reader=Overlap.read,
        from_documents=Overlap, lexical=True, score=True, restrict=False))
    yield kind
    registry.unregister("overlap")


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_registered_retriever_is_built_loaded_and_searched_through_the_cli(overlap, tiny_tracks, fake_encoder):
    assert "overlap" in registry.modes() and "overlap" in registry.lexical_kinds()
    index = build_index(Catalog.from_records(tiny_tracks), "tiny", encoder=fake_encoder, onnx=False)
    assert index.manifest.raw["retrievers"]["overlap"] == {"kind": "overlap", "documents": len(index.documents)}
    assert "overlap/words.json" in index.manifest.files  # saved with the index, verified like the rest
    assert isinstance(Index.open("tiny").retriever("overlap"), Overlap)  # loaded from its files

    r = _run("query", "steel drums upbeat", "--index", "tiny", "--mode", "overlap", "--json", "-k", "3")
    assert r.exit_code == 0, r.output
    hits = json.loads(r.output)["hits"]
    assert hits[0]["id"] == "t1" and hits[0]["score"] == 3.0
    assert all(h["score"] > 0 for h in hits)  # lexical: documents sharing no word are dropped

    # a subset is ranked from its scores (the kind does not restrict itself)
    r = _run("query", "upbeat", "--index", "tiny", "--mode", "overlap", "--where", "year > 2015", "--json")
    assert [h["id"] for h in json.loads(r.output)["hits"]] == ["t8"]

    hybrid = build_searcher(index, SearchOptions(mode="hybrid", sparse="overlap")).search("calm piano", 2)
    assert {h.id for h in hybrid.hits} == {"t2", "t5"}


def test_unknown_and_unregistered_modes_are_refused(overlap):
    r = CliRunner().invoke(cli, ["query", "x", "--mode", "nope"])
    assert r.exit_code == 2 and "overlap" in r.output  # the choices name every registered kind
    with pytest.raises(NlrecError, match="already registered"):
        registry.register(overlap)
    with pytest.raises(NlrecError, match="built in"):
        registry.unregister("bm25")


def test_capabilities_are_declared_consistently():
    with pytest.raises(NlrecError, match="restrict"):
        registry.RetrieverKind(name="x", summary="", from_documents=Overlap, restrict=False, score=False)
    dense = registry.kind("dense")
    assert dense.encoder and dense.vectors and dense.restrict and not dense.lexical
    assert registry.modes()[:3] == ("tfidf", "bm25", "dense") and registry.modes()[-1] == "hybrid"


class Nearest:
    """Exact cosine over the documents' vectors (a toy encoder kind with only a ``build``)."""

    name = "nearest"

    def __init__(self, encoder, vectors: np.ndarray) -> None:
        self.encoder, self.vectors = encoder, vectors

    def scores(self, query: str) -> np.ndarray:
        return self.vectors @ self.encoder.encode([query])[0]

    def search(self, queries: Sequence[str], k: int) -> list[Ranking]:
        return [top_k(self.scores(q), k) for q in queries]

    def save(self, directory: Path) -> dict:
        return {"kind": "nearest"}


def test_an_encoder_kind_is_an_evaluation_system(fake_encoder):
    """A kind with only a ``build`` is built for in-memory indexes too, so ``nlrec eval`` systems
    derive from the registry (the encoder's vectors are handed to ``build``)."""
    from nlrec.evaluation.runner import SystemConfig, benchmark_searcher

    registry.register(registry.RetrieverKind(name="nearest", summary="exact cosine (a toy)", encoder=True,
                                             build=lambda i: Nearest(i.encoder, i.vectors)))
    try:
        config = SystemConfig("nearest")
        assert config.uses_model
        corpus = ["calm piano", "loud metal guitar", "steel drums, tropical"]
        searcher = benchmark_searcher(config, corpus, embed=fake_encoder.encode)
        assert searcher.search("steel drums", 1).doc_ids.tolist() == [2]
        assert _run("eval", "run", "--help").output.count("nearest") >= 1  # a --system choice
    finally:
        registry.unregister("nearest")
    with pytest.raises(NlrecError, match="unknown system"):
        SystemConfig("nearest")
