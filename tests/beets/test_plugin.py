"""The beets plugin: ``beet nlrec --update``, ``beet nlrec REQUEST`` and ``beet nlrec -p FILE``,
run by the real ``beet`` command with the plugin found in the ``beetsplug`` namespace."""

from __future__ import annotations

from pathlib import Path

from nlrec.playlists import read_playlist
from tests.beets.conftest import write_song


def test_beet_nlrec_lists_items_and_writes_playlists(beets_env, tiny_model):
    for i, (name, freq, title, artist, genre) in enumerate([
        ("a.ogg", 220.0, "Quiet Keys", "Ana Lind", "solo piano"),
        ("b.ogg", 880.0, "Iron Fist", "Ragecore", "heavy metal"),
        ("c.ogg", 440.0, "Porch Song", "Mae Holler", "folk"),
    ]):
        write_song(beets_env.music / "lib" / name, seconds=5.0, freq=freq, title=title, artist=artist,
                   genre=genre, seed=i)
    beets_env.beet("import", str(beets_env.music / "lib"))
    from nlrec.beets.index import build_beets_index  # built here with the test's tiny model

    idx, _ = build_beets_index(beets_env.db, "beets", model=str(tiny_model), windows=2)
    idx.close()

    done = beets_env.beet("nlrec", "--mode", "bm25", "solo", "piano")
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    assert lines and lines[0] == "Ana Lind - Ana Lind album - Quiet Keys"  # beets' format_item
    done = beets_env.beet("nlrec", "-n", "2", "anything", "calm")  # hybrid: every item is a candidate
    items = {"Ana Lind - Ana Lind album - Quiet Keys", "Ragecore - Ragecore album - Iron Fist",
             "Mae Holler - Mae Holler album - Porch Song"}
    listed = [ln for ln in done.stdout.splitlines() if ln.strip()]
    assert len(listed) == 2 and set(listed) <= items

    out = beets_env.root / "study.m3u8"
    done = beets_env.beet("nlrec", "-p", str(out), "-m", "0.2", "solo", "piano")
    assert "tracks" in done.stdout and out.is_file()
    entries = read_playlist(out)
    assert entries and all(beets_env.music in Path(e["location"]).parents for e in entries)

    write_song(beets_env.music / "more" / "d.ogg", seconds=5.0, freq=550.0, title="Lift", artist="Pulse Unit",
               genre="edm", seed=5)
    beets_env.beet("import", str(beets_env.music / "more"))
    done = beets_env.beet("nlrec", "--update")
    assert "1 new item(s) indexed, 3 already there" in done.stdout
    done = beets_env.beet("nlrec", check=False)
    assert done.returncode != 0 and "give a request" in done.stderr
