"""``nlrec tag`` through click's runner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nlrec.cli import cli


def test_tag_json(audio_folder):
    result = CliRunner().invoke(cli, ["tag", str(audio_folder), "--json", "--windows", "1",
                                      "--top-k", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"] == {"files": 6, "tagged": 3, "skipped": 3, "skipped_unreadable": 1,
                              "skipped_silent": 1, "skipped_too_short": 1}
    track = data["tracks"][0]
    assert track["windows"] == 1 and track["descriptor_source"] == "audio"
    assert set(track["probabilities"]) == {"mtt", "msd"}
    # at most --top-k per vocabulary, plus "no vocals" when the vocals decision keeps it
    texts = [d["text"] for d in track["descriptors"]]
    assert len([t for t in texts if t != "no vocals"]) <= 4
    assert track["vocals"]["no_vocals"] == ("no vocals" in texts)
    assert track["vocals"]["margin"] == 2.0
    assert set(track["metadata"]) == {"title", "artist", "album", "year", "genre"}


def test_tag_plain_lines_on_stdout(audio_folder):
    result = CliRunner().invoke(cli, ["tag", str(audio_folder / "tone.wav"), "--windows", "1"])
    assert result.exit_code == 0
    path, descriptors = result.stdout.strip().split("\t")
    assert path.endswith("tone.wav") and "(" in descriptors


def test_bad_windows_and_missing_path(tmp_path):
    bad = CliRunner().invoke(cli, ["tag", str(tmp_path), "--windows", "0"])
    assert bad.exit_code == 2
    missing = CliRunner().invoke(cli, ["tag", str(tmp_path / "nope.mp3")])
    assert missing.exit_code == 1 and "no such file or folder" in missing.output


def test_missing_extra_is_one_line(monkeypatch, tmp_path):
    import nlrec.audio.deps as deps

    real = deps.find_spec
    monkeypatch.setattr(deps, "find_spec", lambda n: None if n == "soxr" else real(n))
    result = CliRunner().invoke(cli, ["tag", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "pip install 'nlrec[audio]'" in lines[0]
