"""The writer process: track upserts and removals in one process of lower CPU priority.

A write builds a whole new generation of the index (seconds at 100k tracks), mostly in Python.
Run in the HTTP process, it would hold Python's lock against every request that process handles
and take its share of the cores from the searches. With ``nlrec serve --workers N`` (N > 1) it runs
in one spawned process instead, niced by :data:`NICENESS`, so that while a write and searches both
want the CPU the searches get it first (writes take longer; reads keep their latency).

There is still one writer: the HTTP process sends writes one at a time to this one process, which
updates the newest generation under the index's writer lock (as ``nlrec index add`` in a shell
would, and waiting for it if it runs). When the write is committed, the HTTP process switches to
the new generation and waits until every search process serves it before it answers, so the next
request reads the write, whichever process runs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nlrec.server.pool import RemoteError

NICENESS = 5
"""How much lower the writer's CPU priority is than the server's."""

_STATE: Any = None  # in the writer process: its ServerState


def _start(index: str, home: str | None, niceness: int) -> None:
    global _STATE
    if niceness:
        os.nice(niceness)
    from nlrec.server.threads import limit_native_threads

    limit_native_threads(1)
    from nlrec.index import Index
    from nlrec.server.state import ServerState

    _STATE = ServerState(Index.open(index, home=Path(home) if home else None))
    if _STATE.index.backend == "local":
        _STATE.index.encoder()  # loaded now, not at the first write


def _update(upsert: list[dict[str, Any]], remove: list[str]) -> tuple[str, Any]:
    from nlrec.errors import NlrecError
    from nlrec.server.errors import status_of

    try:
        _STATE.follow(wait=True)
        return "ok", _STATE.update(upsert=upsert, remove=remove)
    except NlrecError as e:
        return "error", (status_of(e), str(e))
    except Exception as e:  # noqa: BLE001 - a 500 without a stack trace, as in the HTTP process
        return "error", (500, f"internal error ({type(e).__name__})")


def _pid() -> int:
    return os.getpid()


class WriterProcess:
    """One spawned process, niced by ``niceness``, that applies the server's writes."""

    def __init__(self, index: str, *, home: Path | None = None, niceness: int = NICENESS) -> None:
        self._initargs = (index, str(home) if home else None, niceness)
        self._executor = self._new()
        self._pid: int | None = None

    def _new(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                                   initargs=self._initargs)

    def start(self) -> None:
        """Start the process now, in the background (it loads the encoder), not at the first write."""
        import threading

        threading.Thread(target=lambda: self.pid, name="nlrec-writer-start", daemon=True).start()

    @property
    def pid(self) -> int:
        """The writer process's id (starts it if it is not running yet)."""
        if self._pid is None:
            self._pid = self._executor.submit(_pid).result()
        return self._pid

    def update(self, upsert: list[dict[str, Any]], remove: list[str]) -> dict[str, Any]:
        """Apply one update (as :meth:`ServerState.update`) and return its report.

        Raises:
            RemoteError: the update's own error, with its status.
        """
        from concurrent.futures.process import BrokenProcessPool

        try:
            kind, value = self._executor.submit(_update, upsert, remove).result()
        except BrokenProcessPool:
            self._restart()
            raise RemoteError("the writer process stopped during this write; check whether it was applied (GET /tracks/{id}) and send it again", 503) from None
        if kind == "ok":
            return value
        status, message = value
        raise RemoteError(message, status)

    def _restart(self) -> None:
        old, self._executor = self._executor, self._new()
        self._pid = None
        old.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
