"""The log-mel patches musicnn was trained on, in float32 and without librosa.

musicnn computes ``librosa.feature.melspectrogram(y, sr=16000, n_fft=512, hop_length=256,
n_mels=96)`` (centred frames zero-padded by ``n_fft // 2``, periodic Hann window, power 2, Slaney
mel scale and area normalisation) and then ``log10(10000 * mel + 1)``. Upstream casts the mel to
float16 before the log: anything above 6.55 becomes ``inf`` after the multiplication. Here every
step is float32, so loud tracks keep finite features.

librosa itself is not a dependency: it pulls in numba and llvmlite (about 150 MB) for two
functions that take forty lines of numpy (:func:`mel_filterbank`, :func:`log_mel`); the fast
tests check both against a direct implementation and the slow parity test checks the whole
pipeline against librosa's output as fed to the original network.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # librosa.time_to_frames(3 s, sr=16000, n_fft=512, hop_length=256) + 1
_CHUNK = 4096  # frames per FFT chunk (bounded memory on long files)


def hz_to_mel(freqs: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above (librosa's ``htk=False``)."""
    freqs = np.asarray(freqs, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = freqs / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    log_part = min_log_mel + np.log(np.maximum(freqs, min_log_hz) / min_log_hz) / logstep
    return np.where(freqs >= min_log_hz, log_part, mels)


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`."""
    mels = np.asarray(mels, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(
        mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels
    )


@lru_cache(maxsize=4)
def mel_filterbank(sr: int = 16000, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Triangular Slaney-normalised filters ``(n_mels, 1 + n_fft // 2)``, float32, 0 Hz to sr/2."""
    fft_freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    weights = weights.astype(np.float32)
    weights.setflags(write=False)
    return weights


@lru_cache(maxsize=2)
def _hann(n_fft: int) -> np.ndarray:
    n = np.arange(n_fft)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / n_fft)).astype(np.float32)  # periodic


def log_mel(samples: np.ndarray, sr: int = 16000) -> np.ndarray:
    """Log-compressed mel spectrogram ``(frames, 96)`` float32, frames = 1 + len // 256."""
    from numpy.lib.stride_tricks import sliding_window_view

    y = np.asarray(samples, dtype=np.float32)
    padded = np.pad(y, N_FFT // 2)  # librosa >= 0.10: centred, pad_mode="constant"
    frames = sliding_window_view(padded, N_FFT)[::HOP]
    window, fb = _hann(N_FFT), mel_filterbank(sr, N_FFT, N_MELS)
    out = np.empty((len(frames), N_MELS), dtype=np.float32)
    for start in range(0, len(frames), _CHUNK):
        spec = np.fft.rfft(frames[start : start + _CHUNK] * window, axis=1)
        power = (spec.real**2 + spec.imag**2).astype(np.float32)
        out[start : start + _CHUNK] = power @ fb.T
    return np.log10(np.float32(10000.0) * out + np.float32(1.0))


def patch_starts(n_frames: int, max_patches: int | None = None) -> np.ndarray:
    """First frame of each 3-s patch: back to back as upstream, thinned evenly to ``max_patches``.

    Upstream drops a trailing partial patch and fails on clips under 3 s; here a clip shorter than
    one patch gives one patch (repeat-padded by :func:`patches`, as musicnn's training did).
    """
    starts = np.arange(0, max(n_frames - PATCH_FRAMES, 0) + 1, PATCH_FRAMES)
    if max_patches is not None and len(starts) > max_patches:
        pick = np.round(np.linspace(0, len(starts) - 1, max_patches)).astype(int)
        starts = starts[pick]
    return starts


def patches(mel: np.ndarray, max_patches: int | None = None) -> np.ndarray:
    """Stack 187-frame patches ``(n, 187, 96)`` from a log-mel ``(frames, 96)``."""
    if len(mel) == 0:
        raise ValueError("no frames to cut into patches")
    if len(mel) < PATCH_FRAMES:
        mel = np.resize(mel, (PATCH_FRAMES, mel.shape[1]))  # repeat-pad along time
    starts = patch_starts(len(mel), max_patches)
    return np.stack([mel[s : s + PATCH_FRAMES] for s in starts]).astype(np.float32, copy=False)
