"""Decoding real files written in the test: formats, resampling, channels, failures."""

from __future__ import annotations

import numpy as np
import pytest

from nlrec.audio.decode import AudioReadError, iter_audio_files, load_audio


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg"])
def test_formats_resample_to_16k(tmp_path, synth, ext):
    path = synth.write(tmp_path / f"a.{ext}", synth.tone(2.0, sr=22050, freq=1000.0))
    audio = load_audio(path)
    assert audio.sample_rate == 16000 and audio.source_rate == 22050 and audio.channels == 1
    assert audio.samples.dtype == np.float32
    assert len(audio.samples) == int(np.ceil(2.0 * 22050 * 16000 / 22050))
    spectrum = np.abs(np.fft.rfft(audio.samples[2000:18000]))
    assert abs(np.argmax(spectrum) * 16000 / 16000 - 1000) <= 2  # 1 kHz stays 1 kHz
    assert 0.25 < np.abs(audio.samples).max() < 0.35


def test_stereo_is_averaged(tmp_path, synth):
    path = synth.write(tmp_path / "s.wav", synth.tone(1.0, sr=16000, stereo=True), sr=16000)
    audio = load_audio(path)
    assert audio.channels == 2
    np.testing.assert_allclose(audio.samples, 0.75 * synth.tone(1.0, sr=16000), atol=1e-4)


def test_unreadable_and_missing(tmp_path):
    bad = tmp_path / "bad.ogg"
    bad.write_bytes(b"OggS but nothing else")
    with pytest.raises(AudioReadError, match="cannot decode"):
        load_audio(bad)
    with pytest.raises(AudioReadError):
        load_audio(tmp_path / "missing.wav")
    with pytest.raises(AudioReadError, match="no such file or folder"):
        list(iter_audio_files([tmp_path / "nowhere"]))


def test_empty_file_has_no_samples(tmp_path, synth):
    path = synth.write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32))
    with pytest.raises(AudioReadError, match="no audio samples"):
        load_audio(path)


def test_folder_walk_keeps_audio_only(audio_folder):
    names = [p.relative_to(audio_folder).as_posix() for p in iter_audio_files([audio_folder])]
    assert names == ["blip.wav", "broken.mp3", "noise.flac", "silence.wav", "sub/chord.ogg",
                     "tone.wav"]  # notes.txt ignored; sorted by path
    assert [p.name for p in iter_audio_files([audio_folder / "notes.txt"])] == ["notes.txt"]
