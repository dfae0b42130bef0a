"""Terminal helpers shared by every command: messages, progress bars and warnings on stderr."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from nlrec.progress import LineProgress, line_progress_wanted


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


@contextmanager
def progress(enabled: bool, description: str, *, rate: bool = False):
    """A rich progress bar on stderr; yields ``update(stage, done, total)``.

    When the bar is off and stderr is a file or a pipe (:func:`nlrec.progress.line_progress_wanted`), yields a
    :class:`nlrec.progress.LineProgress` instead, so long work in a log still says how far it got; otherwise
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


class LiveChoice(click.Choice):
    """A :class:`click.Choice` whose choices are read when used (e.g. the registered retriever
    kinds: a retriever registered after import is a valid ``--mode``)."""

    def __init__(self, source: Callable[[], Sequence[str]], case_sensitive: bool = True) -> None:
        self._source = source
        super().__init__((), case_sensitive=case_sensitive)

    @property  # type: ignore[override]
    def choices(self) -> Sequence[str]:
        return tuple(self._source())

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:  # click's __init__ assigns; the source wins
        pass


def _modes() -> tuple[str, ...]:
    from nlrec.index.retrievers import modes  # read when used: ``nlrec --help`` stays instant

    return modes()


def _lexical() -> tuple[str, ...]:
    from nlrec.index.retrievers import lexical_kinds

    return lexical_kinds()


def mode_choice() -> LiveChoice:
    """``--mode`` / ``--system`` values: every registered retriever kind and ``hybrid``."""
    return LiveChoice(_modes)


def sparse_choice() -> LiveChoice:
    """``--sparse`` values: the registered lexical kinds."""
    return LiveChoice(_lexical)
