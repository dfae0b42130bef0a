"""Log-mel features against a direct, loop-by-loop reference of librosa's definitions."""

from __future__ import annotations

import numpy as np
import pytest

from nlrec.audio import features as F


def reference_mel_filters(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Slaney mel filters written out filter by filter (librosa.filters.mel, htk=False)."""

    def hz_to_mel(f):
        return f / (200 / 3) if f < 1000 else 15 + np.log(f / 1000) / (np.log(6.4) / 27)

    def mel_to_hz(m):
        return m * 200 / 3 if m < 15 else 1000 * np.exp((np.log(6.4) / 27) * (m - 15))

    edges = [mel_to_hz(m) for m in np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2), n_mels + 2)]
    freqs = [k * sr / n_fft for k in range(n_fft // 2 + 1)]
    out = np.zeros((n_mels, len(freqs)))
    for i in range(n_mels):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        for k, f in enumerate(freqs):
            rise = (f - lo) / (mid - lo)
            fall = (hi - f) / (hi - mid)
            out[i, k] = max(0.0, min(rise, fall)) * 2.0 / (hi - lo)
    return out


def reference_log_mel(y: np.ndarray) -> np.ndarray:
    """Frame by frame in float64: centred zero padding, periodic Hann, |FFT|^2, mel, log."""
    fb = reference_mel_filters(16000, 512, 96)
    padded = np.concatenate([np.zeros(256), y.astype(np.float64), np.zeros(256)])
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(512) / 512)
    rows = []
    for start in range(0, len(padded) - 512 + 1, 256):
        spec = np.fft.rfft(padded[start : start + 512] * window)
        rows.append(fb @ (np.abs(spec) ** 2))
    return np.log10(10000 * np.array(rows) + 1)


def test_mel_filterbank_matches_reference():
    ours = F.mel_filterbank(16000, 512, 96)
    assert ours.shape == (96, 257) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, reference_mel_filters(16000, 512, 96), atol=1e-7, rtol=1e-5)


def test_log_mel_matches_reference(synth):
    y = synth.noise(2.0, sr=16000, seed=3) + synth.tone(2.0, sr=16000, freq=300.0)
    ours = F.log_mel(y)
    ref = reference_log_mel(y)
    assert ours.shape == ref.shape == (1 + len(y) // 256, 96)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, atol=2e-4, rtol=1e-4)


def test_loud_audio_stays_finite_unlike_float16():
    """Upstream casts the mel to float16 before x10000: a loud square wave overflows to inf."""
    y = np.sign(np.sin(2 * np.pi * 200 * np.arange(16000) / 16000)).astype(np.float32)
    ours = F.log_mel(y)
    assert np.isfinite(ours).all()
    mel = 10 ** ours.astype(np.float64) / 10000  # undo the log to get the mel back (approx.)
    with np.errstate(over="ignore"):
        upstream = np.log10(np.float16(10000) * mel.astype(np.float16) + np.float16(1))
    assert np.isinf(upstream).any()


def test_patches_back_to_back_thinned_and_padded():
    mel = np.arange(1000 * 96, dtype=np.float32).reshape(1000, 96)
    full = F.patches(mel)
    assert full.shape == (5, 187, 96)  # 1000 // 187 windows, the partial tail dropped as upstream
    np.testing.assert_array_equal(full[1], mel[187:374])
    thin = F.patches(mel, max_patches=3)
    assert thin.shape == (3, 187, 96)
    np.testing.assert_array_equal(thin[0], full[0])
    np.testing.assert_array_equal(thin[-1], full[-1])
    short = F.patches(mel[:50])
    assert short.shape == (1, 187, 96)
    np.testing.assert_array_equal(short[0, 50:100], mel[:50])  # repeat-padded
    with pytest.raises(ValueError):
        F.patches(mel[:0])
