"""The port against the original musicnn (TensorFlow) on real audio.

``tests/audio/data/musicnn_reference.json`` holds the original's outputs, recorded by
``tools/musicnn/record_reference.py`` on Debian soundtrack files (the audio itself is never
committed: ``tools/musicnn/fetch_test_audio.sh`` installs the packages). For every recorded
track that is installed here with the same SHA-256, nlrec decodes it, computes its float32
log-mel, cuts the same windows and runs both ports:

- per-window and pooled tag probabilities must match the original fed the same float32 features
  within 1e-3 (measured: see docs/audio.md), pooled embeddings within 1e-3 relative to their scale;
- against upstream's own float16 pipeline the pooled probabilities are reported, not asserted:
  they differ by float16 rounding of the features, which is the upstream fault being fixed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).parent / "data" / "musicnn_reference.json"
pytestmark = pytest.mark.slow


def _installed_tracks():
    if not REFERENCE.is_file():
        return []
    data = json.loads(REFERENCE.read_text())
    return [t for t in data["tracks"] if Path(t["path"]).is_file()
            and hashlib.sha256(Path(t["path"]).read_bytes()).hexdigest() == t["sha256"]]


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_port_matches_original_musicnn_on_real_audio(backend):
    tracks = _installed_tracks()
    if not tracks:
        pytest.skip("no reference track installed: run tools/musicnn/fetch_test_audio.sh")
    from nlrec.audio.decode import load_audio
    from nlrec.audio.features import PATCH_FRAMES, log_mel, patch_starts
    from nlrec.audio.tagger import AudioTagger

    max_windows = json.loads(REFERENCE.read_text())["max_windows"]
    tagger = AudioTagger(max_windows=max_windows, backend=backend)
    worst = {"window": 0.0, "pooled": 0.0, "embedding": 0.0, "upstream": 0.0}
    for track in tracks:
        mel = log_mel(load_audio(track["path"]).samples)
        assert len(mel) == track["frames"]
        starts = patch_starts(len(mel), max_windows)
        assert starts.tolist() == track["window_starts"]
        batch = np.stack([mel[s : s + PATCH_FRAMES] for s in starts])
        for vocabulary in ("mtt", "msd"):
            ref = track[vocabulary]
            probs, pens = tagger.run_patches(batch, vocabulary)
            worst["window"] = max(worst["window"], np.abs(probs - ref["window_probabilities"]).max())
            worst["pooled"] = max(worst["pooled"], np.abs(probs.mean(0) - ref["probabilities"]).max())
            emb, ref_emb = pens.mean(0), np.asarray(ref["embedding"])
            worst["embedding"] = max(
                worst["embedding"], np.abs(emb - ref_emb).max() / np.abs(ref_emb).max())
            worst["upstream"] = max(
                worst["upstream"], np.abs(probs.mean(0) - ref["upstream_probabilities"]).max())
    print(f"\n{backend}, {len(tracks)} tracks: max abs diff {worst}")
    assert worst["window"] < 1e-3 and worst["pooled"] < 1e-3
    assert worst["embedding"] < 1e-3
