"""Removing what nlrec made: a whole index, and old generations once their last reader is gone.

Both run under the index's writer lock (:class:`~nlrec.index.generations.GenerationWriter`) and
delete only what the generation layout proves is nlrec's, never through a symbolic link
(:mod:`nlrec.safefs`).
"""

from __future__ import annotations

from pathlib import Path

from nlrec.errors import IndexFileError, NlrecError
from nlrec.index.generations import (
    OWNER_MARKER,
    POINTER,
    RESUME_DIR,
    WRITER_LOCK,
    GenerationWriter,
    read_owner,
)
from nlrec.safefs import remove_file, remove_tree


def remove_index_dir(root: Path, *, timeout: float | None = None) -> list[str]:
    """Retire the index at ``root`` and remove its directory once nothing is held.

    Returns:
        The generations still held by readers (left for the next writer to collect).
    """
    with GenerationWriter(root, timeout=timeout) as w:
        if w.current is None and w.kind != "legacy":
            raise IndexFileError(f"no index named {root.name!r} in {root.parent}")
        w.retire()
        held = w.collect()
        resume = root / RESUME_DIR
        if resume.is_dir() and (resume / "state.json").is_file():
            remove_tree(resume, f"unfinished build of index {root.name!r}")
        leftovers = [p for p in root.iterdir() if p.name not in (WRITER_LOCK, OWNER_MARKER)]
        if not held and not leftovers:
            remove_file(root / OWNER_MARKER)
            remove_file(root / WRITER_LOCK)  # a waiting writer re-checks the inode
            try:
                root.rmdir()
            except OSError:
                pass
    return held


def collect_if_idle(root: Path) -> None:
    """Called by a reader closing a superseded generation: if no writer is busy, delete the old
    generations nobody holds any more (the writer that superseded it could not while we held it),
    and the folder itself if the index was removed meanwhile. Never waits, never fails."""
    from nlrec.locks import LockTimeout

    try:
        if not (root / POINTER).exists() and read_owner(root) is None:
            return
        with GenerationWriter(root, timeout=0) as w:
            if w.current is None:  # removed (nlrec index rm) while we held a generation
                held = w.collect()
                leftovers = [p for p in root.iterdir() if p.name not in (WRITER_LOCK, OWNER_MARKER)]
                if not held and not leftovers:
                    remove_file(root / OWNER_MARKER)
                    remove_file(root / WRITER_LOCK)
                    try:
                        root.rmdir()
                    except OSError:
                        pass
    except (LockTimeout, NlrecError, OSError):
        pass
