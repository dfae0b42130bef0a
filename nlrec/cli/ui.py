"""Terminal helpers shared by every command: messages, progress bars and warnings on stderr."""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from nlrec.progress import LineProgress, line_progress_wanted

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` without control characters (an ESC sequence in a request or a catalog title must
    not reach the terminal); tabs and newlines stay. Invalid UTF-8 from the shell (surrogate
    escapes) shows as U+FFFD."""
    text = _CONTROL.sub("", text)
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


class _PrintableHook:
    """A rich render hook: text segments lose their control characters (an ESC sequence in a
    request or a catalog title never reaches the terminal); rich's own control segments (cursor
    moves of progress bars) and styles are kept."""

    def process_renderables(self, renderables: list[Any]) -> list[Any]:
        return [_Printable(r) for r in renderables]


class _Printable:
    def __init__(self, renderable: Any) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import Segment

        for seg in console.render(self.renderable, options):
            if seg.control or not seg.text or not (_CONTROL.search(seg.text) or _SURROGATE.search(seg.text)):
                yield seg
            else:
                yield Segment(printable(seg.text), seg.style)


def console() -> Any:
    """A rich console on stderr (tables and progress never mix with data on stdout); control
    characters from requests and catalogs never reach the terminal."""
    from rich.console import Console

    c = Console(stderr=True, highlight=False, soft_wrap=False)
    c.push_render_hook(_PrintableHook())
    return c


def note(message: str) -> None:
    click.echo(printable(message), err=True)


def json_safe(obj: Any) -> Any:
    """``obj`` with non-finite floats (NaN, infinity) as None: JSON has no such numbers."""
    import math

    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        return obj
    if isinstance(obj, np.floating):
        return json_safe(float(obj))
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    return obj


def dumps_json(obj: Any, *, indent: int | None = 2) -> str:
    """Strict JSON (``allow_nan=False`` after :func:`json_safe`): never ``NaN`` or ``Infinity``."""
    import json

    return json.dumps(json_safe(obj), indent=indent, ensure_ascii=False, allow_nan=False)


def echo_json(obj: Any) -> None:
    """Data as indented JSON on stdout."""
    click.echo(dumps_json(obj))


def tsv_cell(value: Any) -> str:
    """A TSV cell: backslash, tab, newline and carriage return escaped (``\\``, ``\t``, ``\n``,
    ``\r``), other control characters dropped, so a title with a tab never adds a column and an
    artist with a newline never adds a row."""
    text = str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return printable(text)


def clean_args(args: list[str]) -> list[str]:
    """Command-line words as text: invalid UTF-8 (surrogate escapes) as U+FFFD and control
    characters dropped, except in a word naming an existing path (opened as given) and tabs /
    newlines (``--sep $'\t'``)."""
    import os

    out = []
    for a in args:
        if isinstance(a, str) and (_CONTROL.search(a) or _SURROGATE.search(a)):
            try:
                exists = os.path.lexists(a)
            except (ValueError, OSError):
                exists = False
            if not exists:
                a = printable(a)
        out.append(a)
    return out


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

    def main(self, args: Any = None, *a: Any, **kw: Any) -> Any:
        if args is None:
            args = sys.argv[1:]
        return super().main(clean_args(list(args)), *a, **kw)

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
        except RecursionError:  # json and friends on input nested thousands of levels deep
            raise click.ClickException("input nested too deeply (a JSON file or value thousands of levels "
                                       "deep); nlrec refuses it") from None
        except PermissionError as e:  # a read-only NLREC_HOME, a file nlrec may not read
            where = f" {e.filename}" if getattr(e, "filename", None) else ""
            raise click.ClickException(f"permission denied:{where} ({e.strerror or e})") from None


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
