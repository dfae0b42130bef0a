"""A beets library round trip: beets imports generated files, nlrec indexes the library (read-only),
searches it, writes a playlist of its files, and picks up what beets imports later."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from nlrec.cli import cli
from tests.beets.conftest import write_song

SONGS = [
    ("calm/piano.ogg", 6.0, 220.0, "Quiet Keys", "Ana Lind", "Classical"),
    ("calm/keys.ogg", 5.0, 330.0, "Evening Keys", "Ana Lind", None),
    ("loud/metal.ogg", 7.0, 880.0, "Iron Fist", "Ragecore", "Heavy Metal"),
    ("loud/drive.ogg", 6.0, 660.0, "Night Drive", "Neon Coast", "Synthwave"),
]


def _invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_beets_round_trip(beets_env, tiny_model):
    for i, (rel, seconds, freq, title, artist, genre) in enumerate(SONGS):
        write_song(beets_env.music / rel, seconds=seconds, freq=freq, title=title, artist=artist, genre=genre, seed=i)
    beets_env.beet("import", str(beets_env.music / "calm"), str(beets_env.music / "loud"))
    with sqlite3.connect(beets_env.db) as con:  # beets 2.x keeps paths relative to its directory
        assert con.execute("SELECT count(*) FROM items").fetchone()[0] == 4
    before = beets_env.db.read_bytes()

    r = _invoke("index", "build", "--beets-library", str(beets_env.db), "--name", "beets",
                "--model", str(tiny_model), "--windows", "2", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["indexed"] == report["items"] == report["tagged"] == 4
    assert beets_env.db.read_bytes() == before  # read-only: nlrec never writes to the beets library

    from nlrec.index import Index

    with Index.open("beets") as idx:
        tracks = {t.title: t for t in idx.tracks}
        assert set(tracks) == {s[3] for s in SONGS}
        metal = tracks["Iron Fist"]
        assert metal.id.startswith("beets:") and metal.artist == "Ragecore"
        assert metal.metadata["path"] == str(beets_env.music / "loud" / "metal.ogg")
        assert abs(metal.metadata["duration"] - 7.0) < 0.1
        sources = metal.metadata["descriptor_sources"]
        assert sources["beets"] == ["Heavy Metal"] and sources["audio"]
        assert metal.descriptors[0] == "Heavy Metal" and len(metal.descriptors) > 1
        assert tracks["Evening Keys"].metadata["descriptor_sources"]["beets"] == []

    r = _invoke("query", "heavy metal", "--index", "beets", "--json", "-k", "4", "--mode", "bm25")
    assert r.exit_code == 0, r.output
    hits = json.loads(r.stdout)["hits"]
    assert hits[0]["title"] == "Iron Fist" and all(h["id"].startswith("beets:") for h in hits)

    out = beets_env.root / "mix.m3u8"
    r = _invoke("playlist", "heavy metal", "--index", "beets", "-n", "3", "-o", str(out), "--absolute")
    assert r.exit_code == 0, r.output
    lines = out.read_text(encoding="utf-8").splitlines()
    paths = [ln for ln in lines if not ln.startswith("#")]
    assert lines[0] == "#EXTM3U" and len(paths) == 3 and all((beets_env.music / p).is_file() for p in paths)

    write_song(beets_env.music / "new" / "late.ogg", seconds=5.0, freq=440.0, title="Late Arrival",
               artist="Mae Holler", genre="Folk", seed=9)
    beets_env.beet("import", str(beets_env.music / "new"))
    r = _invoke("index", "add", "beets", "--beets-library", str(beets_env.db), "--windows", "2", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["added"] == 1 and report["already_indexed"] == 4 and report["tagged"] == 1
    assert report["total_seconds"] >= report["tag_seconds"] > 0
    r = _invoke("index", "add", "beets", "--beets-library", str(beets_env.db))
    assert r.exit_code == 0 and "Nothing new" in r.stderr


def test_not_a_beets_library(tmp_path):
    bogus = tmp_path / "library.db"
    with sqlite3.connect(bogus) as con:
        con.execute("CREATE TABLE other (x)")
    r = _invoke("index", "build", "--beets-library", str(bogus), "--name", "x")
    assert r.exit_code == 1 and "not a beets library" in r.output and "Traceback" not in r.output
    text = tmp_path / "notes.db"
    text.write_text("hello")
    r = _invoke("index", "build", "--beets-library", str(text), "--name", "x")
    assert r.exit_code == 1 and "Error:" in r.output
