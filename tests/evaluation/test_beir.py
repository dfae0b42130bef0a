"""BEIR qrels files: written and read back, shared by the benchmarks and the GPL run directory."""

from __future__ import annotations

from nlrec.evaluation.beir import QRELS_HEADER, read_qrels, write_qrels


def test_qrels_round_trip(tmp_path):
    qrels = {"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 1}}
    path = tmp_path / "qrels" / "train.tsv"
    write_qrels(path, qrels)
    assert path.read_text().splitlines()[0] == QRELS_HEADER
    assert read_qrels(path) == qrels


def test_read_qrels_without_header(tmp_path):
    path = tmp_path / "test.tsv"
    path.write_text("q1\td1\t1\n\nq1\td2\t0\n")
    assert read_qrels(path) == {"q1": {"d1": 1, "d2": 0}}
