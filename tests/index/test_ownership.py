"""What nlrec may touch (issue 26): only folders its own marker or pointer proves it made, never
through a symbolic link, ``./NAME`` meaning that path for every command, and old generations gone
once nobody reads them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.index import Index, build_index
from nlrec.index.generations import OWNER_MARKER, POINTER, read_pointer


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def one_line_error(result, pattern):
    import re

    assert result.exit_code == 1, (result.output, result.exception)
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in result.output, err
    assert re.search(pattern, err), err


def generations(root):
    return sorted(p.name for p in root.iterdir() if p.name.startswith("gen-") and not p.name.endswith(".lock"))


@pytest.fixture
def idx(tiny_tracks, tiny_model, nlrec_home):
    build_index(Catalog.from_records(tiny_tracks), "idx", model=str(tiny_model), onnx=False).close()
    return nlrec_home / "idx"


@pytest.fixture
def adds(tmp_path):
    path = tmp_path / "adds.jsonl"
    path.write_text(json.dumps({"id": "n1", "descriptors": ["jazz", "calm"]}) + "\n")
    return path


# ---------------------------------------------------------------------- symlinks
def test_a_symlinked_index_lock_is_refused_and_its_target_untouched(idx, adds, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    (idx / ".lock").unlink(missing_ok=True)
    (idx / ".lock").symlink_to(notes)
    for args in (["index", "add", "idx", "--catalog", str(adds)], ["index", "remove", "idx", "t1"],
                 ["index", "rm", "idx", "-y"]):
        one_line_error(run(*args), r"\.lock is a symbolic link")
    assert notes.read_text() == "mine\n" and read_pointer(idx) is not None


def test_a_symlinked_profile_lock_is_refused(tmp_path):
    from nlrec.profiles import Profile, save_profile

    save_profile(Profile(name="me", index="idx", weights={"jazz": 0.5, "rock": 0.5}))
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    lock = tmp_path / "nlrec_home" / "profiles" / ".me.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(notes)
    one_line_error(run("profile", "adjust", "me", "--more", "jazz"), r"\.me\.lock is a symbolic link")
    assert notes.read_text() == "mine\n"


def test_a_dangling_generation_lock_is_never_created_by_a_query(idx, tmp_path):
    ptr = read_pointer(idx)
    lock = idx / f"{ptr.directory}.lock"
    lock.unlink()
    lock.symlink_to(tmp_path / "created-by-query")
    one_line_error(run("query", "calm piano", "--index", "idx", "--mode", "bm25"), "is a symbolic link")
    assert not (tmp_path / "created-by-query").exists()


def test_a_symlinked_generation_is_refused_by_add_and_rm(idx, adds, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    (idx / "gen-000099").symlink_to(outside)
    for args in (["index", "add", "idx", "--catalog", str(adds)], ["index", "rm", "idx", "-y"]):
        one_line_error(run(*args), "gen-000099 .* is a symbolic link")
    assert (outside / "keep.txt").read_text() == "x"


# ---------------------------------------------------------------------- ownership
def test_a_folder_shaped_like_an_index_is_not_nlrecs(tmp_path, tiny_catalog_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fake = tmp_path / "fakegen"
    (fake / "gen-000001").mkdir(parents=True)
    (fake / "gen-000001" / "important.txt").write_text("x")
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "./fakegen", "--model", "x")
    one_line_error(r, "shape of an nlrec index .* no nlrec pointer or .nlrec-index marker")
    one_line_error(run("index", "rm", "./fakegen", "-y"), "refusing")
    assert (fake / "gen-000001" / "important.txt").read_text() == "x"


def test_an_index_folder_carries_nlrecs_marker(idx):
    marker = json.loads((idx / OWNER_MARKER).read_text())
    assert marker["kind"] == "nlrec-index-folder" and len(marker["id"]) == 32


# ---------------------------------------------------------------------- ./NAME
def test_a_name_with_a_slash_means_that_path_for_every_command(tmp_path, tiny_tracks, tiny_model, nlrec_home,
                                                                  adds, monkeypatch):
    build_index(Catalog.from_records(tiny_tracks), "same", model=str(tiny_model), onnx=False).close()
    monkeypatch.chdir(tmp_path)
    cat = tmp_path / "c.jsonl"
    cat.write_text("".join(json.dumps(t) + "\n" for t in tiny_tracks[:4]))
    r = run("index", "build", "--catalog", str(cat), "--name", "./same", "--model", str(tiny_model))
    assert r.exit_code == 0, r.output
    assert run("index", "add", "./same", "--catalog", str(adds)).exit_code == 0
    assert run("index", "remove", "./same", "t1").exit_code == 0
    with Index.open(tmp_path / "same") as local, Index.open("same") as home:
        assert sorted(t.id for t in local.tracks) == ["n1", "t2", "t3", "t4"]
        assert len(home.tracks) == len(tiny_tracks)  # the index under NLREC_HOME is untouched
    info = run("index", "info", "./same", "--json")
    assert info.exit_code == 0 and json.loads(info.stdout)["path"].startswith(str(tmp_path))
    q = run("query", "jazz", "--index", "./same", "--mode", "bm25", "--json")
    assert q.exit_code == 0 and "n1" in q.stdout
    assert run("index", "rm", "./same", "-y").exit_code == 0
    assert not (tmp_path / "same").exists() and read_pointer(nlrec_home / "same") is not None


# ---------------------------------------------------------------------- generations
def test_old_generations_go_once_nobody_reads_them(idx, adds):
    assert run("index", "add", "idx", "--catalog", str(adds)).exit_code == 0
    assert generations(idx) == [read_pointer(idx).directory]
    reader = Index.open("idx")  # holds this generation while the next add commits
    assert run("index", "remove", "idx", "n1").exit_code == 0
    assert len(generations(idx)) == 2
    reader.close()  # the last reader of an old generation removes it
    assert generations(idx) == [read_pointer(idx).directory]


def test_an_index_removed_while_read_goes_when_the_reader_closes(idx):
    reader = Index.open("idx")
    assert run("index", "rm", "idx", "-y").exit_code == 0
    assert idx.exists() and not (idx / POINTER).exists()
    reader.close()
    assert not idx.exists()


def test_output_into_an_index_folder_is_refused(idx, tmp_path):
    q = tmp_path / "q.tsv"
    q.write_text("q1\tjazz\n")
    for target in (idx / "run.txt", idx / read_pointer(idx).directory / "run.txt"):
        r = run("query", "--queries", str(q), "--index", "idx", "--mode", "bm25", "-o", str(target))
        one_line_error(r, "inside the index folder")
        assert not target.exists()
    assert run("index", "rm", "idx", "-y").exit_code == 0
