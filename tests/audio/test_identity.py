"""index add decides what is new by content: renamed, copied and subfolder adds re-tag and
duplicate nothing; a different file at a colliding relative path is indexed; a file changed in
place replaces its track; byte-identical copies inside one folder are indexed once."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from nlrec.cli import cli


def _invoke(*args):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def small_folder(tmp_path, synth):
    root = tmp_path / "music"
    (root / "sub").mkdir(parents=True)
    synth.write(root / "tone.wav", synth.tone(4.0))
    synth.write(root / "noise.flac", synth.noise(5.0))
    synth.write(root / "sub" / "chord.ogg", synth.tone(5.0, freq=660.0) * 0.5)
    return root


@pytest.fixture
def built(small_folder, tiny_model):
    r = _invoke("index", "build", "--audio-dir", str(small_folder), "--name", "lib", "--model", str(tiny_model),
                "--windows", "2", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["tagged"] == 3
    return small_folder


def _tracks():
    from nlrec.index import Index

    with Index.open("lib") as idx:
        return [t.id for t in idx.tracks], [t.metadata.get("content_sha256") for t in idx.tracks]


def test_renamed_copied_and_subfolder_adds_retag_nothing(built):
    ids_before, _ = _tracks()
    shutil.copy(built / "tone.wav", built / "tone copy.wav")
    (built / "noise.flac").rename(built / "renamed.flac")
    r = _invoke("index", "add", "lib", "--audio-dir", str(built), "--windows", "2", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["tagged"] == 0 and report["added"] == 0 and report["already_indexed"] == 4
    r = _invoke("index", "add", "lib", "--audio-dir", str(built / "sub"), "--windows", "2")
    assert r.exit_code == 0 and "Nothing new" in r.stderr and "1 file(s) already indexed" in r.stderr
    assert _tracks()[0] == ids_before


def test_colliding_relative_path_with_other_content_is_indexed(built, tmp_path, synth):
    other = tmp_path / "other"
    other.mkdir()
    synth.write(other / "tone.wav", synth.tone(4.0, freq=990.0))  # same relative path, other bytes
    r = _invoke("index", "add", "lib", "--audio-dir", str(other), "--windows", "2", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["tagged"] == 1 and report["added"] == 1 and report["replaced"] == 0
    ids, hashes = _tracks()
    assert len(ids) == 4 and len(set(hashes)) == 4
    assert sorted(i.split("#")[0] for i in ids).count("tone") == 2


def test_file_changed_in_place_replaces_its_track(built, synth):
    from nlrec.audio.embeddings import AudioEmbeddings
    from nlrec.index import Index

    ids_before, _ = _tracks()
    synth.write(built / "noise.flac", synth.noise(5.0, seed=7))
    r = _invoke("index", "add", "lib", "--audio-dir", str(built), "--windows", "2", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["tagged"] == 1 and report["changed"] == 1 and report["removed"] == 1 and report["added"] == 1
    ids, _ = _tracks()
    assert len(ids) == 3 and set(ids) != set(ids_before)
    with Index.open("lib") as idx:
        assert sorted(AudioEmbeddings.load(idx.path).ids) == sorted(ids)
    assert report["total_seconds"] >= report["tag_seconds"] > 0


def test_identical_copies_in_one_folder_are_indexed_once(small_folder, tiny_model):
    shutil.copy(small_folder / "tone.wav", small_folder / "sub" / "tone again.wav")
    r = _invoke("index", "build", "--audio-dir", str(small_folder), "--name", "lib", "--model", str(tiny_model),
                "--windows", "2", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["tagged"] == 3 and report["skipped"] == {"duplicate": 1}
    (dup,) = report["skipped_files"]
    assert "same bytes as" in dup["detail"]  # the first in walk order is kept: sub/ sorts before tone.wav
    assert dup["path"].endswith("/tone.wav") and dup["detail"].endswith("tone again.wav")


def test_unsupported_files_are_named_but_do_not_fail_an_add(built):
    (built / "theme.mid").write_bytes(b"MThd\x00\x00\x00\x06")
    r = _invoke("index", "add", "lib", "--audio-dir", str(built), "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["added"] == 0 and report["skipped"] == {"unsupported": 1}
    assert report["skipped_files"][0]["path"].endswith("theme.mid")
    r = _invoke("index", "add", "lib", "--audio-dir", str(built))
    assert r.exit_code == 0 and "skipped (unsupported):" in r.stderr and "Nothing new" in r.stderr
