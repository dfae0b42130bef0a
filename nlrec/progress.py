"""Progress reporting: the callback type long work accepts, the one counter that drives it, and
the plain-line display for logs (:class:`LineProgress`; the terminal bar is ``nlrec.cli.ui.progress``).

Example:
    >>> seen = []
    >>> tick = counter(lambda *a: seen.append(a), "embedding", 5)
    >>> tick(2); tick(3)
    >>> seen
    [('embedding', 2, 5), ('embedding', 5, 5)]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TextIO

ProgressCallback = Callable[[str, int, int], None]
"""``(stage, done, total)``, called as work advances."""


def counter(progress: ProgressCallback | None, stage: str, total: int) -> Callable[[int], None]:
    """A ``tick(n)`` that adds ``n`` to what is done and reports ``(stage, done, total)``; it does
    nothing without ``progress``."""
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(stage, done, total)

    return tick


def line_progress_wanted() -> bool:
    """Whether long work should print periodic progress lines: stderr is a file or a pipe (a log,
    CI), not a terminal, and ``NLREC_PROGRESS`` is not ``off``."""
    if os.environ.get("NLREC_PROGRESS", "").strip().lower() in ("off", "0", "no", "false"):
        return False
    try:
        return not sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds // 60 % 60:02d} min"


class LineProgress:
    """Progress for a log file: one plain line on stderr every ``interval`` seconds.

    Called as ``update(stage, done, total)`` like the progress bar. A line reads
    ``index musiccaps: embedding 1,536/5,521 (28%), 41.2/s, ETA 1 min 37 s, 40 s elapsed``; a
    step that calls nothing for a while (an export, a FAISS build) still gets a line each
    interval, from a watcher thread. Nothing is printed for work shorter than one interval, and
    a closing line only when something was printed before.

    Args:
        description: what is being done (``index musiccaps``).
        interval: seconds between lines; default ``NLREC_PROGRESS_INTERVAL`` or 10.
        stream: where to write (default: stderr at the time of writing).
        clock: a monotonic clock (tests pass their own).
        watch: start the watcher thread.
    """

    def __init__(self, description: str, *, interval: float | None = None, stream: TextIO | None = None,
                 clock: Callable[[], float] | None = None, watch: bool = True) -> None:
        import threading
        import time

        if interval is None:
            try:
                interval = float(os.environ.get("NLREC_PROGRESS_INTERVAL") or 10.0)
            except ValueError:
                interval = 10.0
        self.description = description
        self.interval = max(0.0, interval)
        self.stream = stream
        self.clock = clock or time.monotonic
        self.start = self.last = self.clock()
        self.stage: str | None = None
        self.stage_start = self.start
        self.stage_done0 = 0
        self.done = 0
        self.total = 0
        self.lines = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        if watch and self.interval > 0:
            self._thread = threading.Thread(target=self._watch, name="nlrec-progress", daemon=True)
            self._thread.start()

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            now = self.clock()
            if stage != self.stage:
                self.stage, self.stage_start, self.stage_done0 = stage, now, done
            self.done, self.total = int(done), int(total)
            if now - self.last >= self.interval:
                self._emit(now)

    def line(self, now: float | None = None) -> str:
        """The current state as one line."""
        now = self.clock() if now is None else now
        parts = [f"{self.description}: {self.stage or 'starting'}"]
        if self.total > 1:
            parts[0] += f" {self.done:,}/{self.total:,} ({100.0 * self.done / self.total:.0f}%)"
            spent = now - self.stage_start
            rate = (self.done - self.stage_done0) / spent if spent > 0 else 0.0
            if rate > 0:
                parts.append(f"{rate:,.1f}/s")
                if self.total > self.done:
                    parts.append(f"ETA {_duration((self.total - self.done) / rate)}")
        parts.append(f"{_duration(now - self.start)} elapsed")
        return ", ".join(parts)

    def _emit(self, now: float) -> None:
        self.last = now
        self.lines += 1
        self._write(self.line(now))

    def _write(self, line: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        print(line, file=stream, flush=True)

    def _watch(self) -> None:
        while not self._stop.wait(min(self.interval, 1.0)):
            with self._lock:
                now = self.clock()
                if now - self.last >= self.interval:
                    self._emit(now)

    def close(self) -> None:
        """Stop the watcher; print a closing line if any line was printed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self._lock:
            if self.lines:
                now = self.clock()
                self._write(f"{self.description}: done in {_duration(now - self.start)}")
