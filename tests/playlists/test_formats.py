"""Playlist files open as valid M3U8 and XSPF (parsed back), with the paths a player expects."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlrec.cli import cli
from nlrec.playlists import read_playlist
from nlrec.playlists.formats import XSPF_NS


def _run(*args):
    r = CliRunner().invoke(cli, ["playlist", *args])
    return r


def test_m3u8_opens_with_relative_paths_beside_the_music(library_index):
    name, music, records = library_index
    out = music / "evening.m3u8"
    r = _run("calm evening jazz", "--index", name, "--minutes", "45", "-o", str(out), "--max-per-artist", "2")
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U" and lines[1] == "#PLAYLIST:calm evening jazz"
    entries = read_playlist(out)
    assert entries and all(Path(e["location"]).is_file() for e in entries)
    locations = [ln for ln in lines if not ln.startswith("#")]
    assert all(not Path(p).is_absolute() for p in locations)  # every file lies under the playlist's folder
    by_path = {r["path"]: r for r in records}
    artists = [by_path[str(Path(e["location"]).resolve())]["artist"] for e in entries]
    assert max(artists.count(a) for a in artists) <= 2
    total = sum(by_path[str(Path(e["location"]).resolve())]["duration"] for e in entries)
    assert abs(total - 45 * 60) <= 0.05 * 45 * 60
    assert sum(e["seconds"] for e in entries) == pytest.approx(total, abs=len(entries))


def test_xspf_is_valid_xml_with_file_uris(library_index, tmp_path):
    name, music, records = library_index
    out = tmp_path / "elsewhere" / "run.xspf"
    out.parent.mkdir()
    r = _run("fast aggressive metal", "--index", name, "--minutes", "30", "-o", str(out), "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["format"] == "xspf" and report["assumed_durations"] == 0
    root = ET.parse(out).getroot()
    assert root.tag == f"{{{XSPF_NS}}}playlist" and root.get("version") == "1"
    tracks = root.findall(f"{{{XSPF_NS}}}trackList/{{{XSPF_NS}}}track")
    assert len(tracks) == report["tracks"] > 0
    locs = [t.findtext(f"{{{XSPF_NS}}}location") for t in tracks]
    assert all(loc.startswith("file:///") for loc in locs)  # music is not under the playlist: absolute
    assert "%20" in locs[0]  # "track 07.ogg": a percent-encoded URI
    entries = read_playlist(out)
    assert all(Path(e["location"]).is_file() for e in entries)
    total_ms = sum(int(t.findtext(f"{{{XSPF_NS}}}duration")) for t in tracks)
    assert abs(total_ms / 1000 - 1800) <= 90


def test_relative_to_and_absolute(library_index, tmp_path):
    name, music, _ = library_index
    r = _run("synth", "--index", name, "-n", "5", "--relative-to", str(music))
    assert r.exit_code == 0, r.output
    locs = [ln for ln in r.stdout.splitlines() if not ln.startswith("#")]
    assert len(locs) == 5 and all(ln.startswith("artist") and (music / ln).is_file() for ln in locs)
    r = _run("synth", "--index", name, "-n", "5", "--absolute", "--format", "m3u8")
    locs = [ln for ln in r.stdout.splitlines() if not ln.startswith("#")]
    assert all(Path(ln).is_absolute() and Path(ln).is_file() for ln in locs)


def test_clear_errors(library_index, tmp_path):
    name, _, _ = library_index
    r = _run("calm", "--index", name, "-o", str(tmp_path / "x.txt"))
    assert r.exit_code != 0 and "unknown playlist extension" in r.output and "Traceback" not in r.output
    r = _run("calm", "--index", name, "-o", str(tmp_path / "missing" / "x.m3u8"))
    assert r.exit_code != 0 and "does not exist" in r.output
    r = _run("calm", "--index", name, "--absolute", "--relative-to", str(tmp_path))
    assert r.exit_code == 2


def test_catalog_without_files_lists_ids(tiny_catalog_file, tiny_model, tmp_path):
    r = CliRunner().invoke(cli, ["index", "build", "--catalog", str(tiny_catalog_file), "--name", "plain",
                                 "--model", str(tiny_model)])
    assert r.exit_code == 0, r.output
    r = _run("calm piano", "--index", "plain", "--minutes", "10")
    assert r.exit_code == 0
    assert "no files in the index" in r.stderr and "assumed length" in r.stderr
    locs = [ln for ln in r.stdout.splitlines() if not ln.startswith("#")]
    assert locs and all(ln.startswith("t") for ln in locs)
