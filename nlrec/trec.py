"""TREC run files and query files (BEIR / pyserini conventions)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from nlrec.errors import QueryError


def format_run(results: Mapping[str, Iterable[tuple[str, float]]], tag: str) -> str:
    """Six-column TREC lines ``qid Q0 docid rank score tag``, ties broken by ``(-score, docid)``."""
    lines = []
    for qid, hits in results.items():
        ordered = sorted(hits, key=lambda h: (-h[1], h[0]))
        for rank, (docid, score) in enumerate(ordered, start=1):
            lines.append(f"{qid} Q0 {docid} {rank} {score:.6f} {tag}")
    return "\n".join(lines) + ("\n" if lines else "")


def read_queries(path: str | Path) -> dict[str, str]:
    """Read queries from TSV (``qid<TAB>text``, optional header) or BEIR JSONL (``_id``, ``text``).

    Raises:
        QueryError: on a missing file, malformed lines, duplicate ids or no query at all.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8").lstrip("\ufeff")
    except FileNotFoundError:
        raise QueryError(f"queries file not found: {path}") from None
    except UnicodeDecodeError as e:
        raise QueryError(f"{path}: not valid UTF-8 (offset {e.start})") from None
    except OSError as e:
        raise QueryError(f"cannot read queries file {path}: {e.strerror}") from None
    queries: dict[str, str] = {}
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                qid, q = str(row.get("_id", row.get("id", row.get("qid")))), row["text"]
            except (ValueError, KeyError, AttributeError):
                raise QueryError(f"{path}: line {n} is not a JSON object with '_id' and 'text'") from None
            _add(queries, qid, q, path, n)
    else:
        for n, row in enumerate(csv.reader(io.StringIO(text), delimiter="\t"), start=1):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2:
                raise QueryError(f"{path}: line {n} needs 'qid<TAB>query'")
            if n == 1 and row[0].lower() in ("qid", "query_id", "id", "_id"):
                continue
            _add(queries, row[0].strip(), "\t".join(row[1:]), path, n)
    if not queries:
        raise QueryError(f"{path}: no queries found")
    return queries


def _add(queries: dict[str, str], qid: str, text: str, path: Path, n: int) -> None:
    if not qid or qid == "None":
        raise QueryError(f"{path}: line {n} has no query id")
    if qid in queries:
        raise QueryError(f"{path}: duplicate query id {qid!r} (line {n})")
    queries[qid] = text
