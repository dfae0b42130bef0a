from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nlrec.catalog import Catalog
from nlrec.encoders.dense import load_encoder
from nlrec.encoders.onnx import EncoderFallbackWarning, OnnxEncoder, export_onnx, onnx_dir
from nlrec.index import Index, build_index
from nlrec.search import search

TEXTS = ["calm piano for studying", "steel drums upbeat tropical", "heavy metal", "synth night driving",
         "folk acoustic guitar female vocal sad", "x"]


def test_onnx_matches_pytorch_embeddings_and_rankings(tiny_model, tmp_path):
    torch_enc = load_encoder(str(tiny_model))
    path = export_onnx(torch_enc)
    assert path == onnx_dir(torch_enc.fingerprint())
    fast = OnnxEncoder(path)
    a, b = torch_enc.encode(TEXTS), fast.encode(TEXTS)
    assert np.min(np.sum(a * b, axis=1)) >= 0.999
    assert fast.fingerprint() == torch_enc.fingerprint() and fast.dimension == torch_enc.dimension
    docs = torch_enc.encode(TEXTS[::-1])
    assert (np.argsort(-(a @ docs.T), axis=1) == np.argsort(-(b @ docs.T), axis=1)).all()
    assert export_onnx(torch_enc) == path  # cached: no second export


def test_index_queries_use_onnx_without_torch(tiny_catalog_file, tiny_model, nlrec_home):
    build_index(Catalog.from_file(tiny_catalog_file), "tiny", model=str(tiny_model))
    code = (
        "import sys\nfrom nlrec.index import Index\nfrom nlrec.search import search\n"
        "idx = Index.open('tiny')\n"
        "hits = search(idx, 'calm piano', k=3, mode='hybrid')\n"
        "print(type(idx.encoder()).__name__, len(hits), 'torch' in sys.modules, "
        "'sentence_transformers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"NLREC_HOME": str(nlrec_home), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert out.stdout.split() == ["OnnxEncoder", "3", "False", "False"], out.stdout + out.stderr


def test_same_rankings_through_onnx_and_pytorch(tiny_catalog_file, tiny_model):
    idx = build_index(Catalog.from_file(tiny_catalog_file), "tiny", model=str(tiny_model))
    via_onnx = Index.open("tiny")
    assert type(via_onnx.encoder()).__name__ == "OnnxEncoder"
    no_onnx = build_index(Catalog.from_file(tiny_catalog_file), "plain", model=str(tiny_model), onnx=False)
    assert no_onnx.manifest.encoder.onnx == "disabled"
    plain = Index.open("plain")
    assert type(plain.encoder()).__name__ == "SentenceTransformerEncoder"
    for q in TEXTS:
        a, b = search(via_onnx, q, k=8, mode="dense"), search(plain, q, k=8, mode="dense")
        # the same ranking, up to the order of scores equal within float error (a random tiny model)
        assert np.allclose([h.score for h in a], [h.score for h in b], atol=1e-4)
        by_score = {h.id: h.score for h in b}
        for x, y in zip(a, b):
            assert x.id == y.id or abs(by_score.get(x.id, 9) - y.score) < 1e-4
    del idx


def test_fallback_to_pytorch_with_notice(tiny_catalog_file, tiny_model, monkeypatch):
    import shutil

    idx = build_index(Catalog.from_file(tiny_catalog_file), "tiny", model=str(tiny_model))
    sha = idx.manifest.encoder.weights_sha256
    shutil.rmtree(onnx_dir(sha))
    import nlrec.encoders.onnx as onnx_mod

    with monkeypatch.context() as m:
        m.setattr(onnx_mod, "onnx_export_available", lambda: False)
        with pytest.warns(EncoderFallbackWarning, match="using PyTorch"):
            hits = search(Index.open("tiny"), "calm piano", k=2, mode="dense")
    assert len(hits) == 2
    # with the exporter present, the fallback exports for next time
    with pytest.warns(EncoderFallbackWarning, match="exported it"):
        search(Index.open("tiny"), "calm piano", k=2, mode="dense")
    assert (onnx_dir(sha) / "model.onnx").is_file()


@pytest.mark.slow
def test_packaged_minilm_onnx_agrees():
    enc = load_encoder("default")
    fast = OnnxEncoder(export_onnx(enc))
    texts = TEXTS + ["upbeat tropical steel drum, no vocals", "a very long request " * 40]
    assert np.min(np.sum(enc.encode(texts) * fast.encode(texts), axis=1)) >= 0.999


def test_saved_optimised_graph(tiny_model):
    """The export keeps onnxruntime's optimised graph (weights in a mapped file, pre-packed for this
    machine); a later load uses it and gives the same vectors; a damaged copy falls back to the
    original; one made by an older nlrec (no optimised copy) is optimised on first load."""
    import shutil

    import onnxruntime as ort

    from nlrec.encoders.onnx import OPTIMIZED, machine_tag, optimized_dir

    torch_enc = load_encoder(str(tiny_model))
    path = export_onnx(torch_enc)
    saved = optimized_dir(path, ort)
    assert saved.name == f"{OPTIMIZED}-{machine_tag(ort)}" and len(machine_tag(ort)) == 12
    assert (saved / "model.onnx").is_file() and (saved / "weights.bin").is_file()
    reference = OnnxEncoder(path).encode(TEXTS)
    shutil.rmtree(saved)
    again = OnnxEncoder(path)  # as an export made before the optimised copy existed
    assert (saved / "model.onnx").is_file()
    assert not list(path.glob(".tmp-optimized-*"))
    assert np.array_equal(again.encode(TEXTS), reference)  # the packed weights change no bit
    (saved / "weights.bin").write_bytes(b"broken")
    assert np.min(np.sum(OnnxEncoder(path).encode(TEXTS) * reference, axis=1)) >= 0.99999
    assert (saved / "weights.bin").stat().st_size > 100  # made again
