"""The ``nlrec`` command line: a thin click layer over the library.

One module a command group (``query``, ``index``, ``parse``, ``eval``, ``profile``, ``train``,
``bench``) and one for terminal helpers (``ui``). Each command parses its flags, makes one
library call and renders the result. Data goes to stdout (``--json``, TREC runs, tab-separated
hits when piped); tables, progress and messages go to stderr. Heavy libraries are imported
inside commands, so ``nlrec --help`` and ``nlrec index list`` start instantly, and a command's
module is imported only when that command runs (or ``--help`` lists them all): a cold
``nlrec query`` does not load the code of ``eval``, ``train`` or ``bench``.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from nlrec import __version__
from nlrec.cli.ui import CONTEXT_SETTINGS, NlrecGroup

__all__ = ["cli"]

COMMANDS: dict[str, tuple[str, str]] = {
    "query": ("nlrec.cli.query", "query"),
    "similar": ("nlrec.cli.similar", "similar_cmd"),
    "playlist": ("nlrec.cli.playlist", "playlist_cmd"),
    "index": ("nlrec.cli.index", "index"),
    "parse": ("nlrec.cli.parse", "parse_cmd"),
    "tag": ("nlrec.cli.tag", "tag_cmd"),
    "eval": ("nlrec.cli.eval", "eval_group"),
    "profile": ("nlrec.cli.profile", "profile_group"),
    "train": ("nlrec.cli.train", "train_group"),
    "bench": ("nlrec.cli.bench", "bench"),
    "serve": ("nlrec.cli.serve", "serve"),
}
"""Each top-level command: the module and attribute that define it (imported when used)."""

SUBCOMMANDS: dict[str, dict[str, tuple[str, str]]] = {
    "eval": {"profiles": ("nlrec.cli.eval_profiles", "eval_profiles"),
             "tags": ("nlrec.cli.eval_tags", "eval_tags"),
             "verify": ("nlrec.cli.eval_verify", "eval_verify")},
    "index": {"add": ("nlrec.cli.update", "index_add"), "remove": ("nlrec.cli.update", "index_remove")},
}
"""Commands defined in modules of their own, added to a group when the group is loaded."""

ONE_BLAS_THREAD = frozenset({"query", "similar", "parse", "playlist", "profile"})
"""Commands whose numpy work is small (one request against a catalog): they run OpenBLAS on one
thread. Its thread pool costs a cold ``nlrec query`` about 0.1 s of CPU and of wall time on the
2-core reference machine (started when numpy is imported, then spin-waiting after each product),
for products too small to gain from a second thread; the same hits either way. A user's own
``OPENBLAS_NUM_THREADS`` / ``GOTO_NUM_THREADS`` / ``OMP_NUM_THREADS`` is left as it is."""

_BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def _one_blas_thread() -> None:
    """Ask OpenBLAS for one thread, if numpy is not loaded yet and the user did not choose."""
    if "numpy" not in sys.modules and not any(os.environ.get(v) for v in _BLAS_THREAD_VARS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def _attr(spec: tuple[str, str]) -> Any:
    module, name = spec
    return getattr(importlib.import_module(module), name)


def _skip_final_collection() -> None:
    """Leave the interpreter without its final garbage collections (``gc.freeze``): a cold query's
    process holds numpy's, onnxruntime's and rich's objects, and walking them once more at exit
    cost 0.05 s of its 0.35 s of CPU on the 2-core reference machine. Exit handlers, flushes and
    every object freed by reference counting still run as usual; only cyclic garbage is left to
    the operating system, and nlrec closes its files explicitly (``with``, atomic writes)."""
    import gc

    gc.disable()
    gc.freeze()


class LazyGroup(NlrecGroup):
    """The top-level group: each command's module is imported on first use (:data:`COMMANDS`)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The program (the console script, ``python -m nlrec``): ``main`` with ``sys.argv``, and
        no final garbage collection once it is done. Code calling ``cli([...])`` or ``cli.main``
        (tests, ``click.testing``) keeps its collector."""
        try:
            return self.main(*args, **kwargs)
        finally:
            if not args and not kwargs:
                _skip_final_collection()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            if cmd_name in ONE_BLAS_THREAD:
                _one_blas_thread()
            command = _attr(COMMANDS[cmd_name])
            for sub, spec in SUBCOMMANDS.get(cmd_name, {}).items():
                command.add_command(_attr(spec), sub)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="nlrec")
def cli() -> None:
    """Natural-language music search over song descriptor sets.

    \b
    Quick start (searches the built-in demo catalog):
      nlrec query "upbeat steel drum"
      nlrec index build --dataset musiccaps --data-dir ../shared/data --name musiccaps
      nlrec query "calm solo piano" --index musiccaps --json
    """
