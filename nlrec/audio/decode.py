"""Decode an audio file to mono float32 at 16 kHz, as ``librosa.load(path, sr=16000)`` does.

libsndfile (through ``soundfile``; version 1.1 or later reads MP3 as well as WAV, FLAC, Ogg
Vorbis and Opus) decodes, channels are averaged, and ``soxr`` resamples with the "HQ" quality
that librosa's default ``res_type="soxr_hq"`` uses, then the length is fixed to
``ceil(n * 16000 / sr)`` like librosa. The decoder stays light: no FFmpeg, no numba.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlrec.audio.deps import require_audio
from nlrec.errors import NlrecError

SAMPLE_RATE = 16000
AUDIO_EXTENSIONS = (".mp3", ".ogg", ".oga", ".opus", ".flac", ".wav", ".aif", ".aiff")
_BLOCK = 1 << 18  # frames read at once (bounded memory for long files)


class AudioReadError(NlrecError):
    """A file cannot be decoded (unsupported, corrupted, truncated, empty)."""


@dataclass(frozen=True)
class DecodedAudio:
    """Mono float32 samples at ``sample_rate`` and the file's own rate and duration."""

    samples: np.ndarray
    sample_rate: int
    source_rate: int
    channels: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


def load_audio(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> DecodedAudio:
    """Decode ``path`` to mono float32 at ``sample_rate`` Hz.

    Raises:
        AudioReadError: the file is missing, unsupported, corrupted or holds no samples.
    """
    require_audio()
    import soundfile as sf
    import soxr

    path = Path(path)
    check_not_empty(path)
    try:
        with sf.SoundFile(str(path)) as handle:
            rate, channels = handle.samplerate, handle.channels
            blocks = []
            while True:  # read to the real end: an MP3's header frame count is an estimate
                block = handle.read(_BLOCK, dtype="float32", always_2d=True)
                if not len(block):
                    break
                blocks.append(block.mean(axis=1, dtype=np.float32))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as exc:
        raise AudioReadError(f"cannot decode {path}: {exc}") from exc
    mono = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    if mono.size == 0:
        raise AudioReadError(f"{path} holds no audio samples")
    if not np.isfinite(mono).all():  # a float file with NaN or infinite samples: not audio
        raise AudioReadError(f"{path} holds samples that are not numbers (NaN or infinite)")
    if rate != sample_rate:
        n_out = math.ceil(mono.size * sample_rate / rate)
        mono = soxr.resample(mono, rate, sample_rate, quality="HQ").astype(np.float32, copy=False)
        if mono.size < n_out:
            mono = np.pad(mono, (0, n_out - mono.size))
        mono = mono[:n_out]
    return DecodedAudio(
        samples=np.ascontiguousarray(mono, dtype=np.float32),
        sample_rate=sample_rate,
        source_rate=rate,
        channels=channels,
    )


def check_not_empty(path: Path) -> None:
    """Raise a clear :class:`AudioReadError` for a missing or zero-byte file (libsndfile would
    say "possibly a pipe?")."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AudioReadError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise AudioReadError(f"{path} is an empty file (0 bytes)")


def iter_audio_files(paths, extensions=AUDIO_EXTENSIONS, *, unsupported: bool = False):
    """Audio files named by ``paths`` (files, or folders searched recursively), sorted per folder.

    Files given explicitly are yielded whatever their extension; folders contribute the files
    whose extension is in ``extensions``, and with ``unsupported`` also music files of formats
    nlrec cannot decode (:data:`~nlrec.audio.checks.UNSUPPORTED_EXTENSIONS`), so that they can be
    reported. Missing paths raise :class:`AudioReadError`.
    """
    from nlrec.audio.checks import UNSUPPORTED_EXTENSIONS

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                ext = child.suffix.lower()
                if child.is_file() and (ext in extensions or (unsupported and ext in UNSUPPORTED_EXTENSIONS)):
                    yield child
        elif path.is_file():
            yield path
        else:
            raise AudioReadError(f"no such file or folder: {path}")
