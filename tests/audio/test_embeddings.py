"""Audio embeddings on disk and "sounds like" ranking."""

from __future__ import annotations

import numpy as np
import pytest

from nlrec.audio.embeddings import AudioEmbeddings, fuse_similar
from nlrec.errors import NlrecError

WITHOUT_EXTRA = True


def _store() -> AudioEmbeddings:
    rng = np.random.default_rng(0)
    base = rng.standard_normal(400).astype(np.float32)
    rows = [base, base + 0.1 * rng.standard_normal(400).astype(np.float32),
            -base, None, 3 * base + 0.5 * rng.standard_normal(400).astype(np.float32)]
    return AudioEmbeddings.from_rows(["a", "b", "c", "d", "e"], rows, {"windows": 10})


def test_similar_excludes_itself_and_rows_without_audio():
    store = _store()
    hits = store.similar("a", k=10)
    assert [tid for tid, _ in hits] == ["b", "e", "c"]
    assert hits[0][1] > 0.9 and hits[-1][1] == pytest.approx(-1.0, abs=1e-5)
    with pytest.raises(NlrecError, match="no audio embedding"):
        store.similar("d")
    with pytest.raises(NlrecError, match="unknown track id"):
        store.similar("zzz")


def test_round_trip(tmp_path):
    store = _store()
    files = store.save(tmp_path)
    assert [f.name for f in files] == ["embeddings.npy", "ids.json", "manifest.json"]
    back = AudioEmbeddings.load(tmp_path)
    assert back.ids == store.ids and back.info == {"windows": 10}
    np.testing.assert_array_equal(back.vectors, store.vectors)
    np.testing.assert_array_equal(back.has_audio, store.has_audio)
    with pytest.raises(NlrecError, match="no audio embeddings"):
        AudioEmbeddings.load(tmp_path / "elsewhere")


def test_fusion_rewards_agreement():
    rows, scores = fuse_similar(np.array([1, 2, 3]), np.array([0.9, 0.8, 0.7]),
                                np.array([3, 1, 4]), np.array([0.9, 0.5, 0.4]), k=3)
    assert rows.tolist()[:2] == [1, 3]
