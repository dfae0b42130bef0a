from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from nlrec.cli import cli


def run(*args, input=None):
    result = CliRunner().invoke(cli, list(args), input=input)
    return result


def assert_one_line_error(result, pattern):
    import re

    assert result.exit_code == 1, (result.exit_code, result.output)
    err = result.stderr.strip()
    assert "Traceback" not in result.output + result.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("Error: ")
    assert re.search(pattern, err), err


@pytest.fixture
def tiny_index(tiny_catalog_file, tiny_model):
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "tiny",
            "--model", str(tiny_model), "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.mark.parametrize("args", [["--help"], ["index", "list"], ["index", "--help"], ["query", "--help"]])
def test_light_commands_do_not_import_torch(args, nlrec_home):
    code = (
        "import sys\nfrom nlrec.cli import cli\n"
        f"try:\n    cli({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'sklearn', 'transformers') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY=\n" in out.stdout, out.stdout + out.stderr


def test_a_cold_query_loads_only_what_it_needs(tiny_index, nlrec_home):
    """A query in a fresh process imports no other command's module and, on an exact index, not
    FAISS (its vectors are read with numpy), and runs OpenBLAS on one thread unless the user chose
    a thread count; the hits are the same either way, and those of a search through FAISS."""
    code = (
        "import sys\nfrom nlrec.cli import cli\n"
        "try:\n    cli(['query', 'calm solo piano', '--index', 'tiny', '-k', '3', '--json'])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('faiss', 'sklearn', 'torch', 'nlrec.cli.eval', 'nlrec.cli.train', 'nlrec.cli.bench',"
        " 'nlrec.cli.index', 'nlrec.cli.serve') if m in sys.modules]\n"
        "print('LOADED=' + ','.join(loaded), file=sys.stderr)\n"
        "import os; print('BLAS=' + os.environ.get('OPENBLAS_NUM_THREADS', '-'), file=sys.stderr)\n"
    )
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert "LOADED=\n" in out.stderr and "BLAS=1\n" in out.stderr, out.stderr  # one OpenBLAS thread
    fresh = [h["id"] for h in json.loads(out.stdout)["hits"]]
    mine = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**env, "OMP_NUM_THREADS": "2"})
    assert "BLAS=-\n" in mine.stderr and [h["id"] for h in json.loads(mine.stdout)["hits"]] == fresh  # the user's choice
    from nlrec.index import Index
    from nlrec.search import search

    idx = Index.open("tiny")
    idx.retriever("dense").index  # noqa: B018 - the FAISS index made, as a non-exact index has it
    assert [h.id for h in search(idx, "calm solo piano", k=3)] == fresh


@pytest.mark.parametrize(("call", "collector"), [("cli()", "False"), ("cli(['parse', 'calm piano'])", "True")])
def test_the_program_skips_the_final_collection_code_keeps_it(call, collector, nlrec_home):
    """Run as the program (arguments from sys.argv) nlrec leaves without a final garbage
    collection; code calling cli([...]) keeps its collector. Exit handlers run either way."""
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('COLLECTOR', gc.isenabled(), file=sys.stderr))\n"
            "sys.argv = ['nlrec', 'parse', 'calm piano']\nfrom nlrec.cli import cli\n"
            f"try:\n    {call}\nexcept SystemExit:\n    pass\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "calm piano" in out.stdout, out.stderr
    assert f"COLLECTOR {collector}" in out.stderr, out.stderr


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and "nlrec" in r.output


def test_build_list_info_rm(tiny_index, tiny_model):
    assert tiny_index["tracks"] == 8 and tiny_index["documents"] == 7
    assert tiny_index["peak_rss_mb"] > 0 and tiny_index["encode_seconds"] >= 0
    r = run("index", "list", "--json")
    assert [i["name"] for i in json.loads(r.stdout)] == ["tiny"]
    r = run("index", "info", "tiny", "--json", "--verify")
    info = json.loads(r.stdout)
    assert info["manifest"]["encoder"]["id"] == str(tiny_model.resolve())
    assert run("index", "info", "tiny").exit_code == 0
    r = run("index", "rm", "tiny", "--yes")
    assert r.exit_code == 0
    assert json.loads(run("index", "list", "--json").stdout) == []


@pytest.mark.parametrize("mode", ["dense", "tfidf", "bm25", "hybrid"])
def test_query_json(tiny_index, mode):
    r = run("query", "calm solo piano", "--index", "tiny", "-k", "3", "--mode", mode, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["parsed"]["text"] == "calm solo piano"
    hits = out["hits"]
    assert 1 <= len(hits) <= 3
    for h in hits:
        assert {"rank", "id", "score", "descriptors", "title", "artist"} <= set(h)
        assert isinstance(h["descriptors"], list) and h["descriptors"]


def test_query_table_on_stderr_tsv_on_stdout(tiny_index):
    r = run("query", "steel drums", "--index", "tiny", "--mode", "bm25")
    assert r.exit_code == 0
    assert "Sunny Pan" in r.stderr
    first = r.stdout.splitlines()[0].split("\t")
    assert first[0] == "1" and first[2] == "t1"


def test_batch_queries_write_trec_run(tiny_index, tmp_path):
    q = tmp_path / "q.tsv"
    q.write_text("qid\tquery\nq1\tcalm piano\nq2\tsteel drums upbeat\n")
    out = tmp_path / "run.trec"
    r = run("query", "--queries", str(q), "--index", "tiny", "-k", "3", "--mode", "bm25", "-o", str(out))
    assert r.exit_code == 0, r.output
    lines = [line.split() for line in out.read_text().splitlines()]
    assert {line[0] for line in lines} == {"q1", "q2"}
    assert all(len(line) == 6 and line[1] == "Q0" and line[5] == "nlrec-bm25" for line in lines)
    q2 = [line for line in lines if line[0] == "q2"]
    assert q2[0][2] == "t1" and q2[0][3] == "1"
    jq = tmp_path / "q.jsonl"
    jq.write_text('{"_id": "a", "text": "calm piano"}\n')
    r = run("query", "--queries", str(jq), "--index", "tiny", "--mode", "tfidf")
    assert r.exit_code == 0 and r.stdout.startswith("a Q0 ")


# ---------------------------------------------------------------------------- bad input
def test_bad_inputs(tmp_path, tiny_index, tiny_model, other_tiny_model):
    assert_one_line_error(run("index", "build", "--catalog", str(tmp_path / "none.csv"), "--name", "x"),
                          "catalog not found")
    cols = tmp_path / "cols.csv"
    cols.write_text("key,tags\n1,a\n")
    assert_one_line_error(run("index", "build", "--catalog", str(cols), "--name", "x", "--model", str(tiny_model)),
                          r"missing column\(s\) 'id', 'descriptors'")
    dup = tmp_path / "dup.csv"
    dup.write_text("id,descriptors\n1,a\n1,b\n")
    assert_one_line_error(run("index", "build", "--catalog", str(dup), "--name", "x"), "duplicate track ids")
    empty = tmp_path / "empty.csv"
    empty.write_text("id,descriptors\n1,\n2,\n")
    assert_one_line_error(run("index", "build", "--catalog", str(empty), "--name", "x"), "no track with a non-empty")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,descriptors\n1,d\xe9j\xe0 vu\n".encode("latin-1"))
    assert_one_line_error(run("index", "build", "--catalog", str(latin), "--name", "x"), "not valid utf-8")
    assert_one_line_error(run("query", "   ", "--index", "tiny"), "empty query")
    assert_one_line_error(run("query", "calm", "--index", "missing"), "no index named 'missing'")
    assert_one_line_error(run("query", "calm", "--index", "tiny", "--mode", "dense", "--model", str(other_tiny_model)),
                          "was built with encoder")
    assert_one_line_error(run("index", "build", "--dataset", "musiccaps", "--data-dir", str(tmp_path / "no"),
                              "--name", "x"), "data directory not found")
    assert_one_line_error(run("index", "build", "--catalog", str(cols), "--name", "bad name"), "invalid index name")
    assert_one_line_error(run("query", "--queries", str(tmp_path / "q.tsv"), "--index", "tiny"), "queries file not found")
    # usage errors exit 2
    assert run("query", "--index", "tiny").exit_code == 2
    assert run("index", "build", "--name", "x").exit_code == 2


def test_skipped_rows_are_reported(tmp_path, tiny_model):
    p = tmp_path / "c.csv"
    p.write_text("id,descriptors\n1,jazz\n2,\n")
    r = run("index", "build", "--catalog", str(p), "--name", "c", "--model", str(tiny_model), "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["skipped_empty"] == 1
    assert "skipped 1 row" in r.stderr


def test_long_query_truncated_with_warning(tiny_index):
    r = run("query", "piano " * 600, "--index", "tiny", "--mode", "bm25", "--json")
    assert r.exit_code == 0
    assert "warning: query of" in r.stderr and "truncated" in r.stderr
    assert json.loads(r.stdout)


def test_corrupted_index_via_cli(tiny_index):
    from pathlib import Path

    generation = Path(tiny_index["path"]) / f"gen-{tiny_index['generation']:06d}"
    (generation / "documents.json").write_text("[]")
    assert_one_line_error(run("query", "calm", "--index", "tiny"), "corrupted")


# ---------------------------------------------------------------------------- embedded default
@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """Build the real demo index once (packaged all-MiniLM-L6-v2) for this module."""
    import os

    home = tmp_path_factory.mktemp("demo_home")
    old = os.environ.get("NLREC_HOME")
    os.environ["NLREC_HOME"] = str(home)
    try:
        r = run("query", "warm up", "--json", "-k", "1")
        assert r.exit_code == 0, r.output
    finally:
        if old is None:
            os.environ.pop("NLREC_HOME", None)
        else:
            os.environ["NLREC_HOME"] = old
    return home


def _demo_query(demo_home, monkeypatch, text, k=10):
    monkeypatch.setenv("NLREC_HOME", str(demo_home))
    r = run("query", text, "--json", "-k", str(k))
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)["hits"]


def test_default_query_returns_ten_hits_with_descriptors(demo_home, monkeypatch):
    hits = _demo_query(demo_home, monkeypatch, "upbeat steel drum")
    assert len(hits) == 10
    assert all(h["descriptors"] and h["title"] and h["artist"] for h in hits)
    assert sum("steel drums" in h["descriptors"] for h in hits[:5]) >= 3


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("calm piano for studying", lambda d: any("piano" in x for x in d)),
        ("aggressive metal", lambda d: any("metal" in x for x in d)),
        ("romantic dinner jazz", lambda d: any("jazz" in x for x in d)),
        ("christmas songs", lambda d: "christmas" in d),
        ("80s synthwave night drive", lambda d: "synthwave" in d),
    ],
)
def test_default_catalog_answers_everyday_requests(demo_home, monkeypatch, text, wanted):
    hits = _demo_query(demo_home, monkeypatch, text, k=5)
    assert sum(bool(wanted(h["descriptors"])) for h in hits) >= 4, [h["descriptors"] for h in hits]


def test_demo_index_is_reused(demo_home, monkeypatch):
    monkeypatch.setenv("NLREC_HOME", str(demo_home))
    r = run("query", "happy ukulele", "-k", "3", "--json")
    assert "Indexing the built-in demo catalog" not in r.stderr
    assert json.loads(run("index", "list", "--json").stdout)[0]["name"] == "demo"
