"""Tracks and catalogs: a track is an id, optional title / artist / year, a descriptor set and
free metadata. Catalogs are read from CSV, TSV, JSONL (or a JSON array) and Parquet files.

Example:
    >>> cat = Catalog.from_records([{"id": "a", "descriptors": "jazz, piano"}])
    >>> cat.tracks[0].text
    'jazz, piano'
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlrec.catalog.readers import CatalogFormat, read_rows  # re-exported
from nlrec.catalog.validate import MAX_DESCRIPTORS_PER_TRACK, Caps, check_id, flatten, opt_year
from nlrec.errors import CatalogError

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
        caps = Caps(source)
        for lineno, row in enumerate(rows, start=1):
            raw_id = row.get(id_col)
            if _is_missing(raw_id) or str(raw_id).strip() == "":
                raise CatalogError(f"{source}: row {lineno} has an empty id")
            track_id = check_id(_clean_id(raw_id), source, lineno)
            try:
                descriptors = parse_descriptors(row.get(descriptors_col), sep=sep,
                                                on_cut=lambda what, t=track_id, n=lineno: caps.cut(t, n, what))
            except CatalogError as e:
                raise CatalogError(f"{source}: row {lineno}: {e}") from None
            if not descriptors:
                skipped += 1
                continue
            tracks.append(
                Track(
                    id=track_id,
                    descriptors=descriptors,
                    title=_opt_str(row.get(mapping["title"])) if "title" in mapping else None,
                    artist=_opt_str(row.get(mapping["artist"])) if "artist" in mapping else None,
                    year=opt_year(row.get(mapping["year"]), source, lineno)
                    if "year" in mapping
                    else None,
                    metadata=_metadata(row, used),
                )
            )
        caps.done()
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


# ---------------------------------------------------------------------- descriptor parsing
def parse_descriptors(value: Any, *, sep: str = ",", on_cut: Any = None) -> tuple[str, ...]:
    """Turn a cell into a clean descriptor tuple.

    Accepts a list (nested lists are flattened), a Python/JSON list literal
    (``"['piano', 'calm']"``, as in MusicCaps) or a ``sep``-separated string. Descriptors are
    stripped, blanks dropped, and duplicates (case insensitive) removed keeping the first
    spelling. At most :data:`~nlrec.catalog.validate.MAX_DESCRIPTORS_PER_TRACK` descriptors of
    :data:`MAX_DESCRIPTOR_CHARS` characters are kept; ``on_cut(what)`` is told when more were cut.

    Raises:
        CatalogError: when a descriptor is an object.
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
    long = extra = 0
    for item in flatten(items):
        if _is_missing(item):
            continue
        d = " ".join(str(item).split())
        if len(d) > MAX_DESCRIPTOR_CHARS:
            d, long = d[:MAX_DESCRIPTOR_CHARS], long + 1
        key = d.lower()
        if d and key not in seen:
            if len(out) >= MAX_DESCRIPTORS_PER_TRACK:
                extra += 1
                continue
            seen.add(key)
            out.append(d)
    if on_cut and (long or extra):
        what = []
        if extra:
            what.append(f"kept the first {MAX_DESCRIPTORS_PER_TRACK} descriptors, dropped {extra}")
        if long:
            what.append(f"cut {long} descriptor(s) to {MAX_DESCRIPTOR_CHARS} characters")
        on_cut("; ".join(what))
    return tuple(out)


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
