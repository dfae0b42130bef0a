"""Terminal helpers shared by every command: messages, progress bars and warnings on stderr."""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click


def console() -> Any:
    """A rich console on stderr (tables and progress never mix with data on stdout)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=False)


def note(message: str) -> None:
    click.echo(message, err=True)


def echo_json(obj: Any) -> None:
    """Data as indented JSON on stdout."""
    import json

    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def interactive(json_out: bool) -> bool:
    """Show progress bars only for a person at a terminal, never with ``--json``."""
    return not json_out and sys.stderr.isatty()


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

    def __init__(self, description: str, *, interval: float | None = None, stream: Any = None,
                 clock: Any = None, watch: bool = True) -> None:
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
        click.echo(self.line(now), err=self.stream is None, file=self.stream)

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
                click.echo(f"{self.description}: done in {_duration(now - self.start)}",
                           err=self.stream is None, file=self.stream)


@contextmanager
def progress(enabled: bool, description: str, *, rate: bool = False):
    """A rich progress bar on stderr; yields ``update(stage, done, total)``.

    When the bar is off and stderr is a file or a pipe (:func:`line_progress_wanted`), yields a
    :class:`LineProgress` instead, so long work in a log still says how far it got; otherwise
    None. ``rate`` adds items per second to the bar."""
    if not enabled:
        if not line_progress_wanted():
            yield None
            return
        lines = LineProgress(description)
        try:
            yield lines
        finally:
            lines.close()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn()]
    if rate:
        from rich.progress import ProgressColumn
        from rich.text import Text

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                return Text(f"{task.speed:,.0f}/s" if task.speed else "")

        columns.append(Rate())
    with Progress(
        *columns,
        TimeRemainingColumn(),
        console=console(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, description=f"{description}: {stage}", completed=done, total=total)

        yield update


@contextmanager
def warnings_to_stderr():
    """Show nlrec's own warnings (e.g. a truncated query) as one ``warning:`` line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, UserWarning) and w.category.__module__.startswith("nlrec"):
            note(f"warning: {w.message}")


def command_line(ctx: click.Context, words: list[str]) -> str:
    """The command as typed: ``words`` (e.g. ``["nlrec", "eval", "profiles"]``) and the options
    given on the command line or through the environment."""
    import shlex

    from click.core import ParameterSource

    words = list(words)
    for param in ctx.command.params:
        if ctx.get_parameter_source(param.name) not in (
            ParameterSource.COMMANDLINE,
            ParameterSource.ENVIRONMENT,
        ):
            continue
        value = ctx.params[param.name]
        flag = max(param.opts, key=len)
        if isinstance(param, click.Option) and param.is_flag:
            if param.secondary_opts and not value:
                flag = max(param.secondary_opts, key=len)
            elif not value:
                continue
            words.append(flag)
        else:
            words += [flag, shlex.quote(str(value))]
    return " ".join(words)


def default_eval_dir() -> Path:
    """The evaluation workspace: ``eval/`` of the checkout, else ``./eval``."""
    from nlrec.paths import repo_root

    root = repo_root()
    return root / "eval" if root is not None else Path("eval")


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class NlrecGroup(click.Group):
    """Turns expected failures into one-line errors (exit 1) instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        from nlrec.errors import NlrecError

        try:
            return super().invoke(ctx)
        except NlrecError as e:
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except MemoryError:
            raise click.ClickException("out of memory; try a smaller catalog or batch") from None


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (NaN where unknown)."""
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    except (ImportError, OSError):  # pragma: no cover - non-Unix
        return float("nan")


_CATALOG_OPTIONS = (
    click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "jsonl", "json", "parquet"]),
                 help="Catalog format (default: from the suffix)."),
    click.option("--id-col", default="id", show_default=True, help="Column holding track ids."),
    click.option("--descriptors-col", default="descriptors", show_default=True, help="Column holding the descriptor set."),
    click.option("--title-col", help="Column holding titles [default: title, if present]."),
    click.option("--artist-col", help="Column holding artists [default: artist, if present]."),
    click.option("--year-col", help="Column holding years [default: year, if present]."),
    click.option("--sep", default=",", show_default=True, help="Descriptor separator inside a cell."),
    click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the catalog file."),
)


def catalog_options(f: Any) -> Any:
    """The catalog file's format and column mapping (``index build``, ``index add``)."""
    for option in reversed(_CATALOG_OPTIONS):
        f = option(f)
    return f
