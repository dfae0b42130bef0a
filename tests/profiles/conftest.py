"""Fixtures for the profile tests: a tiny index (tiny random model), likes files, and a tiny
data directory shaped like HetRec 2011 Last.fm-2K and Yes.com playlists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlrec.cli import cli

GENRES = {
    "jazz": ["jazz", "piano", "smooth"],
    "metal": ["metal", "heavy", "guitar"],
    "pop": ["pop", "female vocalists", "dance"],
}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def run_json(*args: str):
    r = run(*args, "--json")
    assert r.exit_code == 0, (r.output, r.stderr)
    return json.loads(r.stdout)


@pytest.fixture
def tiny_index(tiny_catalog_file, tiny_model):
    """The conftest's 8 tiny tracks indexed as ``tiny`` with the tiny model."""
    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    return build_index(Catalog.from_file(tiny_catalog_file), "tiny", model=str(tiny_model))


@pytest.fixture
def likes_file(tmp_path) -> Path:
    path = tmp_path / "likes.txt"
    path.write_text("# calm piano lover\nt2\nt7\nt2\n", encoding="utf-8")
    return path


def write_hetrec(root: Path, n_users: int = 40, artists_per_genre: int = 24) -> Path:
    """A HetRec-shaped directory: users listen to (mostly) one genre; every user tags a few
    artists of their genre with its tags, plus a generic tag."""
    d = root / "hetrec_lastfm2k"
    d.mkdir(parents=True)
    tags = sorted({t for ts in GENRES.values() for t in ts} | {"seen live"})
    tag_id = {t: i + 1 for i, t in enumerate(tags)}
    (d / "tags.dat").write_bytes(
        ("tagID\ttagValue\r\n" + "".join(f"{tag_id[t]}\t{t}\r\n" for t in tags)).encode("latin-1"))
    artists = {g: [gi * 100 + a + 1 for a in range(artists_per_genre)] for gi, g in enumerate(GENRES)}
    (d / "artists.dat").write_text(
        "id\tname\turl\tpictureURL\n" + "".join(f"{a}\tArtist {a}\t\t\n" for g in artists for a in artists[g]),
        encoding="utf-8")
    plays, tagged = ["userID\tartistID\tweight\r\n"], ["userID\tartistID\ttagID\tday\tmonth\tyear\r\n"]
    genres = list(GENRES)
    for u in range(1, n_users + 1):
        g = genres[u % 3]
        other = genres[(u + 1) % 3]
        for j, a in enumerate(artists[g][: 18 + u % 3] + artists[other][:2]):
            plays.append(f"{u}\t{a}\t{100 + 37 * j + u}\r\n")
        for a in artists[g]:
            if (7 * a + u) % 5 < 2:
                for t in GENRES[g][: 1 + (a + u) % 3]:
                    tagged.append(f"{u}\t{a}\t{tag_id[t]}\t1\t1\t2010\r\n")
                if a % 4 == 0:
                    tagged.append(f"{u}\t{a}\t{tag_id['seen live']}\t1\t1\t2010\r\n")
    (d / "user_artists.dat").write_text("".join(plays), encoding="utf-8")
    half = len(tagged) // 2
    (d / "user_taggedartists.dat").write_text("".join(tagged[:half]), encoding="utf-8")
    (d / "user_taggedartists_2.dat").write_text(tagged[0] + "".join(tagged[half:]), encoding="utf-8")
    return root


def write_yes(root: Path, n_playlists: int = 30) -> Path:
    """A Yes.com-shaped directory: 3 genres of 16 songs (one untagged each), playlists of one
    genre, and a radio call-sign tag that must be dropped."""
    d = root / "yes_playlists"
    d.mkdir(parents=True)
    tags = sorted({t for ts in GENRES.values() for t in ts}) + ["wxyz-fm"]
    (d / "tag_hash.txt").write_text("".join(f"{i}, {t}\n" for i, t in enumerate(tags)), encoding="utf-8")
    songs, lines = [], []
    for g, ts in GENRES.items():
        for s in range(16):
            songs.append(f"{len(songs)}\tSong {len(songs)}\tBand {g}\n")
            ids = [tags.index(t) for t in ts[: 1 + s % 3]]
            if s % 5 == 0:
                ids.append(tags.index("wxyz-fm"))
            lines.append(" ".join(map(str, ids)) if s != 15 else "#")
    (d / "song_hash.txt").write_text("".join(songs), encoding="utf-8")
    (d / "tags.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    playlists = []
    for p in range(n_playlists):
        g = p % 3
        base = [g * 16 + s for s in range(16) if (s + p) % 4 != 0]
        playlists.append(" ".join(map(str, base + base[:2])) + " ")
    (d / "train.txt").write_text(" ".join("0" for _ in songs) + "\n" + " ".join("1" for _ in songs) + "\n"
                                 + "\n".join(playlists) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def data_dir(tmp_path) -> Path:
    root = tmp_path / "data"
    write_hetrec(root)
    write_yes(root)
    return root
