"""The Milvus backend, against a real Milvus Lite engine (no mock): the same rankings as the local
backend, filters pushed down with the same meaning, resumable streaming builds, updates as
upserts / deletes, and one-line errors when Milvus or a collection is not what the index expects."""

from __future__ import annotations

import json
import os
import random

import numpy as np
import pytest

os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # before gRPC loads: no keepalive notices on stderr
pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from nlrec.catalog import Catalog  # noqa: E402
from nlrec.errors import NlrecError  # noqa: E402
from nlrec.index import Index, build_index  # noqa: E402
from nlrec.index.milvus import MilvusError, MilvusStore, connect, target, verify_backend  # noqa: E402
from nlrec.index.milvus.build import build_milvus_index  # noqa: E402
from nlrec.index.milvus.sources import CatalogSource  # noqa: E402
from nlrec.index.update import update_index  # noqa: E402
from nlrec.search import SearchOptions, build_searcher  # noqa: E402
from nlrec.search.filters import parse_filter, track_fields  # noqa: E402
from nlrec.search.milvus_filters import Untranslatable, to_milvus  # noqa: E402


@pytest.fixture(autouse=True)
def _stop_milvus_lite():
    """Each test's Milvus Lite servers stop with it (they are threads of the test process)."""
    yield
    from nlrec.index.milvus import disconnect_all

    disconnect_all()


WORDS = ["rock", "jazz", "piano", "calm", "vocals", "guitar", "drums", "ambient", "happy", "sad",
         "electronic", "female vocals", "male vocals", "strings", "bass"]
QUERIES = ["calm piano", "rock with guitar", "happy electronic without vocals", "jazz drums",
           "sad strings, no bass", "songs like Artist 3"]
WHERE = [None, "year >= 1990 and year < 2000", "label = 'Warp'", "artist = 'artist 3'",
         "descriptors contains 'jazz'", "not (year > 2000)", "bpm < 120", "label in ('ECM', '4ad') and year is not null"]


def rows(n: int = 240, seed: int = 0, prefix: str = "t") -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        row = {"id": f"{prefix}{i}", "title": f"Song {prefix}{i}", "artist": f"Artist {i % 9}",
               "label": rng.choice(["Warp", "4AD", "ECM"]), "descriptors": rng.sample(WORDS, rng.randint(1, 4))}
        if i % 7:
            row["year"] = 1960 + i % 60
        if i % 3:
            row["bpm"] = str(80 + i % 90)  # a number written as text, as CSV catalogs have them
        out.append(row)
    return out


@pytest.fixture
def pair(tmp_path, fake_encoder):
    """The same catalog as a local index and as a Milvus Lite one (built in several chunks)."""
    cat = Catalog.from_records(rows(), source="test")
    local = build_index(cat, "local", encoder=fake_encoder, onnx=False)
    where = target(str(tmp_path / "milvus.db"), "songs")
    milvus = build_milvus_index(cat, "remote", where, encoder=fake_encoder, chunk_size=50)
    yield local, milvus, where
    local.close()
    milvus.close()


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


def test_milvus_ranks_exactly_like_the_local_backend(pair):
    local, milvus, _ = pair
    assert milvus.backend == "milvus" and local.backend == "local"
    assert milvus.milvus().counts() == (len(local.documents), len(local.tracks))
    assert [t.id for t in milvus.tracks] == [t.id for t in local.tracks]
    assert milvus.documents == local.documents
    compared = 0
    for mode in ("dense", "bm25", "tfidf", "hybrid"):
        for where in WHERE:
            options = SearchOptions(mode=mode, where=where)
            a = build_searcher(local, options).batch_search(QUERIES, 10)
            b = build_searcher(milvus, options).batch_search(QUERIES, 10)
            for x, y in zip(a, b):
                assert ids(x) == ids(y), (mode, where, x.text)
                assert [h.score for h in x.hits] == pytest.approx([h.score for h in y.hits], abs=1e-5)
                compared += 1
    assert compared == 4 * len(WHERE) * len(QUERIES)


def test_filters_run_in_milvus_with_the_local_meaning(pair):
    local, milvus, _ = pair
    store = milvus.milvus()
    exprs = WHERE[1:] + ["year is null", "not (label = 'warp')", "bpm = '100'", "bpm >= 150 or year < 1965",
                         "descriptors = 'Female Vocals'", "descriptors != 'jazz'", "title contains 'song t1'",
                         "label not in ('Warp')", "artist != 'artist 1' and not (year >= 2000)", "missing = 'x'",
                         # text compared as text, numbers as numbers, out-of-range numbers decided
                         "bpm contains '10'", "bpm = '0100'", "bpm != 100", "bpm < '150'", "not (bpm > 99.5)",
                         "year > 99999999999999999999", "not (year < -99999999999999999999)", "year != 1.5"]
    for expr in exprs:
        f = parse_filter(expr)
        expected = sorted(t.id for t in local.tracks if f.matches(track_fields(t)))
        got, _ = store.matching_tracks(to_milvus(expr), total=10_000)  # one query (Milvus Lite)
        assert sorted(got) == expected, (expr, to_milvus(expr))
    paged, keys = store.matching_tracks(to_milvus("year >= 1990"), batch=17)  # the iterator servers need
    assert sorted(paged) == sorted(t.id for t in local.tracks if t.year is not None and t.year >= 1990)
    assert len(keys) == len(paged)


@pytest.mark.parametrize("expr", ["year = '1995'", "title = 5", "Label = 'warp'", "label contains '50%'",
                                  "bpm > 99999999999999999999"])
def test_filters_milvus_cannot_say_exactly_are_evaluated_locally(pair, expr):
    local, milvus, _ = pair
    with pytest.raises(Untranslatable):
        to_milvus(expr)
    options = SearchOptions(mode="dense", where=expr)
    assert ids(build_searcher(local, options).search("calm piano", 10)) == \
        ids(build_searcher(milvus, options).search("calm piano", 10))


def test_similar_references_and_profiles_read_vectors_from_milvus(pair):
    from nlrec.search.similar import similar

    local, milvus, _ = pair
    a = similar(local, "t5", 10)
    b = similar(milvus, "t5", 10)
    assert [h.id for h in a.hits] == [h.id for h in b.hits] and len(a.hits) == 10
    got = milvus.retriever("dense").stored_vectors()
    assert np.allclose(got, local.retriever("dense").stored_vectors(), atol=1e-6)


def test_an_interrupted_build_resumes_without_duplicates(tmp_path, fake_encoder, monkeypatch):
    cat = Catalog.from_records(rows(), source="test")
    where = target(str(tmp_path / "m.db"), "resume_me")
    assert build_milvus_index(cat, "r", where, encoder=fake_encoder, chunk_size=40, stop_after_chunks=2) is None
    with pytest.raises(NlrecError):
        Index.open("r")
    # the next run dies in the middle of a chunk, after Milvus got its rows, before the checkpoint
    from nlrec.index.milvus import build as build_mod

    real = build_mod._Resume.save
    calls = {"n": 0}

    def crash(self, state):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed")
        real(self, state)

    monkeypatch.setattr(build_mod._Resume, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        build_milvus_index(cat, "r", where, encoder=fake_encoder, chunk_size=40)
    monkeypatch.setattr(build_mod._Resume, "save", real)
    notes = []
    index = build_milvus_index(cat, "r", where, encoder=fake_encoder, chunk_size=40, on_resume=notes.append)
    assert notes and "after 120 rows" in notes[0]
    assert index.milvus().counts() == (len(index.documents), len(cat.tracks))
    assert [t.id for t in index.tracks] == [t.id for t in cat.tracks]
    assert not (index.root / ".resume").exists()
    verify_backend(index)


def test_a_pending_build_of_something_else_is_refused_then_restarted(tmp_path, fake_encoder):
    where = target(str(tmp_path / "m.db"), "pending")
    build_milvus_index(Catalog.from_records(rows(100)), "p", where, encoder=fake_encoder, chunk_size=30,
                       stop_after_chunks=1)
    other = Catalog.from_records(rows(80, seed=3))
    with pytest.raises(NlrecError, match="unfinished build.*--restart"):
        build_milvus_index(other, "p", where, encoder=fake_encoder, chunk_size=30)
    index = build_milvus_index(other, "p", where, encoder=fake_encoder, chunk_size=30, restart=True)
    assert index.milvus().counts()[1] == 80


def test_streaming_from_a_catalog_file(tmp_path, fake_encoder):
    path = tmp_path / "cat.jsonl"
    data = rows(130)
    data.insert(5, {"id": "empty", "descriptors": []})
    path.write_text("".join(json.dumps(r) + "\n" for r in data), encoding="utf-8")
    source = CatalogSource.from_file(path)
    assert source.total == 131
    index = build_milvus_index(source, "s", target(str(tmp_path / "m.db"), "streamed"), encoder=fake_encoder,
                               chunk_size=25)
    assert len(index.tracks) == 130 and index.manifest.raw["corpus"]["skipped_empty"] == 1
    assert index.milvus().counts() == (len(index.documents), 130)


def test_updates_are_upserts_and_deletes(pair, fake_encoder):
    local, milvus, _ = pair
    new = [{"id": "n1", "descriptors": ["didgeridoo", "drone"], "year": 1999, "label": "Warp"},
           {"id": "t3", "descriptors": ["harp", "lullaby"]}]  # t3 replaced
    report = update_index(milvus, upsert=new, remove=["t0", "t1", "nope"])
    assert (report["added"], report["replaced"], report["removed"]) == (1, 1, 2)
    assert report["embedded"] == 2 and report["unknown_removals"] == ["nope"]
    index = report["index"]
    try:
        assert index.milvus().counts() == (len(index.documents), len(local.tracks) - 1)
        verify_backend(index)
        top = build_searcher(index, SearchOptions(mode="dense")).search("didgeridoo drone", 3)
        assert ids(top)[0] == "n1"
        hits = build_searcher(index, SearchOptions(mode="dense", where="year = 1999")).search("didgeridoo", 50)
        assert "n1" in ids(hits) and "t0" not in ids(hits)
        harp = build_searcher(index, SearchOptions(mode="dense")).search("harp lullaby", 1)
        assert ids(harp) == ["t3"]
    finally:
        index.close()


def test_unreachable_server_is_a_one_line_error():
    with pytest.raises(MilvusError, match="cannot reach Milvus at http://127.0.0.1:9") as e:
        connect("http://127.0.0.1:9", timeout=2)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("bad", ["missing", "schema", "dimension"])
def test_a_collection_that_is_not_the_index_s_is_refused(pair, bad):
    from pymilvus import DataType

    _, milvus, where = pair
    client = connect(where.uri)
    client.drop_collection(where.collection)
    if bad != "missing":
        schema = client.create_schema(auto_id=False)
        schema.add_field("key", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=8 if bad == "dimension" else 16)
        if bad == "schema":
            schema.add_field("other", DataType.VARCHAR, max_length=10)
        else:
            schema.add_field("text", DataType.VARCHAR, max_length=10)
        params = client.prepare_index_params()
        params.add_index("vector", index_type="FLAT", metric_type="IP")
        client.create_collection(where.collection, schema=schema, index_params=params)
    pattern = {"missing": "is missing", "schema": "does not have nlrec's schema", "dimension": "8-d vectors"}[bad]
    with Index.open("remote") as index:
        with pytest.raises(MilvusError, match=pattern) as e:
            build_searcher(index, SearchOptions(mode="dense")).search("calm piano", 5)
        assert "\n" not in str(e.value)


def test_a_foreign_collection_is_never_replaced(tmp_path, fake_encoder):
    where = target(str(tmp_path / "m.db"), "theirs")
    store = MilvusStore(where)
    store.create(16, {"index": "someone-else", "token": "abc"})
    with pytest.raises(MilvusError, match="already exists"):
        build_milvus_index(Catalog.from_records(rows(20)), "mine", where, encoder=fake_encoder)
    assert store.exists() and store.marker()["token"] == "abc"


def test_bad_targets_are_refused():
    with pytest.raises(MilvusError, match="collection names"):
        target("/tmp/x.db", "bad-name")
    with pytest.raises(MilvusError, match="must end in .db"):
        target("/tmp/x.sqlite", "ok")


def test_cli_build_query_verify_and_remove(tmp_path, tiny_catalog_file, tiny_model):
    from click.testing import CliRunner

    from nlrec.cli import cli

    def run(*args):
        return CliRunner().invoke(cli, list(args))

    uri = str(tmp_path / "cli.db")
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "m", "--model", str(tiny_model),
            "--backend", "milvus", "--uri", uri, "--chunk-size", "3", "--json")
    assert r.exit_code == 0, r.output
    built = json.loads(r.stdout)
    assert built["backend"] == "milvus" and built["milvus"]["collection"] == "m" and built["tracks"] == 8
    assert "token" not in json.dumps(built["milvus"]).replace("token_env", "")
    r = run("query", "calm piano", "--index", "m", "--json", "-k", "3")
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)["hits"]) == 3
    r = run("index", "info", "m", "--verify", "--json")
    assert r.exit_code == 0, r.output
    r = run("index", "info", "m", "--verify")
    assert r.exit_code == 0 and "count and schema verified" in r.output
    store = MilvusStore(target(uri, "m"))
    assert store.exists()
    client = connect(target(uri, "m").uri)
    client.delete("m_tracks", ids=["t1"])
    r = run("index", "info", "m", "--verify")
    assert r.exit_code == 1 and "hold 7 descriptor sets and 7 tracks" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("index", "rm", "m", "-y")
    assert r.exit_code == 0, r.output
    assert not store.exists()
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "m2", "--model", str(tiny_model),
            "--backend", "milvus", "--uri", "http://127.0.0.1:9")
    assert r.exit_code == 1 and r.stderr.strip().startswith("Error: cannot reach Milvus"), r.output
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "m3", "--backend", "milvus")
    assert r.exit_code == 2 and "--uri" in r.output


def test_the_local_backend_never_imports_pymilvus(tmp_path):
    """Cold queries on the default backend are unchanged: Milvus is imported only when used."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\nsys.path.insert(0, 'tests')\nfrom conftest import FakeEncoder\n"
        "from nlrec.catalog import Catalog\nfrom nlrec.index import build_index\n"
        "from nlrec.search import SearchOptions, build_searcher\n"
        "cat = Catalog.from_records([{'id': f't{i}', 'year': 1990 + i, 'descriptors': ['jazz', 'piano', str(i)]} "
        "for i in range(20)])\n"
        "idx = build_index(cat, 'x', encoder=FakeEncoder(), onnx=False)\n"
        "build_searcher(idx, SearchOptions(mode='hybrid', where='year > 1995')).search('jazz without piano', 5)\n"
        "print('MILVUS=' + str(any(m.startswith(('pymilvus', 'milvus_lite')) for m in sys.modules)))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "NLREC_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root, env=env)
    assert "MILVUS=False" in out.stdout, out.stdout + out.stderr


def test_taste_profiles_work_the_same_on_milvus(pair):
    import dataclasses

    from nlrec.profiles import IndexProfiles, build_profile, recommend, search_with_profile

    local, milvus, _ = pair
    likes = {"t2": 5, "t5": 1, "t11": 2}
    out = []
    for index in (local, milvus):
        ctx = IndexProfiles(index)
        profile, _ = build_profile(index, "me", likes, context=ctx)
        rec = [h.id for h in recommend(index, profile, k=10, context=ctx)]
        hits = search_with_profile(index, "calm piano", profile, k=10, context=ctx)
        out.append((dataclasses.replace(profile, index=""), rec, [h.id for h in getattr(hits, "hits", hits)]))
    assert out[0][0].weights == pytest.approx(out[1][0].weights, abs=1e-5)
    assert out[0][1] == out[1][1] and out[0][2] == out[1][2]
