"""A real beets library, made by beets' own ``import`` of audio files generated in the test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("beets", reason="the beets extra is not installed: pip install 'nlrec[beets]'")
pytest.importorskip("soundfile", reason="the audio extra is not installed")

REPO = Path(__file__).resolve().parents[2]
BEET = Path(sys.executable).with_name("beet")


def write_song(path: Path, *, seconds: float, freq: float, title: str, artist: str, genre: str | None,
               seed: int = 0) -> Path:
    """An Ogg Vorbis file (a tone over noise) with Vorbis comments, as a ripper would leave it."""
    import mutagen
    import soundfile as sf

    sr = 22050
    t = np.arange(int(seconds * sr)) / sr
    rng = np.random.default_rng(seed)
    y = (0.25 * np.sin(2 * np.pi * freq * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with sf.SoundFile(str(path), "w", sr, 1, format="OGG") as handle:
        for i in range(0, len(y), 8192):
            handle.write(y[i : i + 8192])
    tags = mutagen.File(str(path), easy=True)
    tags["title"], tags["artist"], tags["album"] = title, artist, f"{artist} album"
    if genre:
        tags["genre"] = genre
    tags.save()
    return path


class BeetsEnv:
    """A beets configuration (BEETSDIR) whose music directory holds the generated files."""

    def __init__(self, root: Path, nlrec_home: Path) -> None:
        self.root = root
        self.beetsdir = root / "beetsdir"
        self.music = root / "Music"
        self.db = self.beetsdir / "library.db"
        self.beetsdir.mkdir(parents=True)
        self.music.mkdir()
        (self.beetsdir / "config.yaml").write_text(
            f"directory: {self.music}\nlibrary: {self.db}\nplugins: nlrec\n"
            "import:\n  copy: no\n  write: no\n  autotag: no\n  quiet: yes\n  log: null\n"
            "nlrec:\n  index: beets\n  windows: 2\n", encoding="utf-8")
        self.env = {**os.environ, "BEETSDIR": str(self.beetsdir), "NLREC_HOME": str(nlrec_home),
                    "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
                    "HF_HUB_OFFLINE": "1"}

    def beet(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(BEET), *args], env=self.env, capture_output=True, text=True, timeout=300)
        if check and done.returncode != 0:
            raise AssertionError(f"beet {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done


@pytest.fixture
def beets_env(tmp_path, nlrec_home, monkeypatch) -> BeetsEnv:
    if not BEET.is_file():
        pytest.skip(f"no beet executable beside {sys.executable}")
    env = BeetsEnv(tmp_path, nlrec_home)
    monkeypatch.setenv("BEETSDIR", str(env.beetsdir))
    return env
