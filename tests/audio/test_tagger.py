"""Tagging files end to end: skips are counted, outputs are deterministic and well formed."""

from __future__ import annotations

import numpy as np

from nlrec.audio.catalog import track_from_audio, track_id
from nlrec.audio.metadata import read_metadata
from nlrec.audio.tagger import AudioTagger, tag_paths


def test_folder_run_counts_skips_and_never_fails(audio_folder, tagger):
    seen = []
    run = tag_paths([audio_folder], tagger=tagger, on_progress=lambda i, n, p: seen.append((i, n)))
    assert seen[-1] == (6, 6)
    assert sorted(t.path.name for t in run.tracks) == ["chord.ogg", "noise.flac", "tone.wav"]
    assert run.skipped_counts() == {"unreadable": 1, "silent": 1, "too short": 1}
    assert {s.path.name: s.reason for s in run.skipped} == {
        "broken.mp3": "unreadable", "silence.wav": "silent", "blip.wav": "too short"}
    assert run.embeddings().shape == (3, 400) and run.embeddings().dtype == np.float32
    assert run.files_per_second > 0


def test_track_outputs(audio_folder, tagger):
    track = tagger.tag_file(audio_folder / "noise.flac")
    assert track.windows == 2  # 7 s = two whole 3-s windows
    assert set(track.probabilities) == {"mtt", "msd"}
    assert len(track.probabilities["mtt"]) == len(track.probabilities["msd"]) == 50
    assert all(0.0 <= p <= 1.0 for probs in track.probabilities.values() for p in probs.values())
    assert 1 <= len(track.descriptors) <= 11  # top 5 per vocabulary, plus "no vocals" from the vocals decision
    # each tag's maximum over the windows, for the vocals decision: never below the mean
    assert set(track.window_max) == {"mtt", "msd"}
    assert all(track.window_max[v][t] >= p - 1e-6 for v, probs in track.probabilities.items() for t, p in probs.items())
    assert ("no vocals" in [d.text for d in track.descriptors]) == track.to_dict()["vocals"]["no_vocals"]
    assert [d.probability for d in track.descriptors] == sorted(
        (d.probability for d in track.descriptors), reverse=True)
    again = tagger.tag_file(audio_folder / "noise.flac")
    np.testing.assert_array_equal(track.embedding, again.embedding)
    out = track.to_dict()
    assert out["descriptor_source"] == "audio" and "probabilities" in out
    assert np.isfinite(track.embedding).all()


def test_window_cap_spreads_over_the_file(tmp_path, synth):
    path = synth.write(tmp_path / "long.wav", synth.noise(20.0, sr=16000), sr=16000)
    assert AudioTagger(max_windows=3).tag_file(path).windows == 3
    assert AudioTagger(max_windows=None).tag_file(path).windows == 6


def test_metadata_read_with_mutagen(tmp_path, synth):
    import mutagen

    path = synth.write(tmp_path / "t.flac", synth.tone(1.0))
    handle = mutagen.File(str(path), easy=True)
    handle["title"], handle["artist"], handle["album"] = "Dawn", "Someone", "First"
    handle["date"], handle["genre"] = "2019-03-01", "Ambient; Drone"
    handle.save()
    meta = read_metadata(path)
    assert (meta.title, meta.artist, meta.album, meta.year) == ("Dawn", "Someone", "First", 2019)
    assert meta.genre == ("Ambient", "Drone") and meta.descriptors == ("Ambient", "Drone")
    assert read_metadata(synth.write(tmp_path / "plain.wav", synth.tone(1.0))).title is None


def test_catalog_track_marks_audio_descriptors(audio_folder, tagger):
    tagged = tagger.tag_file(audio_folder / "sub" / "chord.ogg")
    track = track_from_audio(tagged, root=audio_folder)
    from nlrec.audio.checks import content_hash

    digest = content_hash(audio_folder / "sub" / "chord.ogg")
    assert tagged.content_sha256 == digest and track.metadata["content_sha256"] == digest
    assert track.id == track_id(audio_folder / "sub" / "chord.ogg", audio_folder, digest) == f"sub/chord#{digest[:12]}"
    assert track.metadata["descriptor_source"] == "audio"
    assert track.descriptors == tuple(d.text for d in tagged.descriptors)
    assert track.metadata["audio"]["descriptors"][0]["probability"] > 0
    assert track.title == "chord"
