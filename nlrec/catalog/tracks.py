"""Tracks and catalogs: a track is an id, optional title / artist / year, a descriptor set and
free metadata. Catalogs are read from CSV, TSV, JSONL (or a JSON array) and Parquet files.

Example:
    >>> cat = Catalog.from_records([{"id": "a", "descriptors": "jazz, piano"}])
    >>> cat.tracks[0].text
    'jazz, piano'
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nlrec.errors import CatalogError

CatalogFormat = Literal["csv", "tsv", "jsonl", "json", "parquet"]

_SUFFIX_FORMATS: dict[str, CatalogFormat] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}

DESCRIPTOR_JOINER = ", "
MAX_DESCRIPTOR_CHARS = 200


@dataclass(frozen=True)
class Track:
    """One catalog item.

    Attributes:
        id: unique identifier (a string, whatever the source type).
        descriptors: the descriptor set (tags), in source order, without duplicates.
        title: optional title.
        artist: optional artist.
        year: optional release year.
        metadata: any other fields of the source row.
    """

    id: str
    descriptors: tuple[str, ...]
    title: str | None = None
    artist: str | None = None
    year: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        """The descriptor-set string that is indexed: descriptors joined with ``", "``."""
        return DESCRIPTOR_JOINER.join(self.descriptors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "artist": self.artist,
            "year": self.year,
            "descriptors": list(self.descriptors),
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Track:
        return cls(
            id=str(row["id"]),
            descriptors=tuple(row["descriptors"]),
            title=row.get("title"),
            artist=row.get("artist"),
            year=row.get("year"),
            metadata=dict(row.get("metadata") or {}),
        )


@dataclass
class Catalog:
    """An ordered collection of tracks with unique ids.

    Attributes:
        tracks: the tracks kept.
        source: where they came from (path or dataset name), for the index manifest.
        skipped_empty: how many rows were dropped because their descriptor set was empty.
    """

    tracks: list[Track]
    source: str = "<memory>"
    skipped_empty: int = 0

    def __post_init__(self) -> None:
        if not self.tracks:
            raise CatalogError(
                f"{self.source}: no track with a non-empty descriptor set"
                + (f" ({self.skipped_empty} rows skipped as empty)" if self.skipped_empty else "")
            )
        counts = Counter(t.id for t in self.tracks)
        dups = [i for i, n in counts.items() if n > 1]
        if dups:
            shown = ", ".join(repr(d) for d in dups[:5])
            more = f" and {len(dups) - 5} more" if len(dups) > 5 else ""
            raise CatalogError(f"{self.source}: duplicate track ids: {shown}{more}")

    def __len__(self) -> int:
        return len(self.tracks)

    def __iter__(self):
        return iter(self.tracks)

    def fingerprint(self) -> str:
        """SHA-256 over ids, descriptors and display fields: changes whenever the index would."""
        h = hashlib.sha256()
        for t in self.tracks:
            h.update(json.dumps([t.id, list(t.descriptors), t.title, t.artist, t.year]).encode())
            h.update(b"\n")
        return h.hexdigest()

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_records(
        cls,
        rows: Iterable[Mapping[str, Any]],
        *,
        source: str = "<memory>",
        id_col: str = "id",
        descriptors_col: str = "descriptors",
        title_col: str | None = None,
        artist_col: str | None = None,
        year_col: str | None = None,
        sep: str = ",",
        columns: Sequence[str] | None = None,
    ) -> Catalog:
        """Build a catalog from dict rows, mapping columns to track fields.

        ``title_col`` / ``artist_col`` / ``year_col`` default to ``title`` / ``artist`` / ``year``
        when those columns exist; naming a column that does not exist is an error.

        Raises:
            CatalogError: on missing columns, duplicate ids, or no usable track.
        """
        rows = list(rows)
        if columns is None:
            seen: dict[str, None] = {}
            for r in rows[:1000]:
                seen.update(dict.fromkeys(r.keys()))
            columns = list(seen)
        available = set(columns)
        mapping = {"id": id_col, "descriptors": descriptors_col}
        for fld, given in (("title", title_col), ("artist", artist_col), ("year", year_col)):
            if given is not None:
                mapping[fld] = given
            elif fld in available:
                mapping[fld] = fld
        missing = [c for c in mapping.values() if c not in available]
        if rows and missing:
            raise CatalogError(
                f"{source}: missing column(s) {', '.join(repr(m) for m in missing)}; "
                f"available: {', '.join(columns) or '(none)'} "
                "(map them with --id-col / --descriptors-col / --title-col / --artist-col)"
            )
        used = set(mapping.values())
        tracks: list[Track] = []
        skipped = 0
        for lineno, row in enumerate(rows, start=1):
            raw_id = row.get(id_col)
            if _is_missing(raw_id) or str(raw_id).strip() == "":
                raise CatalogError(f"{source}: row {lineno} has an empty id")
            descriptors = parse_descriptors(row.get(descriptors_col), sep=sep)
            if not descriptors:
                skipped += 1
                continue
            tracks.append(
                Track(
                    id=_clean_id(raw_id),
                    descriptors=descriptors,
                    title=_opt_str(row.get(mapping["title"])) if "title" in mapping else None,
                    artist=_opt_str(row.get(mapping["artist"])) if "artist" in mapping else None,
                    year=_opt_year(row.get(mapping["year"]), source, lineno)
                    if "year" in mapping
                    else None,
                    metadata=_metadata(row, used),
                )
            )
        return cls(tracks=tracks, source=source, skipped_empty=skipped)

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        format: CatalogFormat | None = None,
        encoding: str = "utf-8",
        **mapping: Any,
    ) -> Catalog:
        """Read a catalog file. The format comes from the suffix unless ``format`` is given.

        Keyword arguments are the column mapping of :meth:`from_records`.

        Raises:
            CatalogError: if the file is missing, unreadable, not valid text in ``encoding``,
                malformed, or maps to no usable track.
        """
        rows, columns = read_rows(path, format=format, encoding=encoding)
        return cls.from_records(rows, source=str(path), columns=columns, **mapping)


def read_rows(
    path: str | Path, *, format: CatalogFormat | None = None, encoding: str = "utf-8"
) -> tuple[list[dict[str, Any]], list[str] | None]:
    """Read a tabular file into dict rows (and its column names when the format has a header).

    Raises:
        CatalogError: if the file is missing, unreadable, not valid text, malformed or empty.
    """
    path = Path(path)
    fmt = format or _SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise CatalogError(
            f"{path}: cannot tell the format from the suffix {path.suffix!r}; "
            "use .csv, .tsv, .jsonl, .json or .parquet (or pass --format)"
        )
    if not path.exists():
        raise CatalogError(f"catalog not found: {path}")
    if not path.is_file():
        raise CatalogError(f"catalog is not a file: {path}")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CatalogError(f"cannot read catalog {path}: {e.strerror or e}") from e
    if fmt == "parquet":
        rows, columns = _read_parquet(path, data)
    else:
        text = _decode(data, encoding, path)
        if fmt in ("csv", "tsv"):
            rows, columns = _read_delimited(text, "\t" if fmt == "tsv" else ",", path)
        elif fmt == "jsonl":
            rows, columns = _read_jsonl(text, path)
        else:
            rows, columns = _read_json(text, path)
    if not rows:
        raise CatalogError(f"{path}: the catalog has no rows")
    return rows, columns


# ---------------------------------------------------------------------- descriptor parsing
def parse_descriptors(value: Any, *, sep: str = ",") -> tuple[str, ...]:
    """Turn a cell into a clean descriptor tuple.

    Accepts a list, a Python/JSON list literal (``"['piano', 'calm']"``, as in MusicCaps) or a
    ``sep``-separated string. Descriptors are stripped, blanks dropped, and duplicates (case
    insensitive) removed keeping the first spelling.
    """
    if _is_missing(value):
        return ()
    items: Iterable[Any]
    if isinstance(value, str):
        s = value.strip()
        if s.startswith("[") and s.endswith("]"):
            try:
                parsed = ast.literal_eval(s)
            except (ValueError, SyntaxError):
                parsed = None
            items = parsed if isinstance(parsed, (list, tuple)) else s.strip("[]").split(sep)
        else:
            items = s.split(sep) if sep else [s]
    elif isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
    else:
        items = [value]
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        if _is_missing(item):
            continue
        d = " ".join(str(item).split())[:MAX_DESCRIPTOR_CHARS]
        key = d.lower()
        if d and key not in seen:
            seen.add(key)
            out.append(d)
    return tuple(out)


# ---------------------------------------------------------------------- readers
def _decode(data: bytes, encoding: str, path: Path) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        raise CatalogError(
            f"{path}: not valid {encoding} text (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "re-encode the file as UTF-8 or pass --encoding"
        ) from None
    except LookupError:
        raise CatalogError(f"unknown text encoding {encoding!r}") from None
    return text.lstrip("\ufeff")


def _read_delimited(text: str, delimiter: str, path: Path) -> tuple[list[dict], list[str]]:
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        columns = list(reader.fieldnames or [])
        rows = []
        for row in reader:
            if None in row:  # more cells than header columns
                raise CatalogError(
                    f"{path}: line {reader.line_num} has more fields than the header "
                    f"({len(columns)} columns)"
                )
            rows.append(row)
    except csv.Error as e:
        raise CatalogError(f"{path}: malformed {'TSV' if delimiter == chr(9) else 'CSV'}: {e}") from None
    if not columns:
        raise CatalogError(f"{path}: empty file (no header row)")
    return rows, columns


def _read_jsonl(text: str, path: Path) -> tuple[list[dict], list[str] | None]:
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise CatalogError(f"{path}: line {lineno} is not valid JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise CatalogError(f"{path}: line {lineno} is not a JSON object")
        rows.append(row)
    return rows, None


def _read_json(text: str, path: Path) -> tuple[list[dict], list[str] | None]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CatalogError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("tracks"), list):
        data = data["tracks"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise CatalogError(f"{path}: expected a JSON array of objects (or JSON Lines in .jsonl)")
    return data, None


def _read_parquet(path: Path, data: bytes) -> tuple[list[dict], list[str]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:  # pragma: no cover - pyarrow is a dependency
        raise CatalogError("reading Parquet needs pyarrow: pip install pyarrow") from e
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as e:
        raise CatalogError(f"{path}: not a readable Parquet file ({e})") from None
    return table.to_pylist(), list(table.column_names)


# ---------------------------------------------------------------------- cell helpers
def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _clean_id(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _opt_str(v: Any) -> str | None:
    if _is_missing(v):
        return None
    s = str(v).strip()
    return s or None


def _opt_year(v: Any, source: str, lineno: int) -> int | None:
    if _is_missing(v) or (isinstance(v, str) and not v.strip()):
        return None
    try:
        return int(float(v))
    except (TypeError, ValueError):
        raise CatalogError(f"{source}: row {lineno} has a year that is not a number: {v!r}") from None


def _metadata(row: Mapping[str, Any], used: set[str]) -> dict[str, Any]:
    """Unmapped columns; a ``metadata`` column holding an object is merged in, not nested."""
    meta: dict[str, Any] = {}
    nested = row.get("metadata")
    if isinstance(nested, Mapping) and "metadata" not in used:
        meta.update({str(k): _jsonable(v) for k, v in nested.items()})
    for k, v in row.items():
        if k in used or _is_missing(v) or (k == "metadata" and isinstance(v, Mapping)):
            continue
        meta[k] = _jsonable(v)
    return meta


def _jsonable(v: Any) -> Any:
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if hasattr(v, "tolist"):
        return _jsonable(v.tolist())
    return str(v)
