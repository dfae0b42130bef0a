"""Public datasets as catalogs: MusicCaps, MagnaTagATune top-50 and Million Song Dataset top-50.

Local files are read from a data directory (``--data-dir`` or ``NLREC_DATA``) laid out as in
``shared/data``; the Hugging Face loader (``google/MusicCaps``) is kept for users who are online.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from nlrec.catalog.tracks import Catalog, read_rows
from nlrec.errors import CatalogError, NlrecError
from nlrec.paths import data_dir as resolve_data_dir

DatasetName = Literal["musiccaps", "mtt", "msd"]
DATASETS: tuple[str, ...] = ("musiccaps", "mtt", "msd")
Split = Literal["all", "train", "test", "valid"]

MUSICCAPS_FILE = "musiccaps/musiccaps-public.csv"
TOP50_FILES = {
    "mtt": {"test": "mtat/mtat_top50_test.tsv", "valid": "mtat/mtat_top50_valid.tsv"},
    "msd": {"test": "msd/msd_top50_test.tsv", "valid": "msd/msd_top50_valid.tsv"},
}
TOP50_ID = {"mtt": "clip_id", "msd": "msd_track_id"}
HF_MUSICCAPS = "google/MusicCaps"


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


def load_dataset(name: str, data_dir: str | os.PathLike | None = None, *, split: Split = "all") -> Catalog:
    """Load a public dataset catalog by name: ``musiccaps``, ``mtt`` or ``msd``."""
    if name == "musiccaps":
        return load_musiccaps(data_dir, split=split)
    if name in ("mtt", "msd"):
        return load_top50(name, data_dir, split=split)  # type: ignore[arg-type]
    raise NlrecError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
