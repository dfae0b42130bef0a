"""Search processes: the CPU-heavy routes run in ``N`` processes behind the one HTTP process.

Python runs one thread of Python code at a time in a process, and most of a search is Python
(understanding the request, judging negations, building hits), so threads in one process do not
use a second core (measured: two threads searching at once served no more than one). ``nlrec
serve --workers N`` therefore starts ``N`` search processes, each holding the served index (its
files are shared through the page cache, the ONNX weights are memory-mapped). The HTTP process
reads and validates each request, then queues ``/search`` and ``/similar`` to the first free
search process, so two requests at once always run on two cores (connections spread over
server processes by the kernel can both land on one of them).

There is one writer (:mod:`nlrec.server.writer`). A search process follows new generations in a
background thread (:meth:`~nlrec.server.state.ServerState.follow_in_background`): it opens and
warms each one beside the generation it serves, then switches, so no request waits while a
generation opens, and records the generation it serves in shared memory; a write is answered once
every search process serves it (:meth:`SearchPool.wait_for`). A search holds the generation it
started on until it ends. Errors keep their status: a search process sends back the status and message of
the error, never the object (a class that cannot be rebuilt would break the pool).

Until the processes are up (each opens and warms the index, a few seconds) and if they fail,
requests are served in the HTTP process, exactly as with one worker.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from nlrec.server.errors import ApiError

_STATE: Any = None  # in a search process: its ServerState
RESTARTS = 3
"""How many times the search processes are started again after they stopped."""


class RemoteError(ApiError):
    """An error raised in a search process, with its status and message."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message)
        self.status = status


def _start(index: str, home: str | None, threads: int, slots: Any, generations: Any) -> None:
    """Initialise one search process: its native threads, the index, the warm-up, and a thread
    that follows new generations (recording each one in ``generations[slot]``)."""
    global _STATE
    from nlrec.server.threads import limit_native_threads

    limit_native_threads(threads)
    from nlrec.index import Index
    from nlrec.server.state import ServerState

    _STATE = ServerState(Index.open(index, home=Path(home) if home else None))
    _STATE.warm()
    with slots.get_lock():
        slot = slots.value
        slots.value += 1

    def record(generation: int | None) -> None:
        generations[slot] = -1 if generation is None else generation

    record(_STATE.index.generation)
    _STATE.follow_in_background(record)


def _pid(pause: float) -> int:
    time.sleep(pause)  # holds this process a moment, so that the next probe reaches another
    return os.getpid()


def _call(route: str, payload: dict[str, Any]) -> tuple[str, Any]:
    """Run one route in this search process: ``("ok", the answer as JSON text, by the route's
    response model)`` or ``("error", (status, message))``. Serialising here, not in the HTTP
    process, keeps the one process every request passes through light."""
    from nlrec.errors import NlrecError
    from nlrec.server.errors import status_of

    state = _STATE
    snap = state.acquire()
    try:
        if route == "search":
            from nlrec.server.models import SearchBody, SearchOut
            from nlrec.server.searching import run_search

            answer = SearchOut.model_validate(run_search(snap, SearchBody.model_validate(payload)))
            return "ok", answer.model_dump_json(by_alias=True)
        if route == "similar":
            from nlrec.server.models import SimilarOut
            from nlrec.server.searching import run_similar

            return "ok", SimilarOut.model_validate(run_similar(snap, payload["id"], payload["k"])).model_dump_json(
                by_alias=True)
        return "error", (500, f"internal error (no route {route!r} in a search process)")
    except NlrecError as e:
        return "error", (status_of(e), str(e))
    except Exception as e:  # noqa: BLE001 - answered as a 500 without a stack trace, as in the HTTP process
        return "error", (500, f"internal error ({type(e).__name__})")
    finally:
        state.release(snap)


class SearchPool:
    """``processes`` search processes over the index ``index`` (see the module docstring)."""

    def __init__(self, index: str, *, processes: int, home: Path | None = None, threads: int = 1) -> None:
        self.index = index
        self.processes = processes
        self.home = home
        self.threads = threads
        self.pids: list[int] = []
        self._executor: Any = None
        self._ready = threading.Event()
        self._closed = threading.Event()
        self._failed = threading.Event()
        self._thread: threading.Thread | None = None
        self._restart_lock = threading.Lock()
        self.restarts = 0
        self._generations: Any = None  # the generation each search process serves

    @property
    def failed(self) -> bool:
        """Whether the processes could not start or stopped (the server searches alone)."""
        return self._failed.is_set()

    @property
    def ready(self) -> bool:
        """Whether searches go to the search processes (False while they start, after a failure)."""
        return self._ready.is_set()

    def start(self, after: threading.Thread | None = None, timeout: float = 1800.0) -> threading.Thread:
        """Start the processes in a background thread, once ``after`` (the HTTP process's warm-up,
        which caches the descriptor vectors they then load) has ended."""

        def run() -> None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            if after is not None:
                after.join()
            if self._closed.is_set():
                return
            # spawn, not fork: the HTTP process already runs threads (ONNX, the thread pool)
            ctx = multiprocessing.get_context("spawn")
            slots = ctx.Value("i", 0)
            self._generations = ctx.Array("q", [-2] * self.processes, lock=False)
            ex = ProcessPoolExecutor(self.processes, mp_context=ctx, initializer=_start,
                                     initargs=(self.index, str(self.home) if self.home else None, self.threads,
                                               slots, self._generations))
            self._executor = ex
            try:
                deadline = time.monotonic() + timeout
                pids: set[int] = set()
                while len(pids) < self.processes and time.monotonic() < deadline and not self._closed.is_set():
                    futures = [ex.submit(_pid, 0.05) for _ in range(self.processes)]
                    pids |= {f.result() for f in futures}
            except Exception as e:  # noqa: BLE001 - the HTTP process goes on serving alone
                warnings.warn(f"the search processes did not start ({type(e).__name__}: {e}); "
                              "searching in the server process", stacklevel=1)
                self._failed.set()
                self.close()
                return
            if len(pids) == self.processes and not self._closed.is_set():
                self.pids = sorted(pids)
                self._ready.set()

        self._thread = threading.Thread(target=run, name="nlrec-search-pool", daemon=True)
        self._thread.start()
        return self._thread

    def call(self, route: str, payload: dict[str, Any]) -> str:
        """Run ``route`` with ``payload`` in the first free search process and return its answer
        (JSON text, as the route's response model writes it).

        Raises:
            RemoteError: the search's own error, with its status.
            PoolDown: the processes are gone (the caller serves the request itself).
        """
        from concurrent.futures import TimeoutError as FutureTimeout
        from concurrent.futures.process import BrokenProcessPool

        from nlrec.limits import LIMITS
        from nlrec.server.errors import OverBudget

        executor = self._executor
        if executor is None:
            raise PoolDown("the search processes are starting")
        try:
            future = executor.submit(_call, route, payload)
        except (BrokenProcessPool, RuntimeError) as e:
            raise self._down(e) from None
        try:  # waiting for a free process counts too: a queue never holds a request forever
            kind, value = future.result(timeout=2 * LIMITS.seconds)
        except FutureTimeout:
            future.cancel()
            raise OverBudget(f"every search process is busy (waited {2 * LIMITS.seconds:g} s); try again") from None
        except (BrokenProcessPool, RuntimeError) as e:  # a process died, or the pool was shut down
            raise self._down(e) from None
        if kind == "ok":
            return value
        status, message = value
        raise RemoteError(message, status)

    def wait_for(self, generation: int, timeout: float = 120.0) -> bool:
        """Wait until every search process serves ``generation`` (or a newer one): a write is
        answered only then, so the next search finds it whichever process runs it. False when
        the processes are not up or did not get there within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.ready and time.monotonic() < deadline:
            generations = self._generations
            if generations is not None and all(g >= generation or g == -1 for g in generations):
                return True
            time.sleep(0.01)
        return False

    def _down(self, e: BaseException) -> PoolDown:
        """The processes stopped (one was killed, or ran out of memory): serve here, and start new
        ones (at most :data:`RESTARTS` times in a server's life, so a crash at start does not loop)."""
        with self._restart_lock:
            if self._ready.is_set():
                self._ready.clear()
                restart = self.restarts < RESTARTS and not self._closed.is_set()
                warnings.warn(f"the search processes stopped ({type(e).__name__}); searching in the server "
                              f"process{', starting new ones' if restart else ''}", stacklevel=2)
                old, self._executor = self._executor, None
                if old is not None:
                    old.shutdown(wait=False, cancel_futures=True)
                if restart:
                    self.restarts += 1
                    self.start()
                else:
                    self._failed.set()
        return PoolDown(str(e))

    def close(self) -> None:
        """Stop the processes (at server shutdown)."""
        self._closed.set()
        self._ready.clear()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        self._generations = None  # the shared memory goes with its last reference


class PoolDown(Exception):
    """The search processes cannot answer; the request is served in the HTTP process."""
