"""The CLAP text-tower encoder (``--model clap:PATH``) on a tiny random CLAP built in a fixture."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.encoders.clap import ClapTextEncoder, clap_directory, is_clap_spec
from nlrec.encoders.dense import load_encoder
from nlrec.errors import EncoderError, IndexMismatchError
from nlrec.index import Index, build_index
from nlrec.search import search


def test_encode_unit_vectors_deterministic(tiny_clap):
    enc = load_encoder(f"clap:{tiny_clap}")
    assert isinstance(enc, ClapTextEncoder) and is_clap_spec(f"clap:{tiny_clap}")
    assert enc.dimension == 16 and enc.id == f"clap:{tiny_clap.resolve()}"
    vecs = enc.encode(["calm piano without vocals", "steel drums", "x" * 500], batch_size=2)
    assert vecs.shape == (3, 16) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vecs[:2], enc.encode(["calm piano without vocals", "steel drums"]), atol=1e-5)
    assert enc.describe()["kind"] == "clap"


def test_matches_clap_get_text_features(tiny_clap):
    import torch
    from transformers import AutoTokenizer, ClapModel

    model = ClapModel.from_pretrained(str(tiny_clap)).eval()
    tok = AutoTokenizer.from_pretrained(str(tiny_clap))
    batch = tok(["calm piano", "no drums at all"], padding=True, return_tensors="pt")
    with torch.no_grad():
        ref = model.get_text_features(**batch)
    ref = getattr(ref, "pooler_output", ref)
    ref = torch.nn.functional.normalize(ref, dim=-1).numpy()
    ours = ClapTextEncoder(f"clap:{tiny_clap}").encode(["calm piano", "no drums at all"])
    assert np.allclose(ours, ref, atol=1e-5)


def test_text_only_checkpoint(tmp_path):
    from tests.conftest import make_tiny_clap

    path = make_tiny_clap(tmp_path / "text-clap", text_only=True)
    assert json.loads((path / "config.json").read_text())["model_type"] == "clap_text_model"
    assert ClapTextEncoder(f"clap:{path}").encode(["piano"]).shape == (1, 16)


def test_fingerprint_without_torch(tiny_clap):
    code = (
        "import sys\nfrom nlrec.encoders.dense import load_encoder\n"
        f"e = load_encoder('clap:{tiny_clap}')\nprint(e.fingerprint(), e.dimension)\n"
        "print('TORCH=' + str('torch' in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "TORCH=False" in out.stdout, out.stdout + out.stderr
    assert out.stdout.split()[0] == ClapTextEncoder(f"clap:{tiny_clap}").fingerprint()


@pytest.mark.parametrize(
    "spec, message",
    [
        ("clap:", "needs the path of a local CLAP model"),
        ("clap:   ", "needs the path"),
        ("clap:/no/such/dir", "CLAP model directory not found"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(EncoderError, match=message):
        load_encoder(spec)


def test_not_a_clap_model(tiny_model, tmp_path):
    with pytest.raises(EncoderError, match="is not a CLAP model"):
        clap_directory(f"clap:{tiny_model}")  # a sentence-transformers dir: no config.json
    bert = next(p for p in tiny_model.parent.iterdir() if p.name.endswith("-hf"))
    with pytest.raises(EncoderError, match="model_type is 'bert'"):
        load_encoder(f"clap:{bert}")


def test_index_search_and_mismatch(tiny_clap, tiny_tracks, tiny_model):
    idx = build_index(Catalog.from_records(tiny_tracks), "clapidx", model=f"clap:{tiny_clap}")
    enc = idx.manifest.encoder.raw
    assert enc["kind"] == "clap" and enc["model"] == f"clap:{tiny_clap.resolve()}"
    assert enc["onnx"] == "not a sentence-transformers encoder" and idx.manifest.dimension == 16
    reopened = Index.open("clapidx")
    hits = search(reopened, "calm piano without vocals", k=3, mode="dense", negation_threshold=1.0)
    assert len(hits) == 3
    assert search(reopened, "steel drums", k=2, mode="hybrid", model=f"clap:{tiny_clap}")
    with pytest.raises(IndexMismatchError, match="was built with encoder 'clap:"):
        search(Index.open("clapidx"), "x", mode="dense", model=str(tiny_model))


def test_cli_build_query_and_errors(tiny_clap, tiny_catalog_file):
    runner = CliRunner()
    r = runner.invoke(cli, ["index", "build", "--catalog", str(tiny_catalog_file), "--name", "c",
                            "--model", f"clap:{tiny_clap}", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["encoder"].startswith("clap:")
    r = runner.invoke(cli, ["query", "calm piano", "--index", "c", "--mode", "dense", "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["hits"]) == 8
    assert "warning" not in r.stderr.lower()  # no ONNX fall-back notice for CLAP
    r = runner.invoke(cli, ["index", "build", "--catalog", str(tiny_catalog_file), "--name", "d",
                            "--model", "clap:"])
    assert r.exit_code == 1 and r.stderr.strip().startswith("Error: --model clap: needs the path")
    assert len(r.stderr.strip().splitlines()) == 1
