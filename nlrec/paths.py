"""Where nlrec keeps its files: ``NLREC_HOME`` (indexes, caches) and ``NLREC_DATA`` (datasets)."""

from __future__ import annotations

import os
from pathlib import Path

from nlrec.errors import NlrecError


def repo_root() -> Path | None:
    """The source checkout this package runs from, if it is one (has ``pyproject.toml``)."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "nlrec").is_dir() else None


def nlrec_home() -> Path:
    """The user directory: ``$NLREC_HOME``, else ``indexes/`` of a source checkout, else ``~/.nlrec``."""
    env = os.environ.get("NLREC_HOME")
    if env:
        return Path(env).expanduser()
    root = repo_root()
    if root is not None:
        return root / "indexes"
    return Path.home() / ".nlrec"


def indexes_dir() -> Path:
    """Directory holding one sub-directory per built index."""
    return nlrec_home()


def cache_dir() -> Path:
    """Small caches (e.g. model weight hashes), inside the user directory."""
    return nlrec_home() / ".cache"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Resolve the public-data directory from ``--data-dir`` or ``$NLREC_DATA``.

    Raises:
        NlrecError: if neither is given or the directory does not exist.
    """
    raw = explicit if explicit is not None else os.environ.get("NLREC_DATA")
    if not raw:
        raise NlrecError("no data directory: pass --data-dir DIR or set NLREC_DATA")
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise NlrecError(f"data directory not found: {path}")
    return path
