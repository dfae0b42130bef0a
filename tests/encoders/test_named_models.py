"""The named models: ``minilm`` (packaged, untuned), ``music-minilm`` (shipped as a delta) and
``default`` (the music model when shipped)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import nlrec.encoders.dense as dense
import nlrec.encoders.models as models
from nlrec.encoders.delta import write_delta
from nlrec.errors import EncoderError


@pytest.fixture
def music_delta(tmp_path, monkeypatch):
    """A delta over the packaged MiniLM that changes one tensor, installed as the music model."""
    base = models.default_model_path()
    tuned = tmp_path / "tuned"
    shutil.copytree(base, tuned, ignore=shutil.ignore_patterns("*.onnx", "onnx", "openvino"))
    w = load_file(str(tuned / "model.safetensors"))
    name = next(k for k in w if ".layer.5." in k and k.endswith("output.dense.bias"))
    w[name] = w[name] + 0.5
    save_file(w, str(tuned / "model.safetensors"))
    delta = tmp_path / "music-minilm.delta.safetensors"
    write_delta(tuned, base, delta, name="music-minilm")
    monkeypatch.setattr(models, "MUSIC_DELTA", delta)
    return name, w[name]


def test_minilm_is_the_packaged_model():
    assert models.resolve_model("minilm") == (models.DEFAULT_MODEL_ID, str(models.default_model_path()))


def test_default_without_music_model_is_minilm(tmp_path, monkeypatch):
    monkeypatch.setattr(models, "MUSIC_DELTA", tmp_path / "absent.safetensors")
    assert models.canonical_model("default") == "minilm"
    assert models.resolve_model(None)[0] == models.DEFAULT_MODEL_ID
    with pytest.raises(EncoderError, match="does not ship the music model"):
        models.resolve_model("music-minilm")


def test_default_is_the_music_model_when_shipped(music_delta, tmp_path):
    name, tuned = music_delta
    assert models.canonical_model("default") == "music-minilm"
    model_id, path = models.resolve_model("default")
    assert model_id == models.MUSIC_MODEL_ID
    assert str(tmp_path / "home") in path or ".cache" in path  # built in the cache, not the package
    rebuilt = load_file(f"{path}/model.safetensors")
    assert np.allclose(rebuilt[name], tuned, atol=1e-3)
    enc = dense.load_encoder("default")
    assert enc.fingerprint() != dense.load_encoder("minilm").fingerprint()


def test_index_records_the_concrete_model(music_delta, tmp_path):
    from nlrec.catalog import Catalog
    from nlrec.index import build_index, open_index
    from nlrec.index.manifest import recorded_model as _recorded_model

    cat = Catalog.from_records([{"id": "a", "descriptors": ["calm", "piano"]},
                                {"id": "b", "descriptors": ["metal", "distorted guitar"]}])
    build_index(cat, "m", model="default", onnx=False)
    idx = open_index("m")
    assert idx.manifest.encoder.model == "music-minilm"
    assert _recorded_model({"model": "default"}) == "minilm"  # manifests from before the music model


def test_train_ship_writes_a_delta_that_rebuilds_the_model(tmp_path):
    import json

    from click.testing import CliRunner

    from nlrec.cli import cli

    base = models.default_model_path()
    tuned = tmp_path / "tuned"
    shutil.copytree(base, tuned, ignore=shutil.ignore_patterns("*.onnx", "onnx", "openvino"))
    w = load_file(str(tuned / "model.safetensors"))
    for k in [k for k in w if ".layer.4." in k and k.endswith(".weight")]:
        w[k] = w[k] * 1.01
    save_file(w, str(tuned / "model.safetensors"))
    out = tmp_path / "ship" / "m.delta.safetensors"
    r = CliRunner().invoke(cli, ["train", "ship", str(tuned), "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert out.is_file() and info["tensors"] >= 6 and info["min_cosine_rebuilt"] >= 0.999
    assert not list(out.parent.glob(".tmp-*"))
    # a model with other tensors than the packaged MiniLM cannot be shipped as its delta
    r = CliRunner().invoke(cli, ["train", "ship", str(tmp_path / "ship"), "--out", str(out)])
    assert r.exit_code == 1 and "Error" in r.output
