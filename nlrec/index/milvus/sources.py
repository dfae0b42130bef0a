"""Catalog sources for streaming builds: a file read a chunk at a time, or tracks in memory."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlrec.catalog import Catalog, Track
from nlrec.errors import CatalogError


# ------------------------------------------------------------------------------ catalog sources
@dataclass
class CatalogSource:
    """Where a streaming build reads tracks: a catalog file read a chunk at a time, or tracks
    already in memory (a public dataset).

    Attributes:
        identity: what must be the same to resume (path, size and modification time, or the
            in-memory catalog's fingerprint).
        total: the number of rows, when known cheaply (for the progress bar).
    """

    identity: dict[str, Any]
    total: int | None
    rows: Callable[[int], Iterator[dict[str, Any]]] | None = None
    tracks: Sequence[Track] | None = None
    mapping: dict[str, Any] | None = None
    source: str = "<memory>"

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> CatalogSource:
        return cls(identity={"sha256": catalog.fingerprint()}, total=len(catalog), tracks=catalog.tracks,
                   source=catalog.source)

    @classmethod
    def from_file(cls, path: str | os.PathLike, *, format: str | None = None, encoding: str = "utf-8",
                  **mapping: Any) -> CatalogSource:
        """A catalog file; JSONL, CSV and TSV are streamed, other formats are read whole first.

        Raises:
            CatalogError: if the file is missing or its format unknown.
        """
        from nlrec.catalog.readers import _SUFFIX_FORMATS

        p = Path(path)
        if not p.is_file():
            raise CatalogError(f"catalog not found: {p}")
        fmt = format or _SUFFIX_FORMATS.get(p.suffix.lower())
        st = p.stat()
        identity = {"path": str(p.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
        mapping = {k: v for k, v in mapping.items() if v is not None}
        if fmt not in ("jsonl", "csv", "tsv"):
            catalog = Catalog.from_file(p, format=format, encoding=encoding, **mapping)
            return cls(identity=identity, total=len(catalog), tracks=catalog.tracks, source=str(p))
        with open(p, "rb") as f:
            total = sum(1 for line in f if line.strip()) - (fmt != "jsonl")
        return cls(identity=identity, total=total, rows=lambda skip: _stream_rows(p, fmt, encoding, skip),
                   mapping=mapping, source=str(p))

    def chunks(self, start: int, size: int) -> Iterator[tuple[int, list[Track], int]]:
        """``(rows read so far, tracks, rows skipped as empty)`` per chunk, from row ``start``."""
        if self.tracks is not None:
            for s in range(start, len(self.tracks), size):
                part = list(self.tracks[s:s + size])
                yield s + len(part), part, 0
            return
        assert self.rows is not None
        done = start
        batch: list[dict[str, Any]] = []
        for row in self.rows(start):
            batch.append(row)
            if len(batch) == size:
                done += len(batch)
                yield done, *self._tracks(batch, done)
                batch = []
        if batch:
            done += len(batch)
            yield done, *self._tracks(batch, done)

    def _tracks(self, rows: list[dict[str, Any]], done: int) -> tuple[list[Track], int]:
        try:
            cat = Catalog.from_records(rows, source=f"{self.source} (rows {done - len(rows) + 1}-{done})",
                                       **(self.mapping or {}))
        except CatalogError:
            if any(_has_descriptors(r, (self.mapping or {}).get("descriptors_col", "descriptors")) for r in rows):
                raise
            return [], len(rows)  # a chunk of empty rows only
        return cat.tracks, cat.skipped_empty


def _has_descriptors(row: dict[str, Any], col: str) -> bool:
    v = row.get(col)
    return bool(v) and bool(str(v).strip(" []'\","))


def _stream_rows(path: Path, fmt: str, encoding: str, skip: int) -> Iterator[dict[str, Any]]:
    import csv

    with open(path, encoding=encoding, newline="") as f:
        if fmt == "jsonl":
            n = 0
            for lineno, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                n += 1
                if n <= skip:
                    continue
                try:
                    row = json.loads(line)
                except ValueError as e:
                    raise CatalogError(f"{path}: line {lineno} is not valid JSON ({str(e)[:80]})") from None
                except RecursionError:
                    raise CatalogError(f"{path}: line {lineno} is nested too deeply to be a track") from None
                if not isinstance(row, dict):
                    raise CatalogError(f"{path}: line {lineno} is not a JSON object")
                yield row
            return
        reader = csv.DictReader(f, delimiter="\t" if fmt == "tsv" else ",", strict=True)
        limit = csv.field_size_limit(2**31 - 1)  # long cells are cut with a warning, like the local build's
        try:
            for n, row in enumerate(reader, start=1):
                if n <= skip:
                    continue
                if None in row:
                    raise CatalogError(f"{path}: line {reader.line_num} has more fields than the header")
                yield row
        except csv.Error as e:
            raise CatalogError(f"{path}: malformed {fmt.upper()}: {e}") from None
        finally:
            csv.field_size_limit(limit)


