"""Hostile and careless CLI use gives one-line errors, never tracebacks (issue 14, items 7-14)."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.index import build_index
from nlrec.trec import format_run, read_queries


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def assert_one_line_error(result, pattern):
    import re

    assert result.exit_code == 1, (result.exit_code, result.output)
    assert "Traceback" not in result.output and not isinstance(result.exception, (TypeError, KeyError)), result.exception
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert re.search(pattern, err), err


@pytest.fixture
def markup_index(tiny_tracks, fake_encoder):
    tracks = [dict(t) for t in tiny_tracks]
    tracks[0]["descriptors"] = ["rock [live]", "jazz [/]", "[bold]piano"]
    tracks[0]["title"] = "[red]Sunny[/red]"
    build_index(Catalog.from_records(tracks), "mk", encoder=fake_encoder, onnx=False).close()
    return "mk"


# ---------------------------------------------------------------------- item 7
@pytest.mark.parametrize("text", ["jazz [/]", "rock [live]", "[bold]piano", "[/red] rock"])
def test_markup_in_a_request_or_catalog_is_shown_verbatim(markup_index, text):
    r = run("query", text, "--index", markup_index, "--mode", "bm25")
    assert r.exit_code == 0, (r.output, r.exception)
    assert "rock [live]" in r.stderr and "[red]Sunny[/red]" in r.stderr


def test_markup_in_a_profile_is_shown_verbatim():
    from nlrec.profiles import Profile, save_profile

    save_profile(Profile(name="p", index="[bold]idx", weights={"rock [live]": 0.5, "jazz [/]": 0.5}))
    r = run("profile", "show", "p")
    assert r.exit_code == 0, (r.output, r.exception)
    assert "rock [live]" in r.stderr and "jazz [/]" in r.stderr and "[bold]idx" in r.stderr
    r = run("profile", "list")
    assert r.exit_code == 0 and "[bold]idx" in r.stderr


# ---------------------------------------------------------------------- item 8 and 14
def test_tsv_queries_are_not_csv_quoted(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text('q1\t"jazz piano\nq2\tcalm strings\nq3\tloud "rock"\n')
    assert read_queries(path) == {"q1": '"jazz piano', "q2": "calm strings", "q3": 'loud "rock"'}


def test_an_empty_request_in_a_batch_names_its_line(tmp_path, markup_index):
    path = tmp_path / "q.tsv"
    path.write_text("q1\tjazz\nq2\t   \nq3\trock\n")
    assert_one_line_error(run("query", "--queries", str(path), "--index", markup_index, "--mode", "bm25"),
                          r"line 2 \(query 'q2'\) has an empty request")


def test_a_list_valued_jsonl_text_is_refused(tmp_path, markup_index):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"_id": "q1", "text": ["jazz", "piano"]}) + "\n")
    r = run("query", "--queries", str(path), "--index", markup_index, "--mode", "bm25")
    assert_one_line_error(r, r"line 1: 'text' must be a string, got a list")


def test_output_does_not_create_parent_folders(tmp_path, markup_index):
    q = tmp_path / "q.tsv"
    q.write_text("q1\tjazz\n")
    out = tmp_path / "missing" / "run.txt"
    r = run("query", "--queries", str(q), "--index", markup_index, "--mode", "bm25", "-o", str(out))
    assert_one_line_error(r, "directory .*missing does not exist")
    assert not out.parent.exists()


# ---------------------------------------------------------------------- item 13
def test_ids_with_spaces_make_six_column_trec_lines():
    run_text = format_run({"q 1": [("track a", 0.5), ("50%", 0.4)]}, tag="nlrec hybrid")
    lines = run_text.splitlines()
    assert all(len(line.split()) == 6 for line in lines)
    assert lines[0] == "q%201 Q0 track%20a 1 0.500000 nlrec%20hybrid"
    assert lines[1].split()[2] == "50%25"


def test_catalog_ids_with_tabs_are_refused_at_build(tmp_path):
    cat = tmp_path / "c.jsonl"
    cat.write_text(json.dumps({"id": "a\tb", "descriptors": "jazz"}) + "\n")
    assert_one_line_error(run("index", "build", "--catalog", str(cat), "--name", "x"), r"row 1 has an id with a tab")


# ---------------------------------------------------------------------- item 14: umask
def test_atomic_writes_respect_the_umask(tmp_path):
    from nlrec.io import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


# ---------------------------------------------------------------------- item 10
def test_nlrec_home_being_a_file_is_one_line(tmp_path):
    f = tmp_path / "home-file"
    f.write_text("x")
    assert_one_line_error(run("index", "list", env={"NLREC_HOME": str(f)}), "NLREC_HOME=.* is not a directory")


def test_nlrec_home_not_creatable_is_one_line(tmp_path, tiny_catalog_file):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "x",
                env={"NLREC_HOME": str(ro / "home")})
        assert_one_line_error(r, "cannot create")
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize(("factory", "pattern"), [("IVF4096,Flat", "needs at least 4,096 documents"),
                                                   ("IDMap,Flat", "IDMap indexes are not supported")])
def test_unusable_factories_fail_before_embedding(tiny_catalog_file, factory, pattern):
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "f", "--factory", factory,
            "--model", "no-such-model-anywhere")
    assert_one_line_error(r, pattern)


def test_malformed_manifest_field_types_are_one_line(markup_index, nlrec_home):
    from nlrec.index.generations import read_pointer, write_pointer
    from nlrec.io import sha256_file

    root = nlrec_home / markup_index
    ptr = read_pointer(root)
    manifest = root / ptr.directory / "manifest.json"
    raw = json.loads(manifest.read_text())
    for field, value in (("corpus", []), ("dimension", "16"), ("encoder", {"id": 3})):
        manifest.write_text(json.dumps({**raw, field: value}))
        write_pointer(root, type(ptr)(ptr.generation, ptr.directory, sha256_file(manifest)))
        for args in (["index", "info", markup_index], ["query", "x", "--index", markup_index, "--mode", "bm25"]):
            assert_one_line_error(run(*args), "manifest.json")
        assert run("index", "list").exit_code == 0


# ---------------------------------------------------------------------- items 10, 11, 14
def test_a_mistyped_model_fails_fast_offline(tiny_catalog_file):
    import time

    t0 = time.perf_counter()
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "m", "--model", "minlm")
    assert_one_line_error(r, r"unknown model 'minlm'.*did you mean 'minilm'")
    assert time.perf_counter() - t0 < 10


def test_bench_bad_arguments_fail_at_once(tmp_path):
    r = run("bench", "--data-dir", str(tmp_path / "nonexistent"))
    assert r.exit_code == 2 and "does not exist" in r.output
    r = run("bench", "--sizes", "abc")
    assert r.exit_code == 2 and "'abc' is not a catalog size" in r.output


def test_a_profile_with_a_401_digit_number_is_one_line(nlrec_home):
    from nlrec.profiles import Profile, save_profile

    save_profile(Profile(name="ok", index="x", weights={"jazz": 1.0}))
    d = nlrec_home / "profiles"
    (d / "big.json").write_text('{"format": "nlrec-profile", "version": 1, "name": "big", "index": "x", '
                                '"weights": {"jazz": 1' + "0" * 400 + "}}")
    assert_one_line_error(run("profile", "show", "big"), "weights\\['jazz'\\] must be a finite number")
    r = run("profile", "list")
    assert r.exit_code == 0 and "malformed" in r.stderr and "ok" in r.stderr


def test_a_non_utf8_toml_config_is_one_line(tmp_path):
    from nlrec.errors import NlrecError
    from nlrec.training.config import load_config

    path = tmp_path / "c.toml"
    path.write_bytes(b"[train]\nname = '\xff\xfe'\n")
    with pytest.raises(NlrecError, match="not UTF-8 text"):
        load_config(path)


def test_evaluation_without_the_eval_extra_names_it(monkeypatch):
    import importlib.util

    from nlrec.errors import NlrecError
    from nlrec.evaluation import metrics

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "ir_measures" else real(n, *a))
    with pytest.raises(NlrecError, match=r"pip install 'nlrec\[eval\]'"):
        metrics.require_ir_measures()


def test_nlrec_eval_without_the_extra_is_one_line(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "ir_measures" else real(n, *a))
    r = run("eval", "run", "--benchmark", "mc", "--system", "tfidf", "--data-dir", str(tmp_path))
    assert_one_line_error(r, r"pip install 'nlrec\[eval\]'")


def test_index_build_warns_naming_a_capped_track(tmp_path):
    cat = tmp_path / "c.jsonl"
    rows = [{"id": "huge", "descriptors": [f"tag {i}" for i in range(300)]}, {"id": "ok", "descriptors": "jazz"}]
    cat.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = run("index", "build", "--catalog", str(cat), "--name", "cap", "--model", str(tmp_path / "nope"))
    assert "warning: " in r.stderr and "track 'huge' (row 1): kept the first 256 descriptors, dropped 44" in r.stderr


def test_nlrec_home_under_a_file_is_one_line(tmp_path, tiny_catalog_file):
    (tmp_path / "afile").write_text("x")
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "x",
            env={"NLREC_HOME": str(tmp_path / "afile" / "home")})
    assert_one_line_error(r, "cannot create index directory")
