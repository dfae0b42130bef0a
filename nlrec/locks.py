"""Advisory file locks (``fcntl.flock``): one writer at a time for shared state on disk.

Indexes and profiles are read-modify-written by separate processes (two terminals, a server and a
cron job). :func:`exclusive_lock` serialises writers of one object; it is re-entrant within a
thread (a writer may call another function that takes the same lock) and waits at most
``NLREC_LOCK_TIMEOUT`` seconds (default 1 hour) before failing with a one-line
:class:`LockTimeout`. Readers never take these locks: they see whole generations instead
(:mod:`nlrec.index.generations`).
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from nlrec.errors import NlrecError
from nlrec.safefs import open_nofollow

DEFAULT_TIMEOUT = 3600.0
POLL_SECONDS = 0.02


class LockTimeout(NlrecError):
    """Another process held a lock longer than we were willing to wait."""


def lock_timeout() -> float:
    """``NLREC_LOCK_TIMEOUT`` seconds (default 3600); 0 means fail at once when held."""
    raw = os.environ.get("NLREC_LOCK_TIMEOUT", "")
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        raise NlrecError(f"NLREC_LOCK_TIMEOUT must be a number of seconds, got {raw!r}") from None
    if value != value:  # NaN
        raise NlrecError(f"NLREC_LOCK_TIMEOUT must be a number of seconds, got {raw!r}")
    # 'inf' or 1e308 mean "wait for ever": the longest wait threading accepts (about 136 years)
    return min(max(0.0, value), threading.TIMEOUT_MAX)


_state = threading.local()
_process_locks: dict[str, threading.Lock] = {}
_process_guard = threading.Lock()


def _thread_lock(key: str) -> threading.Lock:
    with _process_guard:
        return _process_locks.setdefault(key, threading.Lock())


def _holder(path: Path) -> str:
    try:
        fd = open_nofollow(path, os.O_RDONLY)
    except (OSError, NlrecError):
        return ""
    try:
        pid = os.read(fd, 32).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    finally:
        os.close(fd)
    return f" (held by process {pid})" if pid.isdigit() else ""


def _try_flock(fd: int, mode: int) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise


@contextmanager
def exclusive_lock(path: str | os.PathLike, what: str, *, timeout: float | None = None,
                   on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block.

    The lock file must stay linked while held: if another writer removed it (``nlrec index rm``)
    between our open and our lock, we lock the new file instead.

    Args:
        path: the lock file.
        what: what is locked, for messages (``"index 'x'"``).
        timeout: seconds to wait (default :func:`lock_timeout`).
        on_wait: called once with a message when we have to wait.

    Raises:
        LockTimeout: when the lock is still held after ``timeout`` seconds.
    """
    import fcntl

    path = Path(path)
    key = os.path.abspath(path)
    held: dict[str, int] = getattr(_state, "held", None) or {}
    _state.held = held
    if key in held:  # re-entrant within a thread
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    timeout = lock_timeout() if timeout is None else min(max(0.0, timeout), threading.TIMEOUT_MAX)
    deadline = time.monotonic() + timeout
    tlock = _thread_lock(key)
    if not (tlock.acquire(timeout=timeout) if timeout > 0 else tlock.acquire(blocking=False)):
        raise LockTimeout(f"{what} is being changed by another thread; gave up after {timeout:g} s")
    fd = -1
    try:
        warned = False
        while True:
            try:  # never through a symbolic link (nlrec.safefs): a link is refused in one line
                fd = open_nofollow(path, os.O_RDWR | os.O_CREAT, 0o666, what=f"lock file of {what}")
            except FileNotFoundError:  # the directory was removed while we waited: recreate it
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise NlrecError(f"cannot create {path.parent}: {e.strerror or e}") from None
                continue
            if _try_flock(fd, fcntl.LOCK_EX):
                try:
                    same = os.fstat(fd).st_ino == os.lstat(path).st_ino
                except FileNotFoundError:
                    same = False
                if same:
                    break
            os.close(fd)
            fd = -1
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"{what} is being changed by another nlrec process{_holder(path)}; gave up after "
                    f"{timeout:g} s (set NLREC_LOCK_TIMEOUT to wait longer)"
                )
            if on_wait and not warned:
                on_wait(f"waiting for another nlrec process changing {what}{_holder(path)}...")
                warned = True
            time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        held[key] = 1
        try:
            yield
        finally:
            del held[key]
    finally:
        if fd >= 0:
            os.close(fd)  # releases the flock
        tlock.release()


class SharedLease:
    """A shared ``flock`` held on an open file until :meth:`close` (or garbage collection).

    A writer that wants to delete what the lease protects must first get an exclusive lock on the
    same file, which it cannot while any lease is open.
    """

    def __init__(self, fd: int | None) -> None:
        import weakref

        self._fd = fd
        self._finalizer = weakref.finalize(self, os.close, fd) if fd is not None else None

    @classmethod
    def unlocked(cls) -> SharedLease:
        """A lease that holds nothing (for a read-only directory nobody can change)."""
        return cls(None)

    @classmethod
    def acquire(cls, path: str | os.PathLike) -> SharedLease | None:
        """A lease on the existing file ``path``; None if it does not exist."""
        import fcntl

        try:
            fd = open_nofollow(path, os.O_RDONLY, what="generation lock file")
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # a writer holds it exclusively only while deleting
            if os.fstat(fd).st_nlink == 0:
                os.close(fd)
                return None
        except BaseException:
            os.close(fd)
            raise
        return cls(fd)

    @property
    def closed(self) -> bool:
        return self._finalizer is None or not self._finalizer.alive

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()


def try_exclusive(path: str | os.PathLike) -> int | None:
    """An fd holding an exclusive lock on existing ``path`` if nobody holds it, else None."""
    import fcntl

    try:
        fd = open_nofollow(path, os.O_RDWR, what="generation lock file")
    except FileNotFoundError:
        return None
    if _try_flock(fd, fcntl.LOCK_EX):
        return fd
    os.close(fd)
    return None
