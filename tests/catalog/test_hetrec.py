"""``--dataset hetrec``: Last.fm-2K artists with their top tags, weighted by taggers."""

from __future__ import annotations

import pytest

from nlrec.catalog.datasets import hetrec_tags, load_dataset
from nlrec.errors import CatalogError, NlrecError


def _write(root, name, header, rows, encoding="utf-8"):
    text = "\t".join(header) + "\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows)
    (root / name).write_text(text, encoding=encoding)


@pytest.fixture
def hetrec_dir(tmp_path):
    root = tmp_path / "hetrec_lastfm2k"
    root.mkdir()
    _write(root, "artists.dat", ["id", "name", "url", "pictureURL"],
           [[1, "Portishead", "u", "p"], [2, "Björk", "u", "p"], [3, "Nobody Tagged", "u", "p"]])
    _write(root, "tags.dat", ["tagID", "tagValue"],
           [[1, "Trip-Hop"], [2, "female vocalists"], [3, "seen live"], [4, "my cat likes it"], [5, "electronic"]],
           encoding="latin-1")
    tagged = [[u, 1, 1] for u in (10, 11, 12)] + [[u, 1, 2] for u in (10, 11)] + [[u, 1, 3] for u in (10, 11, 12)]
    tagged += [[10, 1, 4], [13, 2, 5], [14, 2, 5], [13, 2, 1]]
    _write(root, "user_taggedartists.dat", ["userID", "artistID", "tagID", "day", "month", "year"],
           [r + [1, 1, 2009] for r in tagged])
    _write(root, "user_artists.dat", ["userID", "artistID", "weight"],
           [[10, 1, 100], [11, 1, 50], [12, 2, 7], [13, 3, 1]])
    return tmp_path


def test_hetrec_catalog(hetrec_dir):
    cat = load_dataset("hetrec", hetrec_dir)
    by = {t.artist: t for t in cat.tracks}
    assert set(by) == {"Portishead", "Björk"}  # an artist nobody tagged is no item
    # weighted by distinct users; "seen live" (about the tagger) and a one-user in-joke dropped
    assert by["Portishead"].descriptors == ("trip-hop", "female vocalists")
    assert by["Portishead"].metadata["listeners"] == 2
    assert by["Portishead"].metadata["plays"] == 150
    assert by["Björk"].descriptors == ("electronic",)  # the one-user tag is not common: dropped


def test_hetrec_one_user_tags_kept_when_common():
    names = {str(i): f"tag{i}" for i in range(3)}
    # tag0 is on 25 artists (a genre word) but only one user gave it to artist "a"
    rows = [("u1", "a", "0"), ("u1", "a", "1")] + [(f"u{i}", f"b{i}", "0") for i in range(24)]
    tags = hetrec_tags(rows, names)
    assert tags["a"] == ["tag0"]


def test_hetrec_errors(tmp_path):
    with pytest.raises(CatalogError, match="hetrec files not found"):
        load_dataset("hetrec", tmp_path)
    with pytest.raises(NlrecError, match="one split"):
        load_dataset("hetrec", tmp_path, split="test")


@pytest.mark.data
def test_hetrec_shared(shared_data):
    cat = load_dataset("hetrec", shared_data)
    assert len(cat) > 10_000
    led = next(t for t in cat.tracks if t.artist == "Led Zeppelin")
    assert "classic rock" in led.descriptors and "seen live" not in led.descriptors
    assert led.metadata["listeners"] > 100
