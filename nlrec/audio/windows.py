"""Decode only the windows the tagger analyses: memory flat in file length, a fraction of the CPU.

The full pipeline (:func:`nlrec.audio.decode.load_audio` then :func:`~nlrec.audio.features.log_mel`)
decodes and resamples a whole file although only ``max_windows`` 3-s patches are analysed. Here the
patch positions are computed from the file's frame count (the same :func:`patch_starts` on the
same mel length), nearby patches are grouped, and each group is read by seeking: the source frames
covering the group plus a margin of :data:`MARGIN` samples on each side are decoded, averaged to
mono and resampled with the same ``soxr`` HQ filter. A segment starts on a 16 kHz sample that is
both an exact source frame and a multiple of the STFT hop, so its mel frames are the full
signal's frames; the margins absorb the resampler's edge effect (the parity test bounds the
difference in tag probabilities). A group never spans more than :data:`MAX_GROUP_PATCHES`
patches, so even ``--windows all`` on a two-hour file holds one minute of audio at a time.

A window that cannot be read in full although the header promised the frames marks the file
truncated (``warnings``); the samples that are missing count as silence, as a cut file plays.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nlrec.audio.decode import SAMPLE_RATE, AudioReadError
from nlrec.audio.deps import require_audio
from nlrec.audio.features import HOP, N_FFT, PATCH_FRAMES, log_mel, patch_starts

MARGIN = 4096  # 16 kHz samples decoded on each side of a group (0.26 s)
MAX_GROUP_PATCHES = 20
_GAP_PATCHES = 2  # patches closer than this share one decoded segment


@dataclass
class WindowedAudio:
    """The analysed patches of one file and what the header says about it.

    Attributes:
        patches: ``(n, 187, 96)`` float32 log-mel patches, in time order.
        duration: the file's length in seconds (frames / rate, as the full decode gives it).
        source_rate, channels: the file's own.
        peak: the largest absolute sample among the decoded windows.
        decoded_seconds: audio actually decoded (windows and margins).
        warnings: truncation found while reading.
    """

    patches: np.ndarray
    duration: float
    source_rate: int
    channels: int
    peak: float
    decoded_seconds: float
    warnings: list[str] = field(default_factory=list)


def _alignment(rate: int) -> int:
    """The step (in 16 kHz samples) on which a segment may start: an exact source frame and hop."""
    g = SAMPLE_RATE // math.gcd(SAMPLE_RATE, rate)
    return g * HOP // math.gcd(g, HOP)


def _groups(starts: np.ndarray) -> list[list[int]]:
    groups: list[list[int]] = []
    for s in starts.tolist():
        if groups and s - groups[-1][-1] <= _GAP_PATCHES * PATCH_FRAMES and len(groups[-1]) < MAX_GROUP_PATCHES:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def load_windows(path: str | os.PathLike, max_windows: int | None) -> WindowedAudio:
    """The log-mel patches :func:`~nlrec.audio.features.patches` would cut from the whole file.

    Raises:
        AudioReadError: the file cannot be opened or decoded, or holds no samples.
    """
    require_audio()
    import soundfile as sf
    import soxr

    path = Path(path)
    try:
        handle = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as exc:
        raise AudioReadError(f"cannot decode {path}: {exc}") from exc
    with handle:
        rate, channels, frames = handle.samplerate, handle.channels, handle.frames
        if frames <= 0 or not handle.seekable():
            raise WindowsUnavailable
        n16 = math.ceil(frames * SAMPLE_RATE / rate)
        n_mel = 1 + n16 // HOP
        if n_mel < PATCH_FRAMES:
            raise WindowsUnavailable  # shorter than one patch: repeat-padded from the whole signal
        starts = patch_starts(n_mel, max_windows)
        align = _alignment(rate)
        out: list[np.ndarray] = []
        peak, decoded, warnings = 0.0, 0, []
        for group in _groups(starts):
            first = group[0] * HOP - N_FFT // 2
            last = (group[-1] + PATCH_FRAMES - 1) * HOP + N_FFT // 2
            a = max(0, (first - MARGIN) // align * align)
            b = min(n16, last + MARGIN)
            p0 = a * rate // SAMPLE_RATE
            p1 = min(frames, math.ceil(b * rate / SAMPLE_RATE) + 1)
            try:
                handle.seek(p0)
                block = handle.read(p1 - p0, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
                if not out:
                    raise AudioReadError(f"cannot decode {path} at {p0 / rate:.1f} s: {exc}") from exc
                block = np.zeros((0, channels), dtype=np.float32)  # a cut file: the rest is missing
            if len(block) < p1 - p0 and not warnings:
                warnings.append(f"truncated: the header promises {frames / rate:.1f} s but decoding stops "
                                f"near {(p0 + len(block)) / rate:.1f} s")
            mono = block.mean(axis=1, dtype=np.float32) if len(block) else np.zeros(0, np.float32)
            decoded += len(mono)
            if len(mono):
                peak = max(peak, float(np.abs(mono).max()))
            seg = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ") if rate != SAMPLE_RATE else mono
            seg = np.asarray(seg, dtype=np.float32)
            want = b - a
            seg = np.pad(seg, (0, want - len(seg))) if len(seg) < want else seg[:want]
            mel = log_mel(seg)  # frame j of the segment = frame a / HOP + j of the whole signal
            offset = a // HOP
            for s in group:
                out.append(mel[s - offset : s - offset + PATCH_FRAMES])
    if decoded == 0:
        raise AudioReadError(f"{path} holds no audio samples")
    return WindowedAudio(patches=np.stack(out).astype(np.float32, copy=False), duration=n16 / SAMPLE_RATE,
                         source_rate=rate, channels=channels, peak=peak,
                         decoded_seconds=decoded / rate, warnings=warnings)


class WindowsUnavailable(Exception):
    """This file is better decoded whole (short, or not seekable)."""
