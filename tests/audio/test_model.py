"""The PyTorch port: shapes, determinism, strict weight loading."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nlrec.audio import model as M
from nlrec.errors import NlrecError

WITHOUT_EXTRA = True  # torch and safetensors only


@pytest.mark.parametrize("vocabulary", ["mtt", "msd"])
def test_packaged_weights_load_with_labels(vocabulary):
    loaded = M.load_musicnn(vocabulary)
    assert len(loaded.labels) == 50
    assert loaded.metadata["model"] == f"{vocabulary.upper()}_musicnn"
    assert sum(p.numel() for p in loaded.model.parameters()) < 1_000_000
    assert not loaded.model.training
    if vocabulary == "mtt":
        assert {"no vocals", "no vocal", "no voice", "techno", "harpsichord"} <= set(loaded.labels)
    else:
        assert {"rock", "Hip-Hop", "00s", "instrumental"} <= set(loaded.labels)


def test_forward_shapes_and_determinism():
    net = M.load_musicnn("mtt").model
    x = torch.from_numpy(np.random.default_rng(0).random((3, 187, 96), dtype=np.float32) * 3)
    with torch.inference_mode():
        a, b = net(x), net(x)
        single = net(x[1:2])
    assert a.logits.shape == (3, 50) and a.penultimate.shape == (3, 200)
    torch.testing.assert_close(a.logits, b.logits, rtol=0, atol=0)
    torch.testing.assert_close(single.logits[0], a.logits[1], rtol=1e-5, atol=1e-5)  # no batch mixing


def test_other_lengths_work_like_upstream_musicnn():
    net = M.load_musicnn("msd").model
    with torch.inference_mode():
        out = net(torch.zeros(1, 300, 96))
    assert out.logits.shape == (1, 50)


def test_incomplete_weights_are_refused(tmp_path, monkeypatch):
    from safetensors.torch import load_file, save_file

    state = load_file(str(M.weights_path("mtt")))
    state.pop("dense.weight")
    bad = tmp_path / "mtt_musicnn.safetensors"
    save_file(state, str(bad), metadata={"labels": '["a"]', "model": "MTT_musicnn"})
    monkeypatch.setattr(M, "weights_path", lambda vocabulary: bad)
    with pytest.raises(NlrecError, match="missing \\['dense.weight'\\]"):
        M.load_musicnn("mtt")


def test_unknown_vocabulary():
    with pytest.raises(NlrecError, match="unknown tag vocabulary"):
        M.weights_path("gtzan")


def test_onnx_backend_matches_torch():
    from nlrec.audio.tagger import AudioTagger

    batch = np.random.default_rng(1).random((3, 187, 96), dtype=np.float32) * 4
    for vocabulary in ("mtt", "msd"):
        p_torch, e_torch = AudioTagger(backend="torch").run_patches(batch, vocabulary)
        p_onnx, e_onnx = AudioTagger(backend="onnx").run_patches(batch, vocabulary)
        np.testing.assert_allclose(p_onnx, p_torch, atol=1e-5)
        np.testing.assert_allclose(e_onnx, e_torch, atol=1e-4)
    assert M.onnx_path("mtt").is_file()  # cached under NLREC_HOME for the next run
