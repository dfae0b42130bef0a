"""``ship_model``: the delta it writes rebuilds the tuned model, and a drifting or foreign model is refused."""

from __future__ import annotations

import shutil

import pytest
from safetensors.numpy import load_file, save_file

from nlrec.encoders import models
from nlrec.encoders.delta import read_delta_metadata
from nlrec.errors import NlrecError
from nlrec.training.ship import ShipResult, ship_model


def _tuned(tmp_path, factor: float = 1.01):
    base = models.default_model_path()
    tuned = tmp_path / "tuned"
    shutil.copytree(base, tuned, ignore=shutil.ignore_patterns("*.onnx", "onnx", "openvino"))
    w = load_file(str(tuned / "model.safetensors"))
    for k in [k for k in w if ".layer.5." in k and k.endswith(".bias")]:
        w[k] = w[k] * factor
    save_file(w, str(tuned / "model.safetensors"))
    return tuned


def test_ship_model_writes_the_delta_in_place(tmp_path):
    out = tmp_path / "ship" / "m.delta.safetensors"
    result = ship_model(_tuned(tmp_path), out)
    assert isinstance(result, ShipResult)
    assert result.file == str(out) and out.is_file() and result.bytes == out.stat().st_size
    assert result.tensors >= 1 and result.min_cosine_rebuilt >= 0.999
    assert read_delta_metadata(out)["name"] == models.MUSIC_MODEL
    assert set(result.to_dict()) == {"file", "model", "tensors", "parameters", "bytes", "configs",
                                     "min_cosine_rebuilt"}
    assert not list(out.parent.glob(".tmp-*"))


def test_ship_model_refuses_a_directory_without_weights(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NlrecError, match="model.safetensors"):
        ship_model(tmp_path / "empty", tmp_path / "m.delta.safetensors")
