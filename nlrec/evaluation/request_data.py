"""The data of the request-understanding evaluation: MusicRecoNER requests and their split, the
HetRec Last.fm-2K artists as a catalog, the MTT names, and the JSONL request sets.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlrec.errors import NlrecError
from nlrec.request.names import NameIndex

TEST_PERCENT = 30


def split_of(request_id: str) -> str:
    """``"test"`` for 30% of MusicRecoNER ids (by SHA-256 of the id), else ``"dev"``."""
    h = int(hashlib.sha256(request_id.encode("utf-8")).hexdigest()[:8], 16)
    return "test" if h % 100 < TEST_PERCENT else "dev"


def load_musicreconer(data_dir: str | Path, split: str | None = "test") -> list[dict[str, Any]]:
    """MusicRecoNER requests of one split (``"test"``, ``"dev"`` or ``None`` for all)."""
    path = Path(data_dir) / "musicreconer" / "requests.jsonl"
    if not path.is_file():
        raise NlrecError(f"{path}: missing (expected the layout of shared/data/musicreconer)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or split_of(r["id"]) == split]


def _read_tsv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    if not path.is_file():
        raise NlrecError(f"{path}: missing")
    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [[c.strip() for c in r] for r in rows[1:] if r and any(r)]


@dataclass
class HetRec:
    """HetRec Last.fm-2K artists as a catalog: names, tag descriptor sets, listeners."""

    names: dict[str, str]
    tags: dict[str, Counter[str]]
    listeners: dict[str, set[str]]
    tag_artists: Counter[str]

    def descriptors(self, artist: str, k: int = 10) -> list[str]:
        c = self.tags.get(artist, Counter())
        return [t for t, _ in sorted(c.items(), key=lambda x: (-x[1], -self.tag_artists[x[0]], x[0]))[:k]]

    def vocabulary(self, min_artists: int = 20) -> list[str]:
        """Tags given to at least ``min_artists`` artists (genre-like words, not names)."""
        return [t for t, n in self.tag_artists.items() if n >= min_artists]


def load_hetrec_catalog(data_dir: str | Path) -> HetRec:
    """Artists with a name, their tags (all taggers) and their listeners."""
    root = Path(data_dir) / "hetrec_lastfm2k"
    names = {r[0]: r[1] for r in _read_tsv(root / "artists.dat") if len(r) >= 2}
    tag_names = {r[0]: " ".join(r[1].lower().split()) for r in _read_tsv(root / "tags.dat", "latin-1") if len(r) >= 2}
    tags: dict[str, Counter[str]] = {}
    for f in ("user_taggedartists.dat", "user_taggedartists_2.dat"):
        if (root / f).is_file():
            for r in _read_tsv(root / f):
                if len(r) >= 3 and r[2] in tag_names:
                    tags.setdefault(r[1], Counter())[tag_names[r[2]]] += 1
    listeners: dict[str, set[str]] = {}
    for r in _read_tsv(root / "user_artists.dat"):
        listeners.setdefault(r[1], set()).add(r[0])
    tag_artists: Counter[str] = Counter()
    for c in tags.values():
        tag_artists.update(c.keys())
    return HetRec(names, tags, listeners, tag_artists)


def hetrec_name_index(het: HetRec) -> NameIndex:
    """The HetRec artist names, common-word guard fed with the genre-like tags.

    Tags given to at least 100 artists are genre-like ("ambient", "electronic"); rarer ones
    include artist names used as tags ("u2"), which must not make those names common.
    """
    return NameIndex.build(
        ({"id": a, "artist": n} for a, n in het.names.items()), vocabulary=het.vocabulary(min_artists=100)
    )


def mtt_name_index(data_dir: str | Path) -> NameIndex:
    """MTT clips' artists, titles and albums (``mtat/mtt_188_all_splits.csv``)."""
    import ast

    path = Path(data_dir) / "mtat" / "mtt_188_all_splits.csv"
    if not path.is_file():
        raise NlrecError(f"{path}: missing")
    records, vocab = [], set()
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            records.append({"id": r["track_id"], "title": r["title"], "artist": r["artist_name"],
                            "album": r["release"]})
            vocab.update(ast.literal_eval(r["tag_top188"] or "[]"))
    return NameIndex.build(records, vocabulary=vocab)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.is_file():
        raise NlrecError(f"{p}: missing")
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def hetrec_catalog(het: HetRec, descriptors: int = 10) -> Any:
    """The tagged HetRec artists as an :class:`nlrec.catalog.Catalog` (descriptors: top tags)."""
    from nlrec.catalog import Catalog

    rows = [{"id": a, "descriptors": het.descriptors(a, descriptors), "artist": het.names.get(a)}
            for a in sorted(het.tags, key=int) if het.tags[a]]
    return Catalog.from_records(rows, source="hetrec_lastfm2k", artist_col="artist")


__all__ = [
    "TEST_PERCENT",
    "HetRec",
    "hetrec_catalog",
    "hetrec_name_index",
    "load_hetrec_catalog",
    "load_musicreconer",
    "mtt_name_index",
    "read_jsonl",
    "split_of",
]
