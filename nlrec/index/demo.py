"""The index of the built-in demo catalog, built on first use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlrec.catalog.demo import DEMO_INDEX, demo_catalog

if TYPE_CHECKING:
    from nlrec.encoders.base import DenseEncoder
    from nlrec.encoders.onnx import OnnxEncoder
    from nlrec.index.store import Index


def ensure_demo_index(*, home: Path | None = None, progress: Any = None, notify: Any = None) -> Index:
    """Open the demo index, building it first if it is missing, stale or unreadable."""
    import hashlib

    from nlrec.catalog.demo import DEMO_FILE
    from nlrec.errors import IndexFileError
    from nlrec.index.build import build_index
    from nlrec.index.store import Index

    file_sha = hashlib.sha256(DEMO_FILE.read_bytes()).hexdigest() if DEMO_FILE.is_file() else None
    try:
        index = Index.open(DEMO_INDEX, home=home)
        # the shipped file unchanged since the build: no need to parse it (a cold query saves 50 ms)
        if file_sha and index.manifest.raw.get("corpus", {}).get("demo_file_sha256") == file_sha:
            return index
        cat = demo_catalog()
        if index.manifest.corpus_sha256 == cat.fingerprint():
            return index
        reason = "the shipped demo catalog changed"
    except IndexFileError:
        cat = demo_catalog()
        reason = "first use"
    if notify:
        notify(f"Indexing the built-in demo catalog ({len(cat)} fictional tracks; {reason})...")
    # TF-IDF is made when first asked for (--mode tfidf): the build skips scikit-learn's import
    return build_index(cat, DEMO_INDEX, home=home, progress=progress,
                       source={"dataset": "demo", "demo_file_sha256": file_sha},
                       encoder=demo_encoder(progress), defer=("tfidf",))


def demo_encoder(progress: Any = None) -> DenseEncoder | None:
    """The encoder the demo catalog is embedded with: the ONNX export of the default model.

    On first use the model is exported before anything is embedded (PyTorch is needed for that
    anyway), and the catalog and its descriptors are then embedded by onnxruntime, as every later
    rebuild and every query is: the same index whichever way it is made, and on a CPU faster
    than embedding with PyTorch. ``None`` (``build_index`` loads the model itself) when the model
    cannot be loaded; the PyTorch encoder when it cannot be exported (``build_index`` then says why).
    """
    fast = cached_fast_encoder("default")
    if fast is not None:
        return fast
    from nlrec.encoders.dense import load_encoder
    from nlrec.encoders.onnx import OnnxEncoder, export_onnx, onnx_export_available
    from nlrec.errors import NlrecError

    try:
        enc = load_encoder("default")
    except NlrecError:
        return None
    if not onnx_export_available() or not hasattr(enc, "model"):
        return enc
    if progress:
        progress("onnx export", 0, 1)
    try:
        return OnnxEncoder(export_onnx(enc))
    except NlrecError:  # build_index tries again and warns that queries will use PyTorch
        return enc


def cached_fast_encoder(model: str) -> OnnxEncoder | None:
    """The ONNX export of ``model`` when one is cached (then a build needs no PyTorch: the demo
    rebuilds in a few seconds), else ``None``. Never imports torch: a local model is fingerprinted
    from its files."""
    import warnings

    from nlrec.encoders.dense import load_encoder
    from nlrec.encoders.models import weights_fingerprint
    from nlrec.encoders.onnx import fast_encoder, onnx_dir

    try:
        enc = load_encoder(model)
        path = getattr(enc, "_name_or_path", None)
        fp = weights_fingerprint(Path(path)) if path and Path(path).is_dir() else None
        if fp is None or not (onnx_dir(fp) / "nlrec_onnx.json").is_file():
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fast_encoder(fp)
    except Exception:  # noqa: BLE001 - any doubt: build with PyTorch as usual
        return None
