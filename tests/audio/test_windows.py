"""Decoding only the analysed windows gives the whole-file pipeline's patches and tags."""

from __future__ import annotations

import numpy as np
import pytest

from nlrec.audio.decode import load_audio
from nlrec.audio.features import log_mel, patches
from nlrec.audio.windows import load_windows


def _music(seconds: float, sr: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.2 * np.sin(2 * np.pi * (220 + 40 * np.sin(0.2 * t)) * t) + 0.05 * rng.standard_normal(len(t))
    y *= 0.5 + 0.5 * np.sin(2 * np.pi * 0.3 * t)
    return np.stack([y, 0.6 * y], axis=1).astype(np.float32)


def _write(path, y, sr, **kw):
    import soundfile as sf

    with sf.SoundFile(str(path), "w", sr, y.shape[1], **kw) as handle:
        for i in range(0, len(y), 8192):  # blocks: one huge Vorbis write crashes some libsndfile builds
            handle.write(y[i : i + 8192])
    return path


@pytest.mark.parametrize(("ext", "sr"), [("ogg", 44100), ("flac", 48000), ("wav", 22050), ("mp3", 44100)])
def test_windows_match_the_whole_file(tmp_path, ext, sr):
    path = _write(tmp_path / f"m.{ext}", _music(80.0, sr), sr)
    full = patches(log_mel(load_audio(path).samples), 6)
    win = load_windows(path, 6)
    assert win.patches.shape == full.shape
    assert np.abs(win.patches - full).max() < 1e-3
    assert win.decoded_seconds < 0.45 * win.duration  # 6 windows of 3 s, margins included
    assert win.warnings == []


def test_tags_are_the_same(tmp_path, tagger):
    from nlrec.audio.tagger import AudioTagger

    path = _write(tmp_path / "m.ogg", _music(60.0, 44100), 44100)
    full = AudioTagger(max_windows=4, decode="full").tag_file(path)
    win = AudioTagger(max_windows=4, decode="windows").tag_file(path)
    assert [d.text for d in win.descriptors] == [d.text for d in full.descriptors]
    for vocabulary, probs in full.probabilities.items():
        assert max(abs(p - win.probabilities[vocabulary][t]) for t, p in probs.items()) < 1e-3
    assert abs(win.duration - full.duration) < 1e-6


def test_every_window_of_a_long_file_in_bounded_groups(tmp_path):
    path = _write(tmp_path / "m.flac", _music(70.0, 16000), 16000)
    full = patches(log_mel(load_audio(path).samples), None)
    win = load_windows(path, None)
    assert win.patches.shape == full.shape and np.abs(win.patches - full).max() < 1e-3


def test_cut_flac_is_flagged_as_truncated(tmp_path):
    path = _write(tmp_path / "whole.flac", _music(40.0, 16000), 16000, format="FLAC")
    cut = tmp_path / "cut.flac"
    cut.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.6)])
    win = load_windows(cut, 6)
    assert win.patches.shape == (6, 187, 96)  # the header's length: the missing end counts as silence
    assert win.warnings and win.warnings[0].startswith("truncated: the header promises 40.0 s")
    assert load_windows(path, 6).warnings == []
