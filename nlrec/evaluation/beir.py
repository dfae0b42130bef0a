"""Benchmarks as BEIR datasets: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``,
read back as ``(corpus, queries, qrels)`` with qrels ``{qid: {docid: relevance}}``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import (
    SENTENCE_SEPARATOR,
    TAG_JOINER,
    Benchmark,
    BenchmarkSpec,
    Clips,
)

QRELS_HEADER = "query-id\tcorpus-id\tscore"


def write_qrels(path: str | os.PathLike, qrels: Mapping[str, Mapping[str, int]]) -> None:
    """``qrels`` as a BEIR qrels TSV (a header line, then ``qid, docid, relevance`` rows)."""
    from nlrec.io import atomic_write_text

    lines = [QRELS_HEADER] + [f"{q}\t{d}\t{s}" for q, rel in qrels.items() for d, s in rel.items()]
    atomic_write_text(path, "\n".join(lines) + "\n")


def read_qrels(path: str | os.PathLike) -> dict[str, dict[str, int]]:
    """A BEIR qrels TSV as ``{qid: {docid: relevance}}`` (a leading header line is skipped)."""
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            parts = line.rstrip("\n").split("\t")
            if not line.strip() or (n == 0 and parts[0] == "query-id"):
                continue
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def write_beir(bench: Benchmark, directory: str | os.PathLike) -> Path:
    """Write ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/test.tsv`` (BEIR layout)."""
    from nlrec.io import write_jsonl

    directory = Path(directory)
    write_jsonl(
        directory / "corpus.jsonl",
        ({"_id": d, "title": "", "text": t} for d, t in zip(bench.doc_ids, bench.corpus)),
    )
    write_jsonl(
        directory / "queries.jsonl",
        (
            {"_id": q.qid, "text": q.text, "metadata": {"ytid": q.ytid, "sentence": q.sentence}}
            for q in bench.queries
        ),
    )
    write_qrels(directory / "qrels" / "test.tsv", bench.qrels())
    return directory


def read_beir(
    directory: str | os.PathLike, split: str = "test"
) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]]]:
    """Read a BEIR dataset: ``(corpus {id: text}, queries {id: text}, qrels {qid: {docid: rel}})``.

    Raises:
        NlrecError: if a file is missing or malformed.
    """
    from nlrec.io import read_jsonl

    directory = Path(directory)
    try:
        corpus = {str(r["_id"]): r["text"] for r in read_jsonl(directory / "corpus.jsonl")}
        queries = {str(r["_id"]): r["text"] for r in read_jsonl(directory / "queries.jsonl")}
        qrels = read_qrels(directory / "qrels" / f"{split}.tsv")
    except FileNotFoundError as e:
        raise NlrecError(f"BEIR file not found: {e.filename}") from None
    except (OSError, ValueError, KeyError, IndexError) as e:
        raise NlrecError(f"{directory}: malformed BEIR dataset ({e})") from None
    return corpus, queries, qrels


def benchmark_manifest(
    spec: BenchmarkSpec, clips: Clips, benches: Sequence[Benchmark]
) -> dict[str, Any]:
    """The ``benchmark.json`` written beside a benchmark's seeds: protocol, counts, sources."""
    return {
        "benchmark": spec.name,
        "spec": asdict(spec),
        "protocol": {
            "sentence_separator": SENTENCE_SEPARATOR,
            "exact_match": "case-sensitive substring of the sentence",
            "k1": "U{1..|ematch|}",
            "k2": "U{0..min(|ematch|, |others|)}",
            "joiner": TAG_JOINER,
            "rng": "numpy.random.default_rng(seed)",
            "tags": "aspect_list parsed as a Python literal, stripped, de-duplicated",
            "no_match": spec.no_match,
        },
        "join": clips.stats,
        "sources": clips.sources,
        "seeds": {str(b.seed): b.stats for b in benches},
    }


def save_benchmark(out_dir: str | os.PathLike, clips: Clips, benches: Sequence[Benchmark]) -> Path:
    """Write every seed of one benchmark under ``<out_dir>/<name>/seed<k>/`` plus ``benchmark.json``."""
    from nlrec.io import write_json

    if not benches:
        raise ValueError("no benchmark to save")
    root = Path(out_dir) / benches[0].name
    for b in benches:
        write_beir(b, root / f"seed{b.seed}")
    write_json(root / "benchmark.json", benchmark_manifest(benches[0].spec, clips, benches))
    return root
