"""Where indexes live: names under ``NLREC_HOME``, paths, listing and removal."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

from nlrec.errors import IndexFileError, NlrecError
from nlrec.index.manifest import MANIFEST
from nlrec.paths import indexes_dir

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

RESERVED_NAMES = frozenset({"profiles"})  # other folders that live in NLREC_HOME


def validate_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise NlrecError(
            f"invalid index name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if name in RESERVED_NAMES:
        raise NlrecError(f"index name {name!r} is reserved (NLREC_HOME/{name} holds other data)")
    return name


def resolve_index_path(name_or_path: str | os.PathLike, home: Path | None = None) -> Path:
    """An index name under ``home`` (default ``NLREC_HOME``), or a path to an index directory."""
    s = str(name_or_path)
    p = Path(s).expanduser()
    if os.sep in s or s.startswith(".") or (p.is_dir() and (p / MANIFEST).exists()):
        return p
    return (home or indexes_dir()) / validate_name(s)


def list_indexes(home: Path | None = None) -> list[dict[str, Any]]:
    """Summaries of the indexes under ``home`` (no heavy imports, no verification)."""
    home = home or indexes_dir()
    out = []
    if not home.is_dir():
        return out
    for p in sorted(home.iterdir()):
        if p.name.startswith(".") or not (p / MANIFEST).is_file():
            continue
        try:
            m = json.loads((p / MANIFEST).read_text(encoding="utf-8"))
            out.append({
                "name": p.name,
                "tracks": m["corpus"]["n_tracks"],
                "documents": m["corpus"]["n_documents"],
                "encoder": m["encoder"]["id"],
                "created_at": m["created_at"],
                "path": str(p),
            })
        except (OSError, ValueError, KeyError, TypeError):
            out.append({"name": p.name, "error": "unreadable manifest", "path": str(p)})
    return out


def remove_index(name: str, home: Path | None = None) -> Path:
    """Delete an index directory (renamed away first, so readers never see half of it)."""
    path = resolve_index_path(name, home)
    if not (path / MANIFEST).is_file():
        raise IndexFileError(f"no index named {name!r} in {path.parent}")
    trash = path.parent / f".trash-{path.name}-{uuid.uuid4().hex[:8]}"
    os.rename(path, trash)
    shutil.rmtree(trash, ignore_errors=True)
    return path
