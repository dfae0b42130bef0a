"""A fast query encoder: the dense model exported to ONNX, run with onnxruntime + tokenizers.

Importing torch and sentence-transformers takes several seconds; onnxruntime and tokenizers a
fraction of one. When an index is built, its encoder is exported once (pooling and L2
normalisation included in the graph) into ``NLREC_HOME/.cache/onnx/<weights sha256>/`` and
checked against PyTorch; queries then use it without importing torch. Where onnx / onnxruntime
are missing, or the export fails its check, nlrec falls back to PyTorch with a one-line notice.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.errors import EncoderError

if TYPE_CHECKING:
    from nlrec.encoders.base import DenseEncoder

ONNX_FORMAT = 1
OPTIMIZED = "optimized"
"""Prefix of the subdirectories of an export holding onnxruntime's optimised graph and its weights
file (with the weights pre-packed for this machine's kernels): ``optimized-<machine tag>``."""
MIN_COSINE = 0.999
_PROBES = [
    "calm piano for studying",
    "upbeat tropical steel drum, no vocals",
    "aggressive heavy metal with growling vocals, distorted guitar and double bass drums",
    "a",
]


class EncoderFallbackWarning(UserWarning):
    """The fast ONNX encoder could not be used; PyTorch is used instead."""


def onnx_runtime_available() -> bool:
    """Whether onnxruntime and tokenizers can be imported (needed to *run* an export)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "tokenizers"))


def onnx_export_available() -> bool:
    """Whether the ``onnx`` package (needed by torch's exporter) is importable."""
    import importlib.util

    return importlib.util.find_spec("onnx") is not None and onnx_runtime_available()


def machine_tag(ort: Any) -> str:
    """What pre-packed weights depend on: onnxruntime's version, the architecture and the CPU's
    model and instruction-set flags (12 hex digits). A home shared by different machines keeps one
    optimised copy per machine."""
    import hashlib
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            head = f.read(1 << 14).split("\n\n", 1)[0]  # the first processor's entry
        cpu = "\n".join(line for line in head.splitlines() if line.startswith(("vendor_id", "model name", "flags")))
    except OSError:  # not Linux
        cpu = platform.processor()
    key = f"{ort.__version__}|{platform.machine()}|{cpu}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def optimized_dir(export: Path, ort: Any) -> Path:
    """Where this machine's optimised copy of an export lives (see :meth:`OnnxEncoder._open_session`)."""
    return export / f"{OPTIMIZED}-{machine_tag(ort)}"


def onnx_dir(weights_sha256: str) -> Path:
    from nlrec.paths import cache_dir

    return cache_dir() / "onnx" / weights_sha256


class OnnxEncoder:
    """A :class:`~nlrec.encoders.base.DenseEncoder` running an exported model with onnxruntime.

    Args:
        directory: an export made by :func:`export_onnx`.
        threads: intra-op threads; default ``min(2, CPUs)``. Even one short query gains from a
            second thread: on the 2-core reference machine the median encode of 30 everyday
            requests took 4.4 ms with two threads and 5.4 ms with one (interleaved runs).
    """

    def __init__(self, directory: str | os.PathLike, *, threads: int | None = None) -> None:
        self.directory = Path(directory)
        try:
            self.meta = json.loads((self.directory / "nlrec_onnx.json").read_text())
        except (OSError, ValueError) as e:
            raise EncoderError(f"{self.directory}: not an nlrec ONNX export ({e})") from None
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if threads is None:
            threads = int(os.environ.get("NLREC_ONNX_THREADS") or min(2, os.cpu_count() or 1))
        self._threads = max(1, threads)
        try:
            self.session = self._open_session(ort)
            self.tokenizer = Tokenizer.from_file(str(self.directory / "tokenizer.json"))
        except Exception as e:  # noqa: BLE001 - onnxruntime raises its own types
            raise EncoderError(f"{self.directory}: cannot load the ONNX export ({str(e)[:160]})") from None
        self.tokenizer.enable_truncation(max_length=int(self.meta["max_seq_length"]))
        self.tokenizer.enable_padding(pad_id=int(self.meta.get("pad_id", 0)))
        self._inputs = [i.name for i in self.session.get_inputs()]

    def _options(self, ort: Any, level: Any) -> Any:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self._threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = level
        # Idle threads sleep instead of spin-waiting: the same vectors and the same encode time,
        # but a cold query burns less CPU (0.06 CPU-s less for MiniLM on the 2-core machine).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return opts

    def _open_session(self, ort: Any) -> Any:
        """The session, from the saved optimised graph when there is one.

        The first load optimises ``model.onnx`` (graph fusions) and saves the result in
        ``optimized-<machine tag>/`` with its weights in a separate file, which onnxruntime maps
        into memory, and the matrix weights also pre-packed for this CPU's kernels: later cold
        starts skip the optimisation, the copy of 90 MB of weights and the packing (session
        creation 0.08 s of CPU instead of 0.51 s for MiniLM on the 2-core reference machine). The
        graph is optimised at the extended level (not tied to an instruction set); the packed
        weights are, hence the tag (:func:`machine_tag`: onnxruntime's version and the CPU).
        """
        Level = ort.GraphOptimizationLevel
        providers = ["CPUExecutionProvider"]
        optimized = optimized_dir(self.directory, ort)
        saved = optimized / "model.onnx"
        if saved.is_file():
            try:
                return ort.InferenceSession(str(saved), sess_options=self._options(ort, Level.ORT_DISABLE_ALL),
                                            providers=providers)
            except Exception:  # noqa: BLE001 - a damaged copy (of nlrec's own cache): made again below
                junk = self.directory / f".tmp-damaged-{os.getpid()}-{uuid.uuid4().hex[:8]}"
                try:
                    os.rename(saved.parent, junk)
                    shutil.rmtree(junk, ignore_errors=True)
                except OSError:
                    pass
        opts = self._options(ort, Level.ORT_ENABLE_EXTENDED)
        tmp = self.directory / f".tmp-optimized-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            tmp.mkdir()
        except OSError:  # a read-only cache: optimise in memory only
            tmp = None
        if tmp is not None:
            opts.optimized_model_filepath = str(tmp / "model.onnx")
            opts.add_session_config_entry("session.optimized_model_external_initializers_file_name", "weights.bin")
            opts.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
            opts.add_session_config_entry("session.save_external_prepacked_constant_initializers", "1")
        try:
            session = ort.InferenceSession(str(self.directory / "model.onnx"), sess_options=opts, providers=providers)
        finally:
            if tmp is not None:
                try:
                    if (tmp / "model.onnx").is_file() and not optimized.exists():
                        os.rename(tmp, optimized)
                except OSError:  # another process saved it first
                    pass
                shutil.rmtree(tmp, ignore_errors=True)
        return session

    @property
    def id(self) -> str:
        return str(self.meta["id"])

    @property
    def dimension(self) -> int:
        return int(self.meta["dimension"])

    def fingerprint(self) -> str:
        return str(self.meta["weights_sha256"])

    def describe(self) -> dict[str, Any]:
        """Manifest entry: the same as the exported sentence-transformers model's (an index built
        with the export is searched with either)."""
        return {
            "kind": "sentence-transformers",
            "id": self.id,
            "weights_sha256": self.fingerprint(),
            "dimension": self.dimension,
            "max_seq_length": int(self.meta["max_seq_length"]),
            "normalized": True,
            "built_with": "onnx",
        }

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None) -> np.ndarray:
        texts = list(texts)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        # Batches of similar length pad little: sort by length, write rows back in input order.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            part = [texts[i] for i in rows]
            enc = self.tokenizer.encode_batch(part)
            feeds = {
                "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
            vec = self.session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
            out[rows] = vec
            if progress is not None:
                progress(len(part))
        return out


def export_onnx(encoder: DenseEncoder, directory: str | os.PathLike | None = None) -> Path:
    """Export a sentence-transformers encoder (a :class:`~nlrec.encoders.base.DenseEncoder` with a
    ``model``, e.g. :class:`~nlrec.encoders.dense.SentenceTransformerEncoder`) to ONNX and verify it.

    The graph maps token ids to the L2-normalised sentence embedding (all of the model's
    modules included). The export is checked on probe texts (cosine >= 0.999 to PyTorch) and
    written atomically. Returns the export directory.

    Raises:
        EncoderError: if the export cannot be made or does not match PyTorch.
    """
    import torch

    fp = encoder.fingerprint()
    dest = Path(directory) if directory is not None else onnx_dir(fp)
    if (dest / "nlrec_onnx.json").is_file():
        return dest
    if not onnx_export_available():
        raise EncoderError("ONNX export needs the packages onnx, onnxruntime and tokenizers")
    st = encoder.model
    tokenizer = getattr(st, "tokenizer", None)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise EncoderError(f"model {encoder.id!r} has no fast tokenizer; cannot export to ONNX")

    class _Wrapped(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            feats = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            emb = self.model(feats)["sentence_embedding"]
            return torch.nn.functional.normalize(emb, p=2, dim=-1)

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".tmp-{dest.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        sample = tokenizer(_PROBES[:2], padding=True, return_tensors="pt")
        if "token_type_ids" not in sample:
            sample["token_type_ids"] = torch.zeros_like(sample["input_ids"])
        args = tuple(sample[k].to(st.device) for k in ("input_ids", "attention_mask", "token_type_ids"))
        dyn = {0: "batch", 1: "tokens"}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Wrapped(st).eval(), args, str(tmp / "model.onnx"),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["embedding"],
                dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn,
                              "embedding": {0: "batch"}},
                opset_version=17, dynamo=False,
            )
        backend.save(str(tmp / "tokenizer.json"))
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        meta = {
            "format": ONNX_FORMAT,
            "id": encoder.id,
            "weights_sha256": fp,
            "dimension": int(encoder.dimension),
            "max_seq_length": int(st.max_seq_length or 256),
            "pad_id": int(pad_id),
        }
        (tmp / "nlrec_onnx.json").write_text(json.dumps(meta, indent=2))
        fast = OnnxEncoder(tmp)
        cos = float(np.min(np.sum(fast.encode(_PROBES) * encoder.encode(_PROBES), axis=1)))
        if cos < MIN_COSINE:
            raise EncoderError(f"ONNX export of {encoder.id!r} disagrees with PyTorch (cosine {cos:.4f})")
        meta["check_min_cosine"] = round(cos, 6)
        (tmp / "nlrec_onnx.json").write_text(json.dumps(meta, indent=2))
        if dest.exists():  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.rename(tmp, dest)
    except EncoderError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as e:  # noqa: BLE001 - exporter failures vary by model
        shutil.rmtree(tmp, ignore_errors=True)
        raise EncoderError(f"ONNX export of {encoder.id!r} failed: {str(e).splitlines()[0][:160]}") from None
    return dest


def fast_encoder(weights_sha256: str) -> OnnxEncoder | None:
    """The cached ONNX encoder for these weights, or ``None`` (with the reason warned)."""
    path = onnx_dir(weights_sha256)
    if not (path / "nlrec_onnx.json").is_file():
        return None
    if not onnx_runtime_available():
        warnings.warn("onnxruntime is not installed; using PyTorch (slower start)", EncoderFallbackWarning,
                      stacklevel=2)
        return None
    try:
        return OnnxEncoder(path)
    except EncoderError as e:
        warnings.warn(f"{e}; using PyTorch (slower start)", EncoderFallbackWarning, stacklevel=2)
        return None
