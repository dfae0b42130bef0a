"""Public datasets as catalogs: MusicCaps, MagnaTagATune top-50, Million Song Dataset top-50 and
HetRec 2011 Last.fm-2K artists.

Local files are read from a data directory (``--data-dir`` or ``NLREC_DATA``) laid out as in
``shared/data``; the Hugging Face loader (``google/MusicCaps``) is kept for users who are online.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from nlrec.catalog.tracks import Catalog, read_rows
from nlrec.errors import CatalogError, NlrecError
from nlrec.paths import data_dir as resolve_data_dir

DatasetName = Literal["musiccaps", "mtt", "msd", "hetrec"]
DATASETS: tuple[str, ...] = ("musiccaps", "mtt", "msd", "hetrec")
Split = Literal["all", "train", "test", "valid"]

MUSICCAPS_FILE = "musiccaps/musiccaps-public.csv"
TOP50_FILES = {
    "mtt": {"test": "mtat/mtat_top50_test.tsv", "valid": "mtat/mtat_top50_valid.tsv"},
    "msd": {"test": "msd/msd_top50_test.tsv", "valid": "msd/msd_top50_valid.tsv"},
}
TOP50_ID = {"mtt": "clip_id", "msd": "msd_track_id"}
HF_MUSICCAPS = "google/MusicCaps"
HETREC_DIR = "hetrec_lastfm2k"
HETREC_MAX_TAGS = 10
HETREC_MIN_TAGGERS = 2
HETREC_COMMON_TAG_ARTISTS = 20
HETREC_NOISE_TAGS = frozenset({"seen live", "favorite", "favorites", "favourite", "favourites", "my favorite",
                               "my favorites", "love", "loved", "awesome", "cool", "amazing", "good", "best"})
"""Tags about the tagger, not the music: dropped however many users gave them."""


def _bool(v: Any) -> bool:
    return v if isinstance(v, bool) else str(v).strip().lower() in ("true", "1", "yes")


def musiccaps_catalog(rows: Iterable[Mapping[str, Any]], *, source: str, split: Split = "all") -> Catalog:
    """MusicCaps rows (from the CSV or the hub) as a catalog: id = ytid, descriptors = aspect_list.

    The human caption and the other columns are kept as metadata. ``split`` ``test`` keeps the
    2,858 AudioSet-eval clips (the benchmark clips), ``train`` the others.
    """
    rows = [dict(r) for r in rows]
    if split in ("train", "test"):
        want = split == "test"
        rows = [r for r in rows if _bool(r.get("is_audioset_eval")) == want]
    elif split not in ("all",):
        raise NlrecError(f"MusicCaps has splits all, train and test, not {split!r}")
    for r in rows:
        for key in ("is_audioset_eval", "is_balanced_subset"):
            if key in r:
                r[key] = _bool(r[key])
    return Catalog.from_records(
        rows, source=source, id_col="ytid", descriptors_col="aspect_list", sep=","
    )


def load_musiccaps(data_dir: str | os.PathLike | None = None, *, split: Split = "all") -> Catalog:
    """MusicCaps from ``<data_dir>/musiccaps/musiccaps-public.csv``."""
    path = resolve_data_dir(data_dir) / MUSICCAPS_FILE
    if not path.is_file():
        raise CatalogError(f"MusicCaps file not found: {path}")
    rows, _ = read_rows(path)
    return musiccaps_catalog(rows, source=str(path), split=split)


def load_musiccaps_hub(*, split: Split = "all", cache_dir: str | None = None, **kwargs: Any) -> Catalog:
    """MusicCaps from the Hugging Face hub (``google/MusicCaps``); needs ``datasets`` and network.

    Extra keyword arguments go to ``datasets.load_dataset`` (e.g. ``data_files`` for a local copy).
    """
    try:
        import datasets
    except ImportError as e:
        raise NlrecError("loading from the hub needs the 'datasets' package: pip install 'nlrec[hub]'") from e
    path = kwargs.pop("path", HF_MUSICCAPS)
    try:
        ds = datasets.load_dataset(path, split="train", cache_dir=cache_dir, **kwargs)
    except Exception as e:  # noqa: BLE001 - network/hub failures become one line
        raise NlrecError(f"cannot load {path} from the hub: {str(e).splitlines()[0][:200]}") from e
    return musiccaps_catalog(ds, source=f"hf:{path}", split=split)


def load_top50(name: Literal["mtt", "msd"], data_dir: str | os.PathLike | None = None,
               *, split: Split = "all") -> Catalog:
    """MTT or MSD top-50 tag catalogs (``|``-joined tags); ``split`` all | test | valid."""
    root = resolve_data_dir(data_dir)
    files = TOP50_FILES[name]
    parts = list(files) if split == "all" else [split]
    if any(p not in files for p in parts):
        raise NlrecError(f"{name} has splits all, test and valid, not {split!r}")
    rows: list[dict[str, Any]] = []
    for part in parts:
        path = root / files[part]
        if not path.is_file():
            raise CatalogError(f"{name} file not found: {path}")
        part_rows, _ = read_rows(path)
        rows += [{**r, "split": part} for r in part_rows]
    source = str(root / files[parts[0]]) if len(parts) == 1 else str(root / Path(files["test"]).parent)
    return Catalog.from_records(rows, source=source, id_col=TOP50_ID[name], descriptors_col="tags", sep="|")


def _tsv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    import csv

    try:
        with open(path, encoding=encoding, newline="") as f:
            rows = [[c.strip() for c in r] for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise CatalogError(f"cannot read {path}: {e}") from None
    return [r for r in rows[1:] if r and any(r)]


def hetrec_tags(
    assignments: Iterable[Sequence[str]], tag_names: Mapping[str, str], *,
    max_tags: int = HETREC_MAX_TAGS, min_taggers: int = HETREC_MIN_TAGGERS,
    common_artists: int = HETREC_COMMON_TAG_ARTISTS,
) -> dict[str, list[str]]:
    """Each artist's descriptor set from Last.fm tag assignments ``(user, artist, tag id, ...)``.

    A tag's weight on an artist is the number of distinct users who gave it. Tags given by fewer
    than ``min_taggers`` users are noise (an in-joke, a misspelling) and are dropped,
    except that an artist left with fewer than three tags keeps its one-user tags that are common
    across the data set (given to at least ``common_artists`` artists: genre words, not jokes).
    Tags about the tagger (``HETREC_NOISE_TAGS``: "seen live", "favorites") are always dropped.
    At most ``max_tags`` are kept, most taggers first, then the more widespread tag, then A-Z.
    """
    users: dict[str, dict[str, set[str]]] = {}
    for r in assignments:
        if len(r) < 3 or r[2] not in tag_names or tag_names[r[2]] in HETREC_NOISE_TAGS:
            continue
        users.setdefault(r[1], {}).setdefault(tag_names[r[2]], set()).add(r[0])
    spread: Counter[str] = Counter(t for per in users.values() for t in per)
    out: dict[str, list[str]] = {}
    for artist, per in users.items():
        weight = {t: len(u) for t, u in per.items()}
        keep = [t for t, n in weight.items() if n >= min_taggers]
        if len(keep) < 3:
            keep += [t for t, n in weight.items() if n < min_taggers and spread[t] >= common_artists]
        keep.sort(key=lambda t: (-weight[t], -spread[t], t))
        if keep:
            out[artist] = keep[:max_tags]
    return out


def load_hetrec(data_dir: str | os.PathLike | None = None) -> Catalog:
    """HetRec 2011 Last.fm-2K artists as a catalog (``<data_dir>/hetrec_lastfm2k``).

    An item is an artist: id = the Last.fm artist id, ``artist`` = its name, descriptors = its
    top tags (:func:`hetrec_tags`), metadata ``listeners`` (users with the artist among their top
    50) and ``plays`` (their summed play counts). Artists without a usable tag are left out.
    """
    root = resolve_data_dir(data_dir) / HETREC_DIR
    needed = ("artists.dat", "tags.dat", "user_taggedartists.dat", "user_artists.dat")
    missing = [f for f in needed if not (root / f).is_file()]
    if missing:
        raise CatalogError(f"hetrec files not found in {root}: {', '.join(missing)}")
    names = {r[0]: r[1] for r in _tsv(root / "artists.dat") if len(r) >= 2}
    tag_names = {r[0]: " ".join(r[1].lower().split()) for r in _tsv(root / "tags.dat", "latin-1") if len(r) >= 2}
    tag_names = {k: v for k, v in tag_names.items() if v}
    assignments = _tsv(root / "user_taggedartists.dat")
    if (root / "user_taggedartists_2.dat").is_file():
        assignments += _tsv(root / "user_taggedartists_2.dat")
    tags = hetrec_tags(assignments, tag_names)
    listeners: Counter[str] = Counter()
    plays: Counter[str] = Counter()
    for r in _tsv(root / "user_artists.dat"):
        if len(r) >= 3:
            listeners[r[1]] += 1
            try:
                plays[r[1]] += int(float(r[2]))
            except ValueError:
                pass
    rows = [{"id": a, "artist": names.get(a), "descriptors": tags[a],
             "listeners": listeners[a], "plays": plays[a]}
            for a in sorted(tags, key=lambda x: (len(x), x))]
    return Catalog.from_records(rows, source=str(root), artist_col="artist")


def load_dataset(name: str, data_dir: str | os.PathLike | None = None, *, split: Split = "all") -> Catalog:
    """Load a public dataset catalog by name: ``musiccaps``, ``mtt``, ``msd`` or ``hetrec``."""
    if name == "musiccaps":
        return load_musiccaps(data_dir, split=split)
    if name in ("mtt", "msd"):
        return load_top50(name, data_dir, split=split)  # type: ignore[arg-type]
    if name == "hetrec":
        if split != "all":
            raise NlrecError("hetrec has one split, all")
        return load_hetrec(data_dir)
    raise NlrecError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
