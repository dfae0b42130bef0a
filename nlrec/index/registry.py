"""Where indexes live: names under ``NLREC_HOME``, paths, listing and removal."""

from __future__ import annotations

import json
import os
import re
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


def is_explicit_path(name_or_path: str | os.PathLike) -> bool:
    """A path separator, or a leading ``.`` / ``~``, makes an explicit path; anything else is a name.
    A :class:`~pathlib.Path` (not a plain string) is always a path."""
    if isinstance(name_or_path, os.PathLike) and not isinstance(name_or_path, str):
        return True
    s = str(name_or_path)
    return "/" in s or os.sep in s or (os.altsep or "/") in s or s.startswith((".", "~"))


def resolve_index_path(name_or_path: str | os.PathLike, home: Path | None = None) -> Path:
    """A plain index name always resolves under ``home`` (default ``NLREC_HOME``), whatever the
    current directory holds; only an explicit path (``./x``, ``/abs/x``, ``x/y``) is a path.

    Raises:
        NlrecError: for an invalid name.
    """
    if is_explicit_path(name_or_path):
        # absolute at once: ``Path("./same")`` prints as ``same``, which would later read as the
        # name of an index under NLREC_HOME (every command must mean the same folder)
        return Path(os.path.abspath(Path(os.fspath(name_or_path)).expanduser()))
    return (home or indexes_dir()) / validate_name(str(name_or_path))


def refuse_index_folder(path: str | os.PathLike, what: str = "output") -> None:
    """Refuse to write a user's file (``-o``) inside an index folder: a file nlrec did not make
    there would make the index impossible to update or remove (it is no longer provably nlrec's).

    Raises:
        NlrecError: ``path`` lies in an index folder or one of its generations.
    """
    from nlrec.index.generations import OWNER_MARKER, POINTER

    p = Path(os.path.realpath(Path(os.fspath(path)).expanduser()))
    for folder in p.parents:
        if (folder / POINTER).is_file() or (folder / OWNER_MARKER).is_file():
            raise NlrecError(f"cannot write {what} {path}: it is inside the index folder {folder}, which holds "
                             "only nlrec's own files; write it elsewhere")


def describe_index(root: Path, *, attempts: int = 3) -> dict[str, Any] | None:
    """A summary of the index at ``root`` (None if it is not one): no heavy imports, no verification.

    A generation collected between reading the pointer and its manifest is retried.
    """
    for _ in range(attempts - 1):
        item = _describe(root)
        if item is None or "error" not in item:
            return item
    return _describe(root)


def _describe(root: Path) -> dict[str, Any] | None:
    from nlrec.index.generations import POINTER, read_pointer

    try:
        pointer = read_pointer(root)
        if pointer is not None:
            m = json.loads((root / pointer.directory / MANIFEST).read_text(encoding="utf-8"))
        elif (root / MANIFEST).is_file():
            m = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        else:
            return None
        return {
            "name": root.name,
            "tracks": int(m["corpus"]["n_tracks"]),
            "documents": int(m["corpus"]["n_documents"]),
            "encoder": str(m["encoder"]["id"]),
            "created_at": str(m["created_at"]),
            "generation": pointer.generation if pointer else None,
            "path": str(root),
        }
    except (OSError, ValueError, KeyError, TypeError, IndexFileError):
        if not (root / POINTER).exists() and not (root / MANIFEST).is_file():
            return None  # removed while we looked
        return {"name": root.name, "error": "unreadable manifest", "path": str(root)}


def list_indexes(home: Path | None = None) -> list[dict[str, Any]]:
    """Summaries of the indexes under ``home`` (no heavy imports, no verification)."""
    home = home or indexes_dir()
    out = []
    try:
        entries = sorted(home.iterdir()) if home.is_dir() else []
    except OSError as e:
        raise NlrecError(f"cannot list {home}: {e.strerror}") from None
    for p in entries:
        if p.name.startswith(".") or not p.is_dir() or p.name in RESERVED_NAMES:
            continue
        item = describe_index(p)
        if item is not None:
            out.append(item)
    return out


def remove_index(name: str, home: Path | None = None) -> Path:
    """Delete an index: readers holding a generation keep it until they close it.

    Only a directory that is verifiably an nlrec index is touched (see
    :func:`nlrec.index.generations.check_replaceable`).

    Raises:
        IndexFileError: if there is no index of that name.
        NlrecError: if the path is not verifiably an nlrec index.
    """
    from nlrec.index.removal import remove_index_dir

    path = resolve_index_path(name, home)
    if not path.is_dir():
        raise IndexFileError(f"no index named {name!r} in {path.parent}")
    _drop_milvus_collections(path)
    remove_index_dir(path)
    return path


def _drop_milvus_collections(path: Path) -> None:
    """A Milvus-backed index's collections go with it (only if their marker proves it made them).

    Raises:
        MilvusError: when Milvus cannot be reached (the index is kept, so nothing is orphaned).
    """
    from nlrec.index.generations import read_pointer
    from nlrec.index.manifest import read_manifest

    try:
        pointer = read_pointer(path)
        backend = read_manifest(path / pointer.directory, path.name).raw.get("backend") if pointer else None
    except (IndexFileError, OSError):
        return
    if not isinstance(backend, dict) or backend.get("kind") != "milvus":
        return
    from nlrec.index.milvus import MilvusStore, MilvusTarget
    from nlrec.index.milvus.client import lite_file_missing

    where = MilvusTarget.from_record(backend, path.name)
    if lite_file_missing(where.uri):  # nothing to drop; never create a database there
        return
    # only collections whose marker names this very index folder (not one it was copied from)
    MilvusStore(where, create=False).drop(backend.get("marker") or {}, path)
