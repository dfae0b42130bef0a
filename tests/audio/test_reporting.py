"""Every skipped file named with its reason (unsupported formats too), truncated files flagged,
nlrec tag failing when nothing could be tagged, file genres merged with audio descriptors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nlrec.cli import cli


def test_skipped_files_are_named_with_reasons(tmp_path, synth):
    root = tmp_path / "mixed"
    root.mkdir()
    synth.write(root / "ok.wav", synth.tone(4.0))
    (root / "song.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60")
    (root / "tune.xm").write_bytes(b"Extended Module: tune")
    (root / "empty.mp3").write_bytes(b"")
    (root / "cover.jpg").write_bytes(b"\xff\xd8")  # not music: ignored
    r = CliRunner().invoke(cli, ["tag", str(root), "--json", "--windows", "1"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    reasons = {s["path"].rsplit("/", 1)[1]: (s["reason"], s["detail"]) for s in data["skipped"]}
    assert set(reasons) == {"song.mid", "tune.xm", "empty.mp3"}
    assert reasons["song.mid"][0] == reasons["tune.xm"][0] == "unsupported"
    assert ".xm" in reasons["tune.xm"][1]
    assert reasons["empty.mp3"] == ("empty", f"{root / 'empty.mp3'} is an empty file (0 bytes)")
    assert "pipe" not in r.stdout
    r = CliRunner().invoke(cli, ["tag", str(root), "--windows", "1"])
    assert "skipped (unsupported): " in r.stderr and "song.mid" in r.stderr


def test_tag_exits_non_zero_when_nothing_is_tagged(tmp_path):
    (tmp_path / "a.it").write_bytes(b"IMPM")
    (tmp_path / "b.mp3").write_bytes(b"")
    r = CliRunner().invoke(cli, ["tag", str(tmp_path)])
    assert r.exit_code == 1 and "nothing could be tagged" in r.output and "Traceback" not in r.output
    empty = tmp_path / "none"
    empty.mkdir()
    r = CliRunner().invoke(cli, ["tag", str(empty)])
    assert r.exit_code == 1 and "no audio files found" in r.output


def test_truncated_ogg_is_flagged(tmp_path, synth):
    whole = synth.write(tmp_path / "whole.ogg", synth.noise(8.0))
    data = whole.read_bytes()
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    r = CliRunner().invoke(cli, ["tag", str(whole), str(cut), "--json", "--windows", "2"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    by_name = {t["path"].rsplit("/", 1)[1]: t for t in data["tracks"]}
    assert by_name["whole.ogg"]["warnings"] == []
    assert by_name["cut.ogg"]["warnings"] and by_name["cut.ogg"]["warnings"][0].startswith("truncated")
    assert [w["path"] for w in data["warnings"]] == [str(cut)]


def test_file_genres_are_merged_with_audio_descriptors(tmp_path, synth, tagger):
    import mutagen

    from nlrec.audio.catalog import track_from_audio

    path = synth.write(tmp_path / "st.ogg", synth.noise(4.0))
    handle = mutagen.File(str(path), easy=True)
    handle["genre"] = "Soundtrack"
    handle.save()
    tagged = tagger.tag_file(path)
    track = track_from_audio(tagged)
    audio = [d.text for d in tagged.descriptors]
    assert track.descriptors[0] == "Soundtrack" and list(track.descriptors[1:]) == [
        d for d in audio if d.lower() != "soundtrack"]
    assert track.metadata["descriptor_sources"] == {"file": ["Soundtrack"], "audio": audio}
    assert track.metadata["descriptor_source"] == "file+audio"
