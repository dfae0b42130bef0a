"""WiSE-FT weight interpolation (nlrec.training.interpolate, nlrec train interpolate)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from safetensors.numpy import load_file, save_file

from nlrec.cli import cli
from nlrec.errors import NlrecError
from nlrec.training.interpolate import interpolate_models


def _model(path, value, extra=None):
    path.mkdir(parents=True)
    tensors = {"w": np.full((2, 3), value, np.float32), "ids": np.arange(4, dtype=np.int64)}
    tensors.update(extra or {})
    save_file(tensors, str(path / "model.safetensors"))
    (path / "config.json").write_text(json.dumps({"from": str(path.name)}))
    return path


def test_interpolates_float_tensors_keeps_the_rest_and_the_tuned_config(tmp_path):
    base, tuned = _model(tmp_path / "base", 0.0), _model(tmp_path / "tuned", 4.0)
    out = interpolate_models(base, tuned, 0.25, tmp_path / "mix")
    mixed = load_file(str(tmp_path / "mix" / "model.safetensors"))
    assert np.allclose(mixed["w"], 1.0) and mixed["ids"].tolist() == [0, 1, 2, 3]
    assert json.loads((tmp_path / "mix" / "config.json").read_text()) == {"from": "tuned"}
    assert out["alpha"] == 0.25 and out["tensors"] == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mix.")]  # no temporary left


def test_refuses_bad_alpha_mismatched_models_and_foreign_directories(tmp_path):
    base, tuned = _model(tmp_path / "base", 0.0), _model(tmp_path / "tuned", 1.0)
    odd = _model(tmp_path / "odd", 1.0, {"x": np.zeros(2, np.float32)})
    with pytest.raises(NlrecError, match="alpha"):
        interpolate_models(base, tuned, 1.5, tmp_path / "a")
    with pytest.raises(NlrecError, match="same tensors"):
        interpolate_models(base, odd, 0.5, tmp_path / "b")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(NlrecError, match="not written by nlrec"):
        interpolate_models(base, tuned, 0.5, mine, overwrite=True)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_cli_writes_and_overwrites_only_its_own(tmp_path):
    base, tuned = _model(tmp_path / "base", 0.0), _model(tmp_path / "tuned", 2.0)
    args = ["train", "interpolate", "--base", str(base), "--tuned", str(tuned), "-o", str(tmp_path / "m")]
    r = CliRunner().invoke(cli, [*args, "--alpha", "0.5", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["alpha"] == 0.5
    again = CliRunner().invoke(cli, [*args, "--alpha", "0.75"])
    assert again.exit_code == 1 and "exists" in again.output
    ok = CliRunner().invoke(cli, [*args, "--alpha", "0.75", "--overwrite"])
    assert ok.exit_code == 0
    assert np.allclose(load_file(str(tmp_path / "m" / "model.safetensors"))["w"], 1.5)
