"""What the server holds between requests: the open index generation, its searchers and caches.

Concurrency: requests run at the same time in FastAPI's thread pool. Everything a search reads is
either immutable (the index's arrays and files) or built once under its own lock (the index's
lazy values: :meth:`nlrec.index.Index._once`; searchers: the lock here), and most of it is built
at load (:meth:`ServerState.warm`). The only global lock guards the generation swap: a request
takes a :class:`Snapshot` (the index and its searchers) at its start and works on it to the end,
whatever is swapped in meanwhile; the old generation is closed when its last request is done.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

from nlrec.errors import NlrecError
from nlrec.search import SearchOptions


@dataclass
class Snapshot:
    """One generation of the index, with the searchers and profile context built over it."""

    index: Any
    searchers: dict[SearchOptions, Any] = field(default_factory=dict)
    profiles: Any = None
    users: int = 0
    retired: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def searcher(self, options: SearchOptions) -> Any:
        """The searcher for ``options`` (built once; its caches stay warm between requests)."""
        found = self.searchers.get(options)
        if found is None:
            from nlrec.search import build_searcher

            with self.lock:
                found = self.searchers.get(options)
                if found is None:
                    if len(self.searchers) > 64:
                        self.searchers.clear()
                    found = self.searchers[options] = build_searcher(self.index, options)
        return found

    def profile_context(self) -> Any:
        """Descriptor embeddings for profiles over this generation (built once)."""
        if self.profiles is None:
            with self.lock:
                if self.profiles is None:
                    from nlrec.profiles.recommend import IndexProfiles

                    self.profiles = IndexProfiles(self.index)
        return self.profiles


class ServerState:
    """The served index: the current :class:`Snapshot`, swapped when a new generation appears
    (written through this server or by another process)."""

    def __init__(self, index: Any) -> None:
        self._current = Snapshot(index)
        self._swap_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._follow_lock = threading.Lock()
        self._stop = threading.Event()
        self._warming: threading.Thread | None = None
        self.writer: Any = None  # a WriterProcess (nlrec serve --workers N): writes are applied there
        self.pool: Any = None  # the SearchPool: a write is answered once every search process has its generation
        self.follows_in_background = False  # a search process: a thread follows, requests never open

    @property
    def index(self) -> Any:
        return self._current.index

    def warm(self, modes: tuple[str, ...] = ("hybrid",), snap: Snapshot | None = None) -> None:
        """Build at load what searches would otherwise build lazily: the retrievers, the encoder,
        the id column, the name index, the document map and the default searchers (of ``snap``,
        by default the current generation's)."""
        snap = snap if snap is not None else self._current
        index = snap.index
        index.doc_tracks  # noqa: B018 - builds the document map
        index.row_of("")
        index.names()
        kinds = {"dense", "bm25"} if index.backend == "local" else {"bm25"}
        index.load_retrievers(sorted(kinds))
        for mode in modes:
            try:
                snap.searcher(SearchOptions(mode=mode)).search("warm up without vocals", 1)
            except NlrecError as e:  # requests will say the same; the server still serves the rest
                warnings.warn(f"warming up {mode} search failed: {e}", stacklevel=2)

    def warm_vectors(self, chunk: int = 256) -> threading.Thread | None:
        """Embed the catalog's descriptors for negation matching in a background thread (kept on
        disk under ``NLREC_HOME/.cache/vectors``, so only the first start of an index pays), so
        that no request embeds them under load. Returns the thread (None without a local encoder)."""
        index = self._current.index
        if index.backend != "local":
            return None

        def run() -> None:
            from nlrec.negation.semantic import SemanticMatcher

            try:
                cache = SemanticMatcher(index.encoder())._cache  # the process-wide vector cache
                terms = sorted({d.strip().lower() for doc in index.documents for d in doc.split(", ") if d.strip()})
                for i, start in enumerate(range(0, len(terms), chunk)):
                    if self._stop.is_set():
                        break
                    cache.encode(terms[start:start + chunk])
                    if i % 40 == 39:
                        cache.save()  # now and then, not after each chunk: the file holds them all
                cache.save()
            except Exception:  # noqa: BLE001 - warming is an optimisation: requests embed what they need
                return

        thread = threading.Thread(target=run, name="nlrec-warm-vectors", daemon=True)
        thread.start()
        self._warming = thread
        return thread

    @property
    def warming(self) -> bool:
        """Whether the background warm-up is still embedding descriptors."""
        return self._warming is not None and self._warming.is_alive()

    def close(self, timeout: float = 60.0) -> None:
        """Stop background work (at server shutdown) and release the generation served."""
        self._stop.set()
        if self._warming is not None:
            self._warming.join(timeout)

    def acquire(self) -> Snapshot:
        """The current generation for one request (following another process's commit first);
        pair with :meth:`release`."""
        if not self.follows_in_background:
            self.follow()
        with self._swap_lock:
            snap = self._current
            snap.users += 1
            return snap

    def release(self, snap: Snapshot) -> None:
        with self._swap_lock:
            snap.users -= 1
            close = snap.retired and snap.users == 0
        if close:
            snap.index.close()  # the writer may then collect that generation

    def follow(self, wait: bool = False) -> None:
        """Switch to the index's newest generation when another process rebuilt or updated it
        (one small file read per request).

        Args:
            wait: when another thread is opening the new generation, wait for it (a writer that
                must read its own write) instead of serving this request from the current one.
        """
        index = self._current.index
        if index.is_current():
            return
        if not self._follow_lock.acquire(blocking=wait):
            return  # another request is opening it: this one is served by the current snapshot
        index = self._current.index
        try:
            if self._current.index is index:
                new = index.refreshed()
                if new is not index:
                    self._swap(new)
        finally:
            self._follow_lock.release()

    def follow_in_background(self, on_swap: Any, interval: float = 0.05) -> threading.Thread:
        """Follow new generations in a thread instead of on the request path: a new generation is
        opened and warmed beside the current one (which requests keep using), then swapped in, and
        ``on_swap(generation)`` is called. For a search process, whose requests must not wait
        while it opens one (1-2 s at 100k tracks)."""
        self.follows_in_background = True

        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    index = self._current.index
                    if index.is_current():
                        continue
                    new = index.refreshed()
                    if new is index:
                        continue
                    snap = Snapshot(new)
                    self.warm(snap=snap)
                    self._swap(new, snap)
                    on_swap(new.generation)
                except Exception as e:  # noqa: BLE001 - tried again at the next tick; requests go on
                    warnings.warn(f"following the index failed ({type(e).__name__}: {e})", stacklevel=1)
                    self._stop.wait(1.0)

        thread = threading.Thread(target=run, name="nlrec-follow", daemon=True)
        thread.start()
        return thread

    def _swap(self, new_index: Any, prepared: Snapshot | None = None) -> None:
        new = prepared if prepared is not None else Snapshot(new_index)
        with self._swap_lock:
            old, self._current = self._current, new
            old.retired = True
            close = old.users == 0
        if close:
            old.index.close()

    def update(self, *, upsert: list[dict[str, Any]] | None = None, remove: list[str] | None = None) -> dict[str, Any]:
        """Apply an incremental update to the index and switch to the new generation.

        The new version is built while searches go on against the current one; writers in this
        process wait for each other here, and for other processes on the index's writer lock.
        With a :attr:`writer` process, the update is applied there and this state then switches
        to the generation it committed."""
        from nlrec.index.update import update_index

        if self.writer is not None:
            with self._write_lock:
                report = self.writer.update(upsert or [], remove or [])
            self.follow(wait=True)
            if self.pool is not None and self.index.generation is not None:
                self.pool.wait_for(self.index.generation)  # every search process serves the write
            return report
        with self._write_lock:
            report = update_index(self._current.index, upsert=upsert or [], remove=remove or [])
            self._swap(report.pop("index"))
        return report
