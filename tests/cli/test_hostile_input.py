"""Issue 26's second layer: hostile files and environments give one-line errors, and output stays
well formed (TSV cells escaped, strict JSON, no control characters on the terminal)."""

from __future__ import annotations

import errno
import json
import os

import pytest
from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.errors import IndexFileError
from nlrec.index import Index, build_index
from nlrec.index.generations import read_pointer

DEEP = 100_000


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def one_line_error(result, pattern):
    import re
    import traceback

    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    err = result.stderr.strip()
    if result.exc_info and not isinstance(result.exception, SystemExit):
        traceback.print_exception(*result.exc_info)
    assert len(err.splitlines()) == 1 and "Traceback" not in result.output, err
    assert re.search(pattern, err), err


def deep(n: int = DEEP) -> str:
    return "[" * n + "]" * n


@pytest.fixture
def idx(tiny_tracks, fake_encoder, nlrec_home):
    tracks = [dict(t) for t in tiny_tracks]
    tracks[1]["title"] = "Quiet\tKeys"
    tracks[1]["artist"] = "Ana\nLind"
    build_index(Catalog.from_records(tracks), "idx", encoder=fake_encoder, onnx=False).close()
    return nlrec_home / "idx"


def generation(root):
    return root / read_pointer(root).directory


# ---------------------------------------------------------------------- read-only NLREC_HOME
@pytest.fixture
def read_only_home(nlrec_home, monkeypatch):
    """Every write under NLREC_HOME fails as on a read-only file system (root ignores chmod)."""
    real_open, real_mkdir = os.open, os.mkdir
    home = str(nlrec_home)

    def ro_open(path, flags, *a, **k):
        if str(path).startswith(home) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *a, **k)

    def ro_mkdir(path, *a, **k):
        if str(path).startswith(home):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_mkdir(path, *a, **k)

    monkeypatch.setattr(os, "open", ro_open)
    monkeypatch.setattr(os, "mkdir", ro_mkdir)


@pytest.fixture
def model_idx(tiny_tracks, tiny_model, nlrec_home):
    build_index(Catalog.from_records(tiny_tracks), "idx", model=str(tiny_model), onnx=False).close()
    return nlrec_home / "idx"


def test_writers_on_a_read_only_home_fail_in_one_line(model_idx, tmp_path, read_only_home):
    idx = model_idx
    adds = tmp_path / "a.jsonl"
    adds.write_text(json.dumps({"id": "n", "descriptors": ["jazz"]}) + "\n")
    likes = tmp_path / "likes.txt"
    likes.write_text("t1\nt2\n")
    for args in (["index", "add", "idx", "--catalog", str(adds)], ["index", "remove", "idx", "t1"],
                 ["index", "rm", "idx", "-y"], ["profile", "build", "me", "--index", "idx", "--likes", str(likes)]):
        one_line_error(run(*args), r"Read-only file system|cannot create")
    assert read_pointer(idx) is not None


def test_profile_adjust_on_a_read_only_home_fails_in_one_line(monkeypatch, nlrec_home):
    from nlrec.profiles import Profile, save_profile

    save_profile(Profile(name="me", index="idx", weights={"jazz": 0.5, "rock": 0.5}))
    (nlrec_home / "profiles" / ".me.lock").unlink(missing_ok=True)
    real_open = os.open

    def ro_open(path, flags, *a, **k):
        if str(path).startswith(str(nlrec_home)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", ro_open)
    one_line_error(run("profile", "adjust", "me", "--more", "jazz"), r"\.me\.lock: Read-only file system")


# ---------------------------------------------------------------------- deep nesting
@pytest.mark.parametrize(("name", "text", "pattern"), [
    ("c.jsonl", deep() + "\n", "line 1 is nested too deeply"),
    ("c.json", deep(), "nested too deeply to be a catalog"),
    ("row.jsonl", json.dumps({"id": "x", "descriptors": "jazz"})[:-1] + ', "m": ' + deep(5000) + "}\n",
     "line 1 is nested too deeply"),
])
def test_deeply_nested_catalogs_are_one_line(tmp_path, name, text, pattern):
    path = tmp_path / name
    path.write_text(text)
    one_line_error(run("index", "build", "--catalog", str(path), "--name", "x", "--model", "nope"), pattern)


def test_a_deeply_nested_profile_is_one_line(nlrec_home):
    from nlrec.profiles import Profile, save_profile

    save_profile(Profile(name="ok", index="x", weights={"jazz": 1.0}))
    (nlrec_home / "profiles" / "deep.json").write_text(deep())
    one_line_error(run("profile", "show", "deep"), "nested too deeply")
    r = run("profile", "list")
    assert r.exit_code == 0 and "malformed" in r.stderr and "ok" in r.stderr


@pytest.mark.parametrize(("rel", "body"), [("documents.json", deep()), ("names.json", deep()),
                                           ("names.json", "null"), ("names.json", "[]"),
                                           ("tfidf/vocab.json", deep())])
def test_damaged_index_files_are_index_errors(idx, rel, body):
    path = generation(idx) / rel
    if not path.exists():
        pytest.skip(f"no {rel} in this index layout")
    path.write_text(body)
    with pytest.raises(IndexFileError):  # read without --verify (the server's refresh does)
        index = Index.open("idx", verify=False)
        try:
            index.names()
            index.retriever("tfidf")
        finally:
            index.close()


def test_a_damaged_names_cache_is_rebuilt(tiny_tracks, fake_encoder, nlrec_home):
    index = build_index(Catalog.from_records(tiny_tracks), "n", encoder=fake_encoder, onnx=False)
    (index.path / "names.json").unlink()  # as built before names.json existed
    index._names = None
    cache = nlrec_home / ".cache" / "names" / f"{index.manifest.corpus_sha256[:32]}.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("null")
    assert index.names() is not None
    index.close()


# ---------------------------------------------------------------------- environment and shell
def test_an_empty_nlrec_home_is_an_error_not_another_folder():
    one_line_error(run("index", "list", env={"NLREC_HOME": ""}), "NLREC_HOME is set but empty")


@pytest.mark.parametrize("value", ["inf", "1e308"])
def test_an_endless_lock_timeout_works(model_idx, value):
    r = run("index", "remove", "idx", "t1", env={"NLREC_LOCK_TIMEOUT": value})
    assert r.exit_code == 0, (r.output, r.exception)


def test_invalid_utf8_and_escape_sequences_in_a_request(idx, fake_encoder, monkeypatch):
    # what Python makes of  nlrec query $'calm \xff\xfe \x1b[2J piano'  (surrogate escapes)
    text = b"calm \xff\xfe \x1b[2J\x1b]0;owned\x07 piano".decode("utf-8", "surrogateescape")
    monkeypatch.setattr(Index, "encoder", lambda self, *a, **k: fake_encoder)
    for mode in ("dense", "bm25"):
        r = run("query", text, "--index", "idx", "--mode", mode)
        assert r.exit_code == 0, (r.output, r.exception)
        assert "\x1b" not in r.stderr and "\x07" not in r.stderr and "calm" in r.stderr


def test_control_characters_in_a_catalog_never_reach_the_terminal(tiny_tracks, fake_encoder):
    tracks = [dict(t) for t in tiny_tracks]
    tracks[0]["title"] = "Sunny\x1b[2J\x1b]0;owned\x07 Pan"
    build_index(Catalog.from_records(tracks), "esc", encoder=fake_encoder, onnx=False).close()
    r = run("query", "steel drums", "--index", "esc", "--mode", "bm25")
    assert r.exit_code == 0 and "Sunny" in r.stderr
    assert "\x1b" not in r.output and "\x07" not in r.output


# ---------------------------------------------------------------------- output
def test_tsv_output_escapes_tabs_and_newlines(idx):
    r = run("query", "solo piano calm", "--index", "idx", "--mode", "bm25", "-k", "3")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and all(len(line.split("\t")) == 5 for line in lines)
    assert "Quiet\\tKeys - Ana\\nLind" in r.stdout


def test_json_output_is_strict():
    from nlrec.cli.ui import dumps_json

    text = dumps_json({"score": float("inf"), "p": [float("nan"), 0.5]})
    assert json.loads(text) == {"score": None, "p": [None, 0.5]}
    assert "Infinity" not in text and "NaN" not in text


def test_csv_cells_longer_than_the_csv_modules_limit_are_cut_with_a_warning(tmp_path, tiny_model):
    import csv

    path = tmp_path / "long.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "descriptors"])
        w.writerow(["t1", "rock, " + "x" * 140_000])
        w.writerow(["t2", "jazz"])
    r = run("index", "build", "--catalog", str(path), "--name", "long", "--model", str(tiny_model))
    assert r.exit_code == 0, (r.output, r.exception)
    assert "warning:" in r.stderr and "track 't1'" in r.stderr and "cut 1 descriptor(s) to 200 characters" in r.stderr


def test_audio_with_nan_samples_is_skipped_not_tagged_nan(tmp_path):
    sf = pytest.importorskip("soundfile")
    np = pytest.importorskip("numpy")
    from nlrec.audio.decode import AudioReadError, load_audio

    x = np.sin(np.arange(16000) / 10).astype(np.float32)
    x[100:200] = np.nan
    sf.write(tmp_path / "nan.wav", x, 16000, subtype="FLOAT")
    with pytest.raises(AudioReadError, match="not numbers"):
        load_audio(tmp_path / "nan.wav")


def forge(root, rel: str, body: str) -> None:
    """Replace an index file and update its manifest and pointer, as a careful attacker would."""
    import hashlib

    from nlrec.index.generations import write_pointer
    from nlrec.io import sha256_file

    ptr = read_pointer(root)
    gen = root / ptr.directory
    (gen / rel).write_text(body)
    manifest = json.loads((gen / "manifest.json").read_text())
    entry = manifest["files"][rel]
    entry["size"] = (gen / rel).stat().st_size
    for key in [k for k in entry if "sha" in k]:
        entry[key] = hashlib.sha256((gen / rel).read_bytes()).hexdigest()
    (gen / "manifest.json").write_text(json.dumps(manifest))
    write_pointer(root, type(ptr)(ptr.generation, ptr.directory, sha256_file(gen / "manifest.json")))


@pytest.mark.parametrize(("rel", "body", "pattern"), [
    ("names.json", "null", "names.json is corrupted \\(not a name index\\)"),
    ("names.json", deep(), "names.json is corrupted \\(nested too deeply\\)"),
    ("documents.json", deep(), "is corrupted \\(a file nested too deeply\\)"),
    ("tfidf/vocab.json", deep(), "cannot load its tfidf files \\(nested too deeply\\)"),
])
def test_forged_index_files_are_one_line_errors(idx, rel, body, pattern):
    forge(idx, rel, body)
    one_line_error(run("query", "Quiet Keys", "--index", "idx", "--mode", "tfidf"), pattern)
