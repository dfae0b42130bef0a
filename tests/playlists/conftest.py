"""A music-library-like index: tracks with files, artists and real lengths (tiny model)."""

from __future__ import annotations

import pytest

STYLES = [
    ["solo piano", "calm", "studying", "slow tempo", "no vocals"],
    ["jazz", "piano trio", "upright bass", "brushes", "romantic"],
    ["heavy metal", "aggressive", "distorted guitar", "fast tempo", "male vocal"],
    ["synthwave", "80s", "synth", "driving", "night"],
    ["folk", "acoustic guitar", "female vocal", "sad", "mellow"],
]


def library_records(root, n: int = 60, artists: int = 6, with_duration: bool = True) -> list[dict]:
    """``n`` tracks over ``artists`` artists, each a real (empty) file under ``root``; lengths
    from 2:00 to 6:59, descriptor sets in five styles (a few tracks share a set exactly)."""
    root.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        style = STYLES[i % len(STYLES)]
        path = root / f"artist{i % artists}" / f"track {i:02d}.ogg"
        path.parent.mkdir(exist_ok=True)
        path.touch()
        rec = {"id": f"t{i:02d}", "title": f"Track {i}", "artist": f"Artist {i % artists}",
               "album": f"Album {i % artists}", "path": str(path),
               "descriptors": style if i % 3 else style[: 3 + (i % 2)]}
        if with_duration:
            rec["duration"] = 120 + (i * 37) % 300
        out.append(rec)
    return out


@pytest.fixture
def library_index(tmp_path, tiny_model):
    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    records = library_records(tmp_path / "Music")
    build_index(Catalog.from_records(records), "lib", model=str(tiny_model))
    return "lib", tmp_path / "Music", records
