from __future__ import annotations

import numpy as np
import pytest

from nlrec.encoders.dense import SentenceTransformerEncoder, load_encoder
from nlrec.encoders.models import resolve_model
from nlrec.errors import EncoderError


def test_tiny_encoder_normalised_and_deterministic(tiny_model):
    enc = load_encoder(str(tiny_model))
    done = []
    v = enc.encode(["calm piano", "heavy metal", "calm piano"], progress=done.append)
    assert v.dtype == np.float32 and v.shape == (3, 32)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.allclose(v[0], v[2])
    assert sum(done) == 3
    assert enc.dimension == 32
    assert enc.fingerprint() == SentenceTransformerEncoder(str(tiny_model)).fingerprint()


def test_fingerprint_differs_between_models(tiny_model, other_tiny_model):
    assert load_encoder(str(tiny_model)).fingerprint() != load_encoder(str(other_tiny_model)).fingerprint()


def test_resolve_model(tmp_path, tiny_model):
    assert resolve_model(str(tiny_model))[1] == str(tiny_model.resolve())
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2")[1] == "sentence-transformers/all-MiniLM-L6-v2"
    with pytest.raises(EncoderError, match="model directory not found"):
        resolve_model(str(tmp_path / "missing" / "model"))
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(EncoderError, match="not a directory"):
        resolve_model(str(f))


def test_unloadable_model_is_one_clear_error(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "modules.json").write_text("not json")
    with pytest.raises(EncoderError, match="cannot load model"):
        load_encoder(str(broken)).encode(["x"])


def test_hub_id_offline_fails_cleanly(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderError, match="cannot load model 'nlrec-test/does-not-exist'"):
        load_encoder("nlrec-test/does-not-exist").encode(["x"])
