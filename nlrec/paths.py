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
    if env is not None and not env.strip():
        # set but empty (``NLREC_HOME= nlrec ...``, an unset shell variable): an error, never a
        # silent fall-back to another folder's indexes
        raise NlrecError("NLREC_HOME is set but empty; point it at a directory, or unset it for the default")
    if env:
        home = Path(os.path.abspath(Path(env).expanduser()))
        if home.exists() and not home.is_dir():
            raise NlrecError(f"NLREC_HOME={env} is not a directory; point it at a directory")
        return home
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


def ensure_dir(path: Path, what: str = "directory") -> Path:
    """Create ``path`` (and parents) if needed.

    Raises:
        NlrecError: one line when it cannot be created (a file in the way, no permission).
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise NlrecError(f"cannot create {what} {path}: {e.strerror or e}") from None
    if not path.is_dir():
        raise NlrecError(f"cannot create {what} {path}: a file is in the way")
    return path
