from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from nlrec.catalog import Catalog
from nlrec.encoders.dense import load_encoder
from nlrec.encoders.onnx import onnx_dir
from nlrec.errors import IndexFileError, IndexMismatchError, NlrecError
from nlrec.index import Index, build_index, list_indexes, remove_index, verify_files
from nlrec.search import search


class CountingEncoder:
    """Wraps an encoder and records every text it embeds."""

    def __init__(self, inner):
        self.inner = inner
        self.seen: list[str] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, texts, **kw):
        self.seen.extend(texts)
        return self.inner.encode(texts, **kw)


@pytest.fixture
def catalog(tiny_tracks) -> Catalog:
    return Catalog.from_records(tiny_tracks, source="tiny")


@pytest.fixture
def built(catalog, tiny_model) -> Index:
    return build_index(catalog, "tiny", model=str(tiny_model))


def test_build_layout_and_manifest(built, catalog, tiny_model, nlrec_home):
    assert built.root == nlrec_home / "tiny" and built.path == nlrec_home / "tiny" / "gen-000001"
    assert built.generation == 1 and built.manifest.generation == 1 and built.manifest.format == 2
    m = built.manifest.raw
    assert m["encoder"]["id"] == str(tiny_model.resolve())
    assert m["encoder"]["model"] == str(tiny_model.resolve())
    assert len(m["encoder"]["weights_sha256"]) == 64
    assert m["dimension"] == 32 and "inner_product" in m["metric"]
    assert m["corpus"]["sha256"] == catalog.fingerprint()
    assert m["corpus"]["n_tracks"] == 8 and m["corpus"]["n_documents"] == 7  # t2 and t5 share a set
    assert m["faiss"]["factory"] == "Flat"
    assert m["nlrec_version"] and m["created_at"]
    files = {p.relative_to(built.path).as_posix() for p in built.path.rglob("*") if p.is_file()}
    assert files == set(m["files"]) | {"manifest.json"}
    assert not any(f.endswith((".pkl", ".pickle")) for f in files)
    reopened = Index.open("tiny")
    assert [t.id for t in reopened.tracks] == [t.id for t in catalog.tracks]
    assert reopened.tracks[0].title == "Sunny Pan"


def test_identical_descriptor_sets_embedded_once(catalog, tiny_model):
    enc = CountingEncoder(load_encoder(str(tiny_model)))
    idx = build_index(catalog, "dedup", encoder=enc, onnx=False)
    # the descriptor sets (the build also embeds single descriptors for the negation matcher)
    sets = [t for t in enc.seen if t in set(idx.documents)]
    assert len(sets) == len(set(sets)) == 7
    hits = search(idx, "solo piano calm studying", k=8, mode="dense")
    ids = [h.id for h in hits]
    assert ids.index("t5") == ids.index("t2") + 1  # same set: same score, adjacent
    assert hits[ids.index("t2")].score == hits[ids.index("t5")].score


def test_dense_search_equals_bruteforce(built, tiny_model):
    enc = load_encoder(str(tiny_model))
    docs = enc.encode(built.documents)
    q = enc.encode(["calm piano"])[0]
    sims = docs @ q
    got = built.retriever("dense").search(["calm piano"], len(built.documents))[0]
    assert sorted(got.doc_ids.tolist()) == list(range(len(built.documents)))
    assert np.allclose(got.scores, sims[got.doc_ids], atol=1e-5)  # each score is the true cosine
    assert np.allclose(got.scores, np.sort(sims)[::-1], atol=1e-5)  # and the order is by it


def test_mismatched_encoder_is_refused(built, other_tiny_model, tiny_model):
    with pytest.raises(IndexMismatchError, match="was built with encoder .* rebuild the index"):
        search(built, "calm piano", mode="dense", model=str(other_tiny_model))
    assert search(built, "calm piano", mode="dense", model=str(tiny_model))


def test_model_changed_on_disk_is_refused(catalog, tmp_path, tiny_model, other_tiny_model):
    import shutil

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_model, model_dir)
    build_index(catalog, "m", model=str(model_dir))
    before = [h.id for h in search(Index.open("m"), "calm piano", k=8, mode="dense")]
    shutil.rmtree(model_dir)
    shutil.copytree(other_tiny_model, model_dir)
    # the cached ONNX export holds the weights the index was built with: still consistent
    assert [h.id for h in search(Index.open("m"), "calm piano", k=8, mode="dense")] == before
    # without it, the changed model on disk is detected and refused
    shutil.rmtree(onnx_dir(Index.open("m").manifest.encoder.weights_sha256))
    with pytest.raises(IndexMismatchError, match="the model recorded in it"):
        search(Index.open("m"), "calm", mode="dense")
    # sparse modes do not need the encoder at all
    assert search(Index.open("m"), "calm piano", mode="bm25")


@pytest.mark.parametrize(
    ("damage", "pattern"),
    [
        (lambda p: (p / "dense" / "dense.faiss").write_bytes(b"garbage"), "dense/dense.faiss does not match"),
        (lambda p: (p / "tracks.jsonl").unlink(), "tracks.jsonl is missing"),
        (lambda p: (p / "manifest.json").write_text("{not json"), "unreadable manifest.json"),
        (lambda p: (p / "manifest.json").write_text('{"format": 99}'), "manifest.json does not match its checksum"),
        (lambda p: _flip_byte(p / "bm25" / "data.csc.index.npy"), "bm25/data.csc.index.npy does not match"),
    ],
)
def test_corrupted_index_files(built, damage, pattern):
    damage(built.path)
    with pytest.raises(IndexFileError, match=pattern):
        Index.open("tiny")


def _flip_byte(p: Path) -> None:
    b = bytearray(p.read_bytes())
    b[-1] ^= 0xFF
    p.write_bytes(bytes(b))


def test_unverified_corrupt_faiss_still_gives_clear_error(built):
    (built.path / "dense" / "dense.faiss").write_bytes(b"garbage")
    idx = Index.open("tiny", verify=False)
    with pytest.raises(IndexFileError, match="corrupted FAISS index"):
        search(idx, "calm", mode="dense")


def test_hybrid_loads_retrievers_concurrently_and_reports_their_errors(built):
    idx = Index.open("tiny")
    idx.load_retrievers(["dense", "bm25", "dense"])
    assert set(idx._retrievers) == {"dense", "bm25"}
    assert search(idx, "calm piano", mode="hybrid")
    (built.path / "bm25" / "vocab.index.json").write_text("{not json", encoding="utf-8")
    broken = Index.open("tiny", verify=False)
    with pytest.raises(IndexFileError, match="cannot load its bm25 files"):
        search(broken, "calm piano", mode="hybrid")  # raised in the loader thread, re-raised here


def test_unknown_index_lists_known(built):
    with pytest.raises(IndexFileError, match="no index named 'nope'.*known indexes: tiny"):
        Index.open("nope")
    with pytest.raises(NlrecError, match="invalid index name"):
        Index.open("bad name!")


def test_rebuild_replaces_and_list_remove(built, catalog, tiny_model, nlrec_home):
    first = built.manifest.created_at, built.manifest.raw["files"]["tracks.jsonl"]["sha256"]
    smaller = Catalog.from_records([t.to_dict() for t in catalog.tracks[:3]], source="small")
    again = build_index(smaller, "tiny", model=str(tiny_model))
    assert again.manifest.n_tracks == 3
    assert again.manifest.raw["files"]["tracks.jsonl"]["sha256"] != first[1]
    assert [i["name"] for i in list_indexes()] == ["tiny"]
    assert not [p for p in nlrec_home.iterdir() if p.name.startswith(".")  and not p.name.startswith(".cache")]
    built.close()
    again.close()
    remove_index("tiny")
    assert list_indexes() == []
    with pytest.raises(IndexFileError):
        remove_index("tiny")


def test_build_killed_midway_leaves_previous_index_intact(built, tiny_model, tiny_catalog_file, nlrec_home):
    before = {k: v["sha256"] for k, v in built.manifest.raw["files"].items()}
    manifest_before = (built.path / "manifest.json").read_bytes()
    script = textwrap.dedent(f"""
        import time, sys
        from nlrec.catalog import Catalog
        from nlrec.encoders.dense import load_encoder
        from nlrec.index import build_index

        class Slow:
            def __init__(self, inner): self.inner = inner
            def __getattr__(self, n): return getattr(self.inner, n)
            def encode(self, texts, **kw):
                print("ENCODING", flush=True)
                time.sleep(60)
                return self.inner.encode(texts, **kw)

        cat = Catalog.from_file({str(tiny_catalog_file)!r})
        build_index(cat, "tiny", encoder=Slow(load_encoder({str(tiny_model)!r})))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "NLREC_HOME": str(nlrec_home)})
    try:
        line = proc.stdout.readline()
        assert line.strip() == "ENCODING"
        assert any(p.name.startswith(".staging-") for p in (nlrec_home / "tiny").iterdir())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    idx = Index.open("tiny")
    assert (idx.path / "manifest.json").read_bytes() == manifest_before
    verify_files(idx.path, idx.manifest, full=True)
    assert {k: v["sha256"] for k, v in idx.manifest.raw["files"].items()} == before
    assert [i["name"] for i in list_indexes()] == ["tiny"]
    # the next build of that index sweeps the dead build's staging directory (marked as nlrec's)
    build_index(Catalog.from_file(tiny_catalog_file), "tiny", model=str(tiny_model))
    assert not any(p.name.startswith(".staging-") for p in (nlrec_home / "tiny").iterdir())


def test_exception_during_build_cleans_up(catalog, tiny_model, nlrec_home, built):
    class Boom:
        id, dimension = "boom", 32

        def fingerprint(self):
            return "0" * 64

        def encode(self, texts, **kw):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        build_index(catalog, "tiny", encoder=Boom())
    assert not any(p.name.startswith(".staging-") for p in (nlrec_home / "tiny").iterdir())
    assert Index.open("tiny").manifest.encoder.id == str(tiny_model.resolve())


def test_hnsw_factory_option(catalog, tiny_model):
    idx = build_index(catalog, "hnsw", model=str(tiny_model), factory="HNSW8,Flat")
    assert idx.manifest.factory == "HNSW8,Flat"
    assert {h.id for h in search(idx, "calm piano", k=8, mode="dense")} == {t.id for t in catalog.tracks}


def test_never_replaces_a_directory_that_is_not_an_index(catalog, tiny_model, nlrec_home, tmp_path):
    with pytest.raises(NlrecError, match="reserved"):
        build_index(catalog, "profiles", model=str(tiny_model))
    precious = nlrec_home / "mydata"
    precious.mkdir(parents=True)
    (precious / "keep.txt").write_text("x")
    with pytest.raises(NlrecError, match="is not an nlrec index"):
        build_index(catalog, "mydata", model=str(tiny_model))
    assert (precious / "keep.txt").read_text() == "x"


def test_tracks_are_read_lazily_and_match_the_catalog(built, catalog):
    from nlrec.index import LazyTracks

    idx = Index.open("tiny")
    assert isinstance(idx.tracks, LazyTracks) and len(idx.tracks) == len(catalog)
    assert list(idx.tracks) == catalog.tracks
    assert idx.tracks[-1] == catalog.tracks[-1] and idx.tracks[1:3] == catalog.tracks[1:3]
    with pytest.raises(IndexError):
        idx.tracks[len(catalog)]
    groups = [[] for _ in idx.documents]
    for row, d in enumerate(idx.track_doc.tolist()):
        groups[d].append(row)
    assert [idx.doc_tracks[d] for d in range(len(idx.documents))] == groups
    assert [h.id for h in search(idx, "calm piano", k=3)] == [h.id for h in search(built, "calm piano", k=3)]


def test_index_without_track_offsets_still_opens(built, catalog):
    """Indexes built before tracks.offsets.npy existed parse tracks.jsonl at open."""
    for name in ("tracks.offsets.npy", "track_doc.npy"):
        (built.path / name).unlink()
    idx = Index.open("tiny", verify=False)
    assert isinstance(idx.tracks, list) and idx.tracks == catalog.tracks
    assert search(idx, "steel drums", k=1)[0].id == "t1"


def test_damaged_track_line_gives_a_clear_error(built):
    data = bytearray((built.path / "tracks.jsonl").read_bytes())
    data[0:1] = b"X"  # same size, broken JSON on the first line
    (built.path / "tracks.jsonl").write_bytes(bytes(data))
    idx = Index.open("tiny", verify=False)
    with pytest.raises(IndexFileError, match="corrupted .*track row 0"):
        [idx.tracks[r] for r in range(len(idx.tracks))]
    (built.path / "tracks.jsonl").write_bytes(bytes(data[:-5]))  # truncated
    with pytest.raises(IndexFileError, match="does not match its offsets"):
        Index.open("tiny", verify=False)
    with pytest.raises(IndexFileError, match="tracks.jsonl does not match"):
        Index.open("tiny")  # the manifest check catches it first
