"""Generations, writer locks and what nlrec may replace or remove (issue 14, items 1-5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.errors import IndexFileError, NlrecError
from nlrec.index import Index, build_index, list_indexes, remove_index, resolve_index_path
from nlrec.index.generations import GenerationWriter, read_pointer
from nlrec.locks import LockTimeout, exclusive_lock


@pytest.fixture
def catalog(tiny_tracks) -> Catalog:
    return Catalog.from_records(tiny_tracks, source="tiny")


def _build(catalog, name, fake_encoder, **kw):
    return build_index(catalog, name, encoder=fake_encoder, onnx=False, **kw)


def _fake_app(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text('{"name": "app"}')
    (folder / "index.html").write_text("<html/>")


# ---------------------------------------------------------------------- items 1 and 2
def test_plain_name_never_means_a_folder_in_the_current_directory(catalog, fake_encoder, tmp_path,
                                                                  monkeypatch, nlrec_home):
    _build(catalog, "small", fake_encoder).close()
    _fake_app(tmp_path / "cwd" / "small")
    monkeypatch.chdir(tmp_path / "cwd")
    assert resolve_index_path("small") == nlrec_home / "small"
    result = CliRunner().invoke(cli, ["index", "rm", "small", "-y"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cwd" / "small" / "index.html").exists()  # untouched
    assert not (nlrec_home / "small").exists()
    _build(catalog, "small", fake_encoder).close()
    assert (tmp_path / "cwd" / "small" / "manifest.json").read_text() == '{"name": "app"}'


@pytest.mark.parametrize("how", ["rm", "build"])
def test_a_folder_with_any_manifest_is_not_an_index(catalog, fake_encoder, tmp_path, how):
    app = tmp_path / "app"
    _fake_app(app)
    with pytest.raises(NlrecError, match="is not an nlrec index"):
        if how == "rm":
            remove_index(str(app))
        else:
            _build(catalog, str(app), fake_encoder)
    assert sorted(p.name for p in app.iterdir()) == ["index.html", "manifest.json"]
    result = CliRunner().invoke(cli, ["index", "rm", str(app), "-y"])
    assert result.exit_code == 1 and "is not an nlrec index" in result.output
    assert (app / "index.html").exists()


def test_a_legacy_format1_index_opens_and_migrates(catalog, fake_encoder, tmp_path):
    idx = _build(catalog, str(tmp_path / "old"), fake_encoder)
    gen = idx.path
    idx.close()
    legacy = tmp_path / "legacy"
    os.rename(gen, legacy)  # a format-1 directory: manifest.json at the top
    m = json.loads((legacy / "manifest.json").read_text())
    m["format"] = 1
    del m["kind"], m["generation"]
    (legacy / "manifest.json").write_text(json.dumps(m))
    (legacy / "notes.txt").write_text("mine")
    with Index.open(str(legacy)) as old:
        assert old.generation is None and len(old.tracks) == 8
    with _build(catalog, str(legacy), fake_encoder) as new:
        assert new.generation == 1
    assert sorted(p.name for p in legacy.iterdir() if not p.name.startswith(".")) == [
        "CURRENT", "gen-000001", "gen-000001.lock", "notes.txt"]


# ---------------------------------------------------------------------- item 3
def test_build_never_removes_leftovers_it_cannot_prove_it_made(catalog, fake_encoder, tmp_path):
    target = tmp_path / "target"
    others = [tmp_path / ".trash-x-1", tmp_path / ".old-target-1-abcd1234", tmp_path / ".tmp-target-999999-abcd1234",
              tmp_path / ".tmp-other-1-ab"]
    for p in others:
        p.mkdir()
        (p / "f").write_text("x")
    _build(catalog, str(target), fake_encoder).close()
    (target / ".staging-999999-0123456789abcdef").mkdir()  # no .owner marker: not provably ours
    _build(catalog, str(target), fake_encoder).close()
    assert all((p / "f").exists() for p in others)
    assert (target / ".staging-999999-0123456789abcdef").exists()


# ---------------------------------------------------------------------- items 4 and 5
def test_a_reader_keeps_its_generation_through_rebuilds(catalog, fake_encoder, tmp_path):
    first = _build(catalog, "g", fake_encoder)
    small = Catalog.from_records([t.to_dict() for t in catalog.tracks[:3]], source="small")
    for _ in range(3):
        _build(small, "g", fake_encoder).close()
    assert first.generation == 1 and first.path.is_dir() and not first.is_current()
    assert len(first.tracks) == 8 and first.retriever("bm25") is not None  # still whole, lazily loaded
    newest = first.refreshed()
    assert newest.generation == 4 and len(newest.tracks) == 3
    first.close()
    newest.close()
    _build(small, "g", fake_encoder).close()
    gens = sorted(p.name for p in (resolve_index_path("g")).iterdir() if p.name.startswith("gen-"))
    assert gens == ["gen-000005", "gen-000005.lock"]  # released generations were collected


def test_rm_while_a_reader_holds_a_generation(catalog, fake_encoder):
    idx = _build(catalog, "r", fake_encoder)
    remove_index("r")
    assert list_indexes() == []
    with pytest.raises(IndexFileError, match="no index named 'r'"):
        Index.open("r")
    assert len(idx.tracks) == 8 and idx.path.is_dir()
    idx.close()
    _build(catalog, "r", fake_encoder).close()  # the next writer collects the held generation
    names = sorted(p.name for p in resolve_index_path("r").iterdir() if not p.name.startswith("."))
    assert names[0] == "CURRENT" and len(names) == 3  # one generation and its lock file


def test_writers_are_serialised(catalog, fake_encoder, monkeypatch):
    root = resolve_index_path("w")
    monkeypatch.setenv("NLREC_LOCK_TIMEOUT", "0.2")
    with GenerationWriter(root):
        with pytest.raises(LockTimeout, match="index 'w' is being changed by another"):
            _run_in_thread(lambda: _build(catalog, "w", fake_encoder))
    monkeypatch.setenv("NLREC_LOCK_TIMEOUT", "30")
    _build(catalog, "w", fake_encoder).close()
    assert read_pointer(root).generation == 1


def _run_in_thread(fn):
    box = {}

    def run():
        try:
            box["v"] = fn()
        except BaseException as e:  # noqa: BLE001
            box["e"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "e" in box:
        raise box["e"]
    return box["v"]


def test_two_concurrent_cli_builds_both_commit_in_turn(tiny_catalog_file, nlrec_home, tmp_path):
    """Two ``nlrec index build`` of one name at once: the second waits; both generations exist."""
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent.parent)!r})
        from conftest import FakeEncoder
        from nlrec.catalog import Catalog
        from nlrec.index import build_index

        class Slow(FakeEncoder):
            def encode(self, texts, **kw):
                time.sleep(0.5)
                return super().encode(texts, **kw)

        idx = build_index(Catalog.from_file({str(tiny_catalog_file)!r}), "same", encoder=Slow(), onnx=False)
        print(idx.generation)
    """)
    env = {**os.environ, "NLREC_HOME": str(nlrec_home)}
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env, cwd=str(Path(__file__).parents[2])) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert sorted(int(o.strip()) for o, _ in outs) == [1, 2]


def test_lock_is_reentrant_within_a_thread(tmp_path):
    with exclusive_lock(tmp_path / ".lock", "x"), exclusive_lock(tmp_path / ".lock", "x"):
        pass


# ---------------------------------------------------------------------- item 6
def _corrupt_vectors(path: Path) -> None:
    """Flip 64 bytes in the vector data of ``dense.faiss`` (past the header)."""
    f = path / "dense" / "dense.faiss"
    data = bytearray(f.read_bytes())
    for i in range(64):
        data[len(data) - 2 - i * 3] ^= 0x5A  # exponent bytes of the last rows
    f.write_bytes(bytes(data))


def test_flipped_vector_bytes_are_caught_without_hashing(catalog, fake_encoder):
    """Above 256 MiB only sizes are hashed at open: the unit-norm check must still catch it."""
    from nlrec.search import search

    idx = _build(catalog, "big", fake_encoder)
    _corrupt_vectors(idx.path)
    idx.close()
    with Index.open("big", verify=False) as again:  # as for a large index: sizes only
        again.use_encoder(fake_encoder)
        with pytest.raises(IndexFileError, match="corrupted: dense vector .* not unit length"):
            search(again, "jazz piano", k=3, mode="dense")


def test_a_cosine_above_one_is_refused_at_query_time(fake_encoder):
    import numpy as np

    from nlrec.encoders.base import Ranking
    from nlrec.search.documents import RetrieverSearcher

    class Broken:
        name = "dense"

        def search(self, queries, k):
            return [Ranking(np.array([0]), np.array([33.7], dtype=np.float32)) for _ in queries]

    with pytest.raises(IndexFileError, match="index 'x' is corrupted: a dense score of 33.7"):
        RetrieverSearcher(Broken(), index_name="x").search("jazz piano", 3)


def test_verify_covers_the_manifest_and_refuses_empty_files(catalog, fake_encoder):
    idx = _build(catalog, "v", fake_encoder)
    manifest = idx.path / "manifest.json"
    raw = json.loads(manifest.read_text())
    idx.close()
    manifest.write_text(json.dumps({**raw, "files": {}}))
    for args in (["index", "info", "v", "--verify"], ["index", "info", "v"], ["query", "jazz", "--index", "v"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1 and "manifest.json does not match its checksum" in result.output, result.output
    manifest.write_text(json.dumps(raw, indent=2) + "\n")  # the exact bytes written by the build
    assert CliRunner().invoke(cli, ["index", "info", "v", "--verify"]).exit_code == 0
    (idx.path / "stray.bin").write_bytes(b"x")
    result = CliRunner().invoke(cli, ["index", "info", "v", "--verify"])
    assert result.exit_code == 1 and "stray.bin is not listed" in result.output


def test_a_copied_index_without_lock_files_still_opens(catalog, fake_encoder, tmp_path):
    import shutil

    _build(catalog, str(tmp_path / "a"), fake_encoder).close()
    shutil.copytree(tmp_path / "a", tmp_path / "b", ignore=shutil.ignore_patterns("*.lock"))
    with Index.open(str(tmp_path / "b")) as idx:
        assert len(idx.tracks) == 8


def test_a_sub_directory_manifest_is_listed_and_verified(catalog, fake_encoder):
    """Only the top-level manifest.json is left out of the file table (e.g. audio/manifest.json is in)."""
    from nlrec.index.manifest import file_table

    idx = _build(catalog, "sub", fake_encoder)
    (idx.path / "extra").mkdir()
    (idx.path / "extra" / "manifest.json").write_text("{}")
    assert "extra/manifest.json" in file_table(idx.path) and "manifest.json" not in file_table(idx.path)
    idx.close()


def test_a_deferred_retriever_is_made_from_the_documents_when_used(catalog, fake_encoder):
    """``build_index(defer=("tfidf",))`` (the demo index) writes no TF-IDF files and lists the kind
    as deferred; searching it makes it from the documents, ranking as one built with the index;
    an update keeps it deferred; a kind that is not made from documents cannot be deferred."""
    from nlrec.errors import NlrecError
    from nlrec.search import search

    full, lazy = _build(catalog, "full", fake_encoder), _build(catalog, "lazy", fake_encoder, defer=("tfidf",))
    assert (full.path / "tfidf").is_dir() and not (lazy.path / "tfidf").exists()
    assert lazy.manifest.raw["deferred"] == ["tfidf"] and "deferred" not in full.manifest.raw
    for q in ("jazz piano", "calm strings", "upbeat"):
        want = [(h.id, round(h.score, 6)) for h in search(full, q, k=5, mode="tfidf")]
        assert [(h.id, round(h.score, 6)) for h in search(lazy, q, k=5, mode="tfidf")] == want
        assert [h.id for h in search(lazy, q, k=5, mode="hybrid", sparse="tfidf")] == \
            [h.id for h in search(full, q, k=5, mode="hybrid", sparse="tfidf")]
    from nlrec.index.update import update_index

    report = update_index(lazy, upsert=[], remove=[catalog.tracks[0].id])
    again = report["index"]
    assert again.generation == 2 and again.manifest.raw["deferred"] == ["tfidf"]
    assert not (again.path / "tfidf").exists() and search(again, "jazz piano", k=3, mode="tfidf")
    with pytest.raises(NlrecError, match="'dense' cannot be deferred"):
        _build(catalog, "bad", fake_encoder, defer=("dense",))


def test_a_build_embeds_each_text_once(catalog, fake_encoder):
    """The late retriever's descriptor vocabulary and the negation cache share one embedding pass:
    across the whole build no text is sent to the encoder twice."""
    from collections import Counter

    from nlrec.negation.semantic import clear_vector_caches

    clear_vector_caches()  # as in a new process
    _build(catalog, "once", fake_encoder)
    sent = Counter(t for call in fake_encoder.calls for t in call)
    assert sent and max(sent.values()) == 1, [t for t, n in sent.items() if n > 1]
    descriptors = {d.strip() for t in catalog.tracks for d in t.descriptors}
    assert descriptors <= set(sent)  # the descriptors were embedded (once)
