from __future__ import annotations

import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from nlrec.encoders.delta import materialize, write_delta
from nlrec.errors import NlrecError


def test_delta_roundtrip(tiny_model, tmp_path):
    tuned = tmp_path / "tuned"
    shutil.copytree(tiny_model, tuned)
    w = load_file(str(tuned / "model.safetensors"))
    name = next(k for k in w if ".layer.0." in k and k.endswith("weight"))
    w[name] = w[name] + 0.25
    save_file(w, str(tuned / "model.safetensors"))
    (tuned / "sentence_bert_config.json").write_text('{"max_seq_length": 16, "do_lower_case": false}')

    info = write_delta(tuned, tiny_model, tmp_path / "d.safetensors")
    assert info["tensors"] == 1 and info["configs"] == ["sentence_bert_config.json"]
    out = materialize(tiny_model, tmp_path / "d.safetensors", tmp_path / "cache")
    assert materialize(tiny_model, tmp_path / "d.safetensors", tmp_path / "cache") == out  # cached
    rebuilt, base = load_file(str(out / "model.safetensors")), load_file(str(tiny_model / "model.safetensors"))
    assert np.allclose(rebuilt[name], w[name], atol=1e-3)
    assert all(np.array_equal(rebuilt[k], base[k]) for k in base if k != name)
    assert "16" in (out / "sentence_bert_config.json").read_text()

    from sentence_transformers import SentenceTransformer

    assert SentenceTransformer(str(out), device="cpu").encode(["calm piano"]).shape[0] == 1


def test_delta_refuses_other_base(tiny_model, other_tiny_model, tmp_path):
    write_delta(other_tiny_model, tiny_model, tmp_path / "d.safetensors")
    with pytest.raises(NlrecError, match="other base"):
        materialize(other_tiny_model, tmp_path / "d.safetensors", tmp_path / "cache")
