from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from nlrec.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def tiny_index(tiny_catalog_file, tiny_model):
    r = run("index", "build", "--catalog", str(tiny_catalog_file), "--name", "tiny",
            "--model", str(tiny_model), "--json")
    assert r.exit_code == 0, r.output
    return "tiny"


def test_parse_json():
    r = run("parse", "relaxing piano without vocals", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["text"] == "relaxing piano without vocals"
    assert d["positive"] == "relaxing piano" and d["negative"] == ["vocals"]


def test_parse_text_and_exclude():
    r = run("parse", "chill beats but no drums", "--exclude", "80s")
    assert r.exit_code == 0
    assert "chill beats" in r.stdout and "drums, 80s" in r.stdout


def test_parse_empty_is_one_line_error():
    r = run("parse", "   ")
    assert r.exit_code == 1 and r.stderr.strip().startswith("Error: empty request")


def test_parse_does_not_import_torch():
    code = (
        "import sys\nfrom nlrec.cli import cli\n"
        "try:\n    cli(['parse', 'piano without vocals', '--json'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'transformers') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY=\n" in out.stdout and '"vocals"' in out.stdout, out.stdout + out.stderr


def test_query_json_with_negation_and_exclude(tiny_index):
    r = run("query", "calm piano without vocals", "--index", tiny_index, "--mode", "bm25", "-k", "8",
            "--negation-threshold", "1", "--json")
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)["hits"]
    assert hits and not {"t3", "t6"} & {h["id"] for h in hits}
    assert hits[0]["negation"]["absent"] == ["no vocals"]
    r = run("query", "upbeat synth night", "--index", tiny_index, "--mode", "bm25",
            "--exclude", "steel drums", "--negation-threshold", "1", "--json")
    # "steel drums" rules out t1 only: t8's "drum machine" is no steel drum
    assert {h["id"] for h in json.loads(r.stdout)["hits"]} == {"t4", "t8"}


def test_query_table_shows_the_parsed_request(tiny_index):
    r = run("query", "aggressive metal without vocals", "--index", tiny_index, "--mode", "bm25",
            "--negation", "penalize", "--negation-threshold", "1")
    assert r.exit_code == 0, r.output
    assert "without:" in r.stderr and "vocals" in r.stderr and "demoted" in r.stderr


def test_only_exclusions_via_cli(tiny_index):
    r = run("query", "no vocals", "--index", tiny_index, "--mode", "bm25", "-k", "10",
            "--negation-threshold", "1", "--json")
    assert {h["id"] for h in json.loads(r.stdout)["hits"]} == {"t1", "t2", "t4", "t5", "t7", "t8"}


def test_bad_negation_options(tiny_index):
    r = run("query", "x", "--index", tiny_index, "--negation", "drop")
    assert r.exit_code == 2 and "drop" in r.stderr
    r = run("query", "x", "--index", tiny_index, "--negation", "off", "--exclude", "vocals")
    assert r.exit_code == 2 and "--exclude" in r.stderr
    r = run("query", "x", "--index", tiny_index, "--negation-threshold", "0")
    assert r.exit_code == 2


def test_batch_queries_apply_negation(tiny_index, tmp_path):
    qf = tmp_path / "q.tsv"
    qf.write_text("q1\tcalm piano without vocals\nq2\tno drums\n", encoding="utf-8")
    r = run("query", "--queries", str(qf), "--index", tiny_index, "--mode", "bm25", "-k", "8",
            "--negation-threshold", "1")
    assert r.exit_code == 0, r.output
    q1 = [line.split()[2] for line in r.stdout.splitlines() if line.startswith("q1")]
    assert q1 and not {"t3", "t6"} & set(q1)
