"""Index generations: immutable directories, an atomic pointer, one writer, isolated readers.

An index name is a directory holding numbered, never-modified generation directories and a
pointer file naming the current one::

    <name>/
      CURRENT              {"kind": "nlrec-index-pointer", "generation": 7,
                            "directory": "gen-000007", "manifest_sha256": "..."}
      gen-000007/          manifest.json (records "generation": 7) and the index files
      gen-000007.lock      readers of generation 7 hold a shared flock on it
      .lock                writers hold an exclusive flock on it
      .nlrec-index         the ownership marker: {"kind": "nlrec-index-folder", "id": "<uuid>"}

Writers (:class:`GenerationWriter`) take ``.lock`` for the whole read-modify-write, stage the new
generation in ``.staging-<pid>-<token>/`` (with a sibling ``.owner`` marker proving nlrec made it),
rename it to ``gen-<n+1>/`` and replace ``CURRENT`` atomically (temporary file + ``os.replace``).
Readers (:func:`open_generation`) read ``CURRENT`` and take a shared lease on that generation's
lock file, so it stays on disk, whole, until they close it; a writer deletes an old generation
only when it can lock it exclusively, i.e. when no reader holds it. Readers never wait for
writers, and no interleaving leaves the name without a complete generation.

A folder is nlrec's only when it proves it: a valid ``CURRENT`` pointer or the ``.nlrec-index``
marker (written by the first writer of a folder nlrec created or found empty). A folder that merely
has the shape of an index (``gen-000001/`` and nothing else) is refused, never cleaned up. No entry
of the layout may be a symbolic link (:mod:`nlrec.safefs`): one is refused in one line, never
followed, never deleted through.

Indexes written before generations existed (format 1: ``manifest.json`` at the top) still open
read-only; the next build migrates them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlrec.errors import IndexFileError, NlrecError
from nlrec.locks import SharedLease, exclusive_lock, try_exclusive
from nlrec.safefs import SymlinkRefused, refuse_symlink, remove_file, remove_tree, touch_nofollow

POINTER = "CURRENT"
WRITER_LOCK = ".lock"
OWNER_MARKER = ".nlrec-index"
OWNER_KIND = "nlrec-index-folder"
POINTER_KIND = "nlrec-index-pointer"
_GEN_RE = re.compile(r"^gen-(\d{6,})$")
_GEN_LOCK_RE = re.compile(r"^gen-(\d{6,})\.lock$")
_TMP_RE = re.compile(r"^\.(CURRENT|\.nlrec-index)\..+\.tmp$")
"""A layout file being replaced atomically (``nlrec.io.atomic_write_bytes``' temporary file)."""
_STAGING_RE = re.compile(r"^\.staging-(\d+)-([0-9a-f]{16})(\.owner)?$")
RESUME_DIR = ".resume"
"""An unfinished streaming build's files and checkpoint (:mod:`nlrec.index.milvus_build`)."""


def generation_dir_name(n: int) -> str:
    return f"gen-{n:06d}"


@dataclass(frozen=True)
class Pointer:
    """The content of ``CURRENT``: which generation is current, and its manifest's SHA-256."""

    generation: int
    directory: str
    manifest_sha256: str


def read_pointer(root: Path) -> Pointer | None:
    """The pointer of the index at ``root``; None when there is none.

    Raises:
        IndexFileError: when ``CURRENT`` exists but is not a valid pointer.
    """
    try:
        raw = json.loads((root / POINTER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise IndexFileError(f"index {root.name!r}: unreadable {POINTER} ({type(e).__name__}); rebuild it") from None
    ok = (isinstance(raw, dict) and raw.get("kind") == POINTER_KIND
          and isinstance(raw.get("generation"), int) and not isinstance(raw.get("generation"), bool)
          and raw.get("directory") == generation_dir_name(raw.get("generation", -1) if isinstance(raw.get("generation"), int) else -1)
          and isinstance(raw.get("manifest_sha256"), str) and len(raw["manifest_sha256"]) == 64)
    if not ok:
        raise IndexFileError(f"index {root.name!r}: {POINTER} is not a valid nlrec pointer; rebuild it")
    return Pointer(raw["generation"], raw["directory"], raw["manifest_sha256"])


def write_pointer(root: Path, pointer: Pointer) -> None:
    """Replace ``CURRENT`` atomically (readers see the old or the new pointer, never half)."""
    from nlrec.io import atomic_write_text, fsync_dir

    atomic_write_text(root / POINTER, json.dumps({
        "kind": POINTER_KIND, "generation": pointer.generation,
        "directory": pointer.directory, "manifest_sha256": pointer.manifest_sha256,
    }) + "\n")
    fsync_dir(root)


# ------------------------------------------------------------------------------ readers
@dataclass
class GenerationLease:
    """One generation of an index held open by a reader: it is not deleted before :meth:`close`."""

    root: Path
    pointer: Pointer
    lease: SharedLease

    @property
    def path(self) -> Path:
        return self.root / self.pointer.directory

    @property
    def generation(self) -> int:
        return self.pointer.generation

    def close(self) -> None:
        self.lease.close()


def open_generation(root: Path, *, attempts: int = 100) -> GenerationLease | None:
    """Hold the current generation of the index at ``root``; None if it has no pointer.

    Raises:
        IndexFileError: if the pointer is malformed or names a generation that never appears.
    """
    for _ in range(attempts):
        pointer = read_pointer(root)
        if pointer is None:
            return None
        lock = root / f"{pointer.directory}.lock"
        refuse_symlink(root / pointer.directory, f"generation folder of index {root.name!r}")
        lease = SharedLease.acquire(lock)
        if lease is not None:
            if (root / pointer.directory).is_dir():
                return GenerationLease(root, pointer, lease)
            lease.close()
        elif (root / pointer.directory).is_dir() and read_pointer(root) == pointer:
            try:  # a copied index without its lock files: recreate them (never through a link)
                touch_nofollow(lock, what=f"generation lock file of index {root.name!r}")
                continue
            except SymlinkRefused:
                raise
            except NlrecError:  # read-only: nobody can delete the generation under us either
                return GenerationLease(root, pointer, SharedLease.unlocked())
        if read_pointer(root) == pointer:  # not superseded: the pointer names a missing generation
            raise IndexFileError(
                f"index {root.name!r} is corrupted: {POINTER} names {pointer.directory}, which is missing; rebuild it"
            )
    raise IndexFileError(f"index {root.name!r} is being rebuilt too often to be opened; try again")


def current_generation(root: Path) -> int | None:
    """The generation ``CURRENT`` names now (cheap: one small read), or None."""
    pointer = read_pointer(root)
    return pointer.generation if pointer else None


# ------------------------------------------------------------------------------ ownership
def _layout_name(n: str) -> bool:
    return bool(n in (POINTER, WRITER_LOCK, OWNER_MARKER, RESUME_DIR) or _GEN_RE.match(n)
                or _GEN_LOCK_RE.match(n) or _STAGING_RE.match(n) or _TMP_RE.match(n))


def generation_entries(root: Path) -> list[str]:
    """Entries of ``root`` that are not part of the generation layout (empty = ours).

    Raises:
        SymlinkRefused: an entry of the layout (a generation, a lock file, ``CURRENT``) is a
            symbolic link.
    """
    foreign = []
    for p in root.iterdir():
        n = p.name
        if _layout_name(n):
            refuse_symlink(p, f"{n} of index {root.name!r}")
        if n in (POINTER, WRITER_LOCK, OWNER_MARKER) or _GEN_LOCK_RE.match(n) or _STAGING_RE.match(n) or \
                _TMP_RE.match(n) or \
                (n == RESUME_DIR and (p / "state.json").is_file()):
            continue
        if _GEN_RE.match(n) and (p.is_dir() or not os.path.lexists(p)):  # or collected meanwhile
            continue
        foreign.append(n)
    return foreign


def read_owner(root: Path) -> dict[str, Any] | None:
    """The ownership marker of the index folder ``root`` (None when absent or not nlrec's)."""
    from nlrec.safefs import open_nofollow

    try:
        fd = open_nofollow(root / OWNER_MARKER, os.O_RDONLY, what="ownership marker")
    except (OSError, NlrecError):
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            raw = json.loads(f.read(4096).decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    ok = isinstance(raw, dict) and raw.get("kind") == OWNER_KIND and isinstance(raw.get("id"), str)
    return raw if ok else None


def claim_folder(root: Path) -> dict[str, Any]:
    """Write the ownership marker of an index folder nlrec created or proved its own (idempotent);
    returns it. Its ``id`` is this index's identity (a copy of the folder carries it too, which is
    why Milvus ownership also records the folder's real path)."""
    from nlrec.io import atomic_write_text

    owner = read_owner(root)
    if owner is None:
        import uuid

        owner = {"kind": OWNER_KIND, "id": uuid.uuid4().hex}
        atomic_write_text(root / OWNER_MARKER, json.dumps(owner) + "\n")
    return owner


def check_replaceable(root: Path) -> str:
    """What ``root`` is, refusing anything nlrec cannot prove it made.

    Returns:
        ``"missing"``, ``"generations"`` (a generation layout, possibly empty) or ``"legacy"``
        (a verified format-1 index directory).

    Raises:
        NlrecError: when ``root`` exists and is not verifiably an nlrec index.
    """
    if not root.exists() and not root.is_symlink():
        return "missing"
    if root.is_symlink() or not root.is_dir():
        raise NlrecError(f"{root} exists and is not an nlrec index; refusing to replace or remove it")
    try:
        foreign = generation_entries(root)
    except PermissionError:
        raise NlrecError(f"cannot read {root}: permission denied") from None
    pointer = read_pointer(root) if (root / POINTER).exists() else None  # a malformed pointer is refused
    if not foreign:
        names = [p.name for p in root.iterdir() if p.name != WRITER_LOCK and not _TMP_RE.match(p.name)]
        if not names or pointer is not None or read_owner(root) is not None:
            return "generations"
        raise NlrecError(
            f"{root} has the shape of an nlrec index ({', '.join(sorted(names)[:3])}) but no nlrec pointer "
            f"or {OWNER_MARKER} marker; refusing to replace or remove it"
        )
    from nlrec.index.legacy import legacy_files

    if legacy_files(root) is not None and not (root / POINTER).exists():
        return "legacy"
    raise NlrecError(
        f"{root} exists and is not an nlrec index (it holds {', '.join(sorted(foreign)[:3])}); "
        "refusing to replace or remove it"
    )


# ------------------------------------------------------------------------------ writers
class GenerationWriter:
    """The one writer of an index directory: lock, stage, commit, collect old generations.

    Example::

        with GenerationWriter(root) as w:
            staging = w.stage()
            ...write the files and a manifest recording w.next_generation...
            w.commit(staging)

    Everything inside the ``with`` block runs under the index's exclusive lock, so a writer that
    reads the current generation (``w.current``) to derive the next one never loses another
    writer's change. A staging directory that is not committed is removed on exit.
    """

    def __init__(self, root: Path, *, timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.root = Path(root)
        self.timeout = timeout
        self.on_wait = on_wait
        self.kind = ""
        self.current: Pointer | None = None
        self._lock: Any = None
        self._staged: list[Path] = []
        self.owner: dict[str, Any] | None = None

    def __enter__(self) -> GenerationWriter:
        from nlrec.paths import ensure_dir

        check_replaceable(self.root)
        ensure_dir(self.root, "index directory")
        self._lock = exclusive_lock(self.root / WRITER_LOCK, f"index {self.root.name!r}",
                                    timeout=self.timeout, on_wait=self.on_wait)
        self._lock.__enter__()
        try:
            self.kind = check_replaceable(self.root)  # re-read under the lock
            self.current = read_pointer(self.root)
            if self.kind == "generations":
                self.owner = claim_folder(self.root)
            self.collect()
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            for p in self._staged:
                _remove_staging(p)
        finally:
            self._lock.__exit__(*exc)

    @property
    def next_generation(self) -> int:
        """The number the next commit will get (one more than any generation ever on disk)."""
        seen = [self.current.generation] if self.current else []
        for p in self.root.iterdir():
            m = _GEN_RE.match(p.name) or _GEN_LOCK_RE.match(p.name)
            if m:
                seen.append(int(m.group(1)))
        return max(seen, default=0) + 1

    def stage(self) -> Path:
        """A new, empty staging directory inside the index directory, marked as nlrec's."""
        token = secrets.token_hex(8)
        path = self.root / f".staging-{os.getpid()}-{token}"
        (self.root / f"{path.name}.owner").write_text(f"{os.getpid()} {token}\n", encoding="ascii")
        path.mkdir()
        self._staged.append(path)
        return path

    def commit(self, staging: Path) -> Pointer:
        """Make ``staging`` (holding a complete ``manifest.json``) the current generation."""
        from nlrec.index.manifest import MANIFEST
        from nlrec.io import fsync_dir, sha256_file

        n = self.next_generation
        manifest_sha = sha256_file(staging / MANIFEST)
        name = generation_dir_name(n)
        lock = self.root / f"{name}.lock"
        touch_nofollow(lock, what=f"generation lock file of index {self.root.name!r}")
        os.rename(staging, self.root / name)
        self._staged.remove(staging)
        (self.root / f"{staging.name}.owner").unlink(missing_ok=True)
        fsync_dir(self.root)
        pointer = Pointer(n, name, manifest_sha)
        write_pointer(self.root, pointer)
        self.current = pointer
        if self.kind == "legacy":
            from nlrec.index.legacy import remove_legacy

            remove_legacy(self.root)
            self.kind = "generations"
            self.owner = claim_folder(self.root)
        self.collect()
        return pointer

    def retire(self) -> None:
        """Remove the index: new readers no longer find it; held generations go when released."""
        (self.root / POINTER).unlink(missing_ok=True)
        self.current = None
        if self.kind == "legacy":
            from nlrec.index.legacy import remove_legacy

            remove_legacy(self.root)
            self.kind = "generations"
        self.collect()

    def collect(self) -> list[str]:
        """Delete generations other than the current one that no reader holds, and staging left
        by dead writers (under our lock, any staging is a leftover). Returns what is still held."""
        current = self.current.directory if self.current else None
        held = []
        for p in sorted(self.root.iterdir()):
            m = _GEN_RE.match(p.name)
            if m and p.name != current and (p.is_dir() or p.is_symlink()):
                refuse_symlink(p, f"generation folder of index {self.root.name!r}")  # never followed
                lock = self.root / f"{p.name}.lock"
                touch_nofollow(lock, what=f"generation lock file of index {self.root.name!r}")
                fd = try_exclusive(lock)
                if fd is None:
                    held.append(p.name)
                    continue
                try:
                    remove_tree(p, f"generation folder of index {self.root.name!r}")
                    remove_file(lock)
                finally:
                    os.close(fd)
            elif _GEN_LOCK_RE.match(p.name) and not (self.root / p.name[: -len(".lock")]).is_dir():
                remove_file(p)
            elif _TMP_RE.match(p.name) and not p.is_symlink():  # left by a killed writer (we hold the lock)
                remove_file(p)
            elif p.name.startswith(".staging-") and not p.name.endswith(".owner") and p not in self._staged:
                _remove_staging(p)
        return held


def _remove_staging(path: Path) -> None:
    """Remove a staging directory, only if its sibling ``.owner`` marker proves nlrec made it."""
    m = _STAGING_RE.match(path.name)
    marker = path.parent / f"{path.name}.owner"
    try:
        owner = marker.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return
    if not m or owner != [m.group(1), m.group(2)]:
        return
    if path.is_symlink():
        return  # never followed; left for a person to look at
    shutil.rmtree(path, ignore_errors=True)
    remove_file(marker)

