"""Audio fixtures: synthetic signals written to real files (wav, flac, ogg) inside the test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlrec.audio.deps import is_audio_available

_NEEDS_AUDIO = pytest.mark.skipif(
    not is_audio_available(), reason="the audio extra is not installed: pip install 'nlrec[audio]'"
)


def pytest_collection_modifyitems(config, items):
    """Skip tests needing the extra when it is missing, unless their module says it does not."""
    here = Path(__file__).parent
    for item in items:
        module = getattr(item, "module", None)
        if Path(str(item.fspath)).parent == here and not getattr(module, "WITHOUT_EXTRA", False):
            item.add_marker(_NEEDS_AUDIO)


def tone(seconds: float, sr: int = 22050, freq: float = 440.0, amp: float = 0.3,
         stereo: bool = False) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    y = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    if stereo:
        return np.stack([y, 0.5 * y], axis=1)
    return y


def noise(seconds: float, sr: int = 22050, amp: float = 0.2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amp * rng.standard_normal(int(seconds * sr))).clip(-1, 1).astype(np.float32)


def write(path: Path, samples: np.ndarray, sr: int = 22050) -> Path:
    import soundfile as sf

    sf.write(str(path), samples, sr)
    return path


@pytest.fixture
def audio_folder(tmp_path) -> Path:
    """A folder with a tone (wav), noise (flac), a stereo chord (ogg), silence, a too-short clip,
    a corrupt mp3 and a text file that must be ignored."""
    root = tmp_path / "music"
    (root / "sub").mkdir(parents=True)
    write(root / "tone.wav", tone(4.0))
    write(root / "noise.flac", noise(7.0))
    chord = tone(5.0, stereo=True) + tone(5.0, freq=660.0, stereo=True)
    write(root / "sub" / "chord.ogg", chord * 0.5)
    write(root / "silence.wav", np.zeros(22050 * 3, dtype=np.float32))
    write(root / "blip.wav", tone(0.2))
    (root / "broken.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00 not really an mp3" * 20)
    (root / "notes.txt").write_text("not audio")
    return root


class Synth:
    """Signal makers for tests (a fixture, so test modules need no import path tricks)."""

    tone = staticmethod(tone)
    noise = staticmethod(noise)
    write = staticmethod(write)


@pytest.fixture
def synth() -> type[Synth]:
    return Synth


@pytest.fixture(scope="session")
def tagger():
    """One tagger for the module (both networks load once; 1 window per file keeps tests fast)."""
    from nlrec.audio.tagger import AudioTagger

    return AudioTagger(max_windows=2)
