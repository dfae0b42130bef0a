"""Reading catalog files into dict rows: CSV, TSV, JSONL, a JSON array and Parquet."""

from __future__ import annotations

import csv
import io
import json
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
    # a cell may be as long as the file (the csv module's default cap is 131,072 characters); an
    # over-long descriptor cell is then cut with a warning like any other (nlrec.catalog.tracks)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
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
    finally:
        csv.field_size_limit(limit)
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
        except ValueError as e:  # e.g. an integer of more than 4300 digits
            raise CatalogError(f"{path}: line {lineno} cannot be read ({str(e)[:80]})") from None
        except RecursionError:
            raise CatalogError(f"{path}: line {lineno} is nested too deeply to be a track") from None
        if not isinstance(row, dict):
            raise CatalogError(f"{path}: line {lineno} is not a JSON object")
        rows.append(row)
    return rows, None


def _read_json(text: str, path: Path) -> tuple[list[dict], list[str] | None]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CatalogError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        raise CatalogError(f"{path}: cannot be read ({str(e)[:80]})") from None
    except RecursionError:
        raise CatalogError(f"{path}: nested too deeply to be a catalog") from None
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


