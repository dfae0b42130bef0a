"""TREC run files and query files (BEIR / pyserini conventions)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from nlrec.errors import QueryError


def trec_id(value: str) -> str:
    """An id as one TREC column: ``%`` and whitespace percent-encoded (``a b`` -> ``a%20b``).

    Ids without whitespace or ``%`` are written unchanged, so ordinary runs match their qrels.
    """
    from urllib.parse import quote

    return "".join(quote(c, safe="") if c == "%" or c.isspace() else c for c in value)


def format_run(results: Mapping[str, Iterable[tuple[str, float]]], tag: str) -> str:
    """Six-column TREC lines ``qid Q0 docid rank score tag``, ties broken by ``(-score, docid)``.

    Ids containing whitespace or ``%`` are percent-encoded (:func:`trec_id`), so every line has
    exactly six columns.
    """
    lines = []
    for qid, hits in results.items():
        ordered = sorted(hits, key=lambda h: (-h[1], h[0]))
        for rank, (docid, score) in enumerate(ordered, start=1):
            lines.append(f"{trec_id(qid)} Q0 {trec_id(docid)} {rank} {score:.6f} {trec_id(tag)}")
    return "\n".join(lines) + ("\n" if lines else "")


def read_queries(path: str | Path) -> dict[str, str]:
    """Read queries from TSV (``qid<TAB>text``, optional header) or BEIR JSONL (``_id``, ``text``).

    TSV lines are split on the first tab only, with no CSV quoting: a request may start with ``"``.
    A JSONL ``text`` must be a string.

    Raises:
        QueryError: on a missing file, malformed lines, an empty request, duplicate ids or no
            query at all (naming the line).
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
            if not isinstance(q, str):
                raise QueryError(f"{path}: line {n}: 'text' must be a string, got a {type(q).__name__}")
            _add(queries, qid, q, path, n)
    else:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            qid, tab, q = line.partition("\t")
            if not tab:
                raise QueryError(f"{path}: line {n} needs 'qid<TAB>query'")
            if n == 1 and qid.strip().lower() in ("qid", "query_id", "id", "_id"):
                continue
            _add(queries, qid.strip(), q, path, n)
    if not queries:
        raise QueryError(f"{path}: no queries found")
    return queries


def _add(queries: dict[str, str], qid: str, text: str, path: Path, n: int) -> None:
    if not qid or qid == "None":
        raise QueryError(f"{path}: line {n} has no query id")
    if qid in queries:
        raise QueryError(f"{path}: duplicate query id {qid!r} (line {n})")
    if not text.strip():
        raise QueryError(f"{path}: line {n} (query {qid!r}) has an empty request")
    queries[qid] = text
