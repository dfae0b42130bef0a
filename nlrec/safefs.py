"""The symlink policy, in one place: nlrec never follows a symbolic link inside its own folders.

nlrec's lock files, generation folders and their lock files are created, opened and deleted only
through these functions:

* :func:`open_nofollow` / :func:`touch_nofollow` open (or create) a file with ``O_NOFOLLOW``, so a
  lock file replaced by a link to ``~/notes.txt`` is refused instead of truncated, and a dangling
  link is never created through;
* :func:`remove_tree` / :func:`remove_file` never follow a link when deleting: a link where nlrec
  expects its own folder or file is refused with a one-line error (and left alone);
* :func:`refuse_symlink` is the check itself, for callers that only look.

A refusal is a :class:`SymlinkRefused` (an :class:`~nlrec.errors.NlrecError`): one line, naming the
link and what it points to, saying to remove it.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from nlrec.errors import NlrecError


class SymlinkRefused(NlrecError):
    """A symbolic link where nlrec expects a file or folder of its own."""


def _target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def refuse_symlink(path: str | os.PathLike, what: str = "file") -> None:
    """Raise :class:`SymlinkRefused` if ``path`` itself is a symbolic link (dangling or not)."""
    path = Path(path)
    if path.is_symlink():
        raise SymlinkRefused(
            f"{what} {path} is a symbolic link (to {_target(path)}); nlrec never follows links in its "
            "own folders: remove the link"
        )


def open_nofollow(path: str | os.PathLike, flags: int, mode: int = 0o666, *, what: str = "lock file") -> int:
    """``os.open(path, flags | O_NOFOLLOW)``, refusing a symbolic link with a one-line error.

    Raises:
        SymlinkRefused: ``path`` is a symbolic link.
        NlrecError: no permission (e.g. a read-only ``NLREC_HOME``) or another OS error.
        FileNotFoundError: the file (without ``O_CREAT``) or its folder is missing (callers decide).
    """
    path = Path(path)
    try:
        return os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode)
    except FileNotFoundError:
        raise
    except OSError as e:
        if e.errno == errno.ELOOP or path.is_symlink():
            refuse_symlink(path, what)
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise NlrecError(f"cannot open {what} {path}: {e.strerror} (nlrec needs write access to "
                             f"{path.parent})") from None
        raise NlrecError(f"cannot open {what} {path}: {e.strerror or e}") from None


def touch_nofollow(path: str | os.PathLike, *, what: str = "lock file") -> None:
    """Create ``path`` if missing (never through a symbolic link)."""
    os.close(open_nofollow(path, os.O_WRONLY | os.O_CREAT, what=what))


def remove_file(path: str | os.PathLike) -> None:
    """Unlink ``path`` if present; a link is removed itself, never what it points to."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def remove_tree(path: str | os.PathLike, what: str = "folder") -> None:
    """Delete the folder ``path`` and everything in it, never following a link.

    A link *inside* the folder is unlinked, not followed (``shutil.rmtree``'s fd-based walk); a
    link *at* ``path`` is refused, so nothing outside nlrec's folder is ever deleted.

    Raises:
        SymlinkRefused: ``path`` is a symbolic link.
        NlrecError: it cannot be deleted (one line).
    """
    path = Path(path)
    refuse_symlink(path, what)
    if not path.exists():
        return
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        raise NlrecError(f"cannot delete {what} {path}: {e.strerror or e}") from None
