"""The ``nlrec`` command line: a thin click layer over the library.

One module a command group (``query``, ``index``, ``parse``, ``eval``, ``profile``, ``train``,
``bench``) and one for terminal helpers (``ui``). Each command parses its flags, makes one
library call and renders the result. Data goes to stdout (``--json``, TREC runs, tab-separated
hits when piped); tables, progress and messages go to stderr. Heavy libraries are imported
inside commands, so ``nlrec --help`` and ``nlrec index list`` start instantly.
"""

from __future__ import annotations

import click

from nlrec import __version__
from nlrec.cli.bench import bench
from nlrec.cli.eval import eval_group
from nlrec.cli.eval_profiles import eval_profiles
from nlrec.cli.eval_tags import eval_tags
from nlrec.cli.eval_verify import eval_verify
from nlrec.cli.index import index
from nlrec.cli.parse import parse_cmd
from nlrec.cli.playlist import playlist_cmd
from nlrec.cli.profile import profile_group
from nlrec.cli.query import query
from nlrec.cli.serve import serve
from nlrec.cli.similar import similar_cmd
from nlrec.cli.tag import tag_cmd
from nlrec.cli.train import train_group
from nlrec.cli.ui import CONTEXT_SETTINGS, NlrecGroup
from nlrec.cli.update import index_add, index_remove

__all__ = ["cli"]


@click.group(cls=NlrecGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", "-V", prog_name="nlrec")
def cli() -> None:
    """Natural-language music search over song descriptor sets.

    \b
    Quick start (searches the built-in demo catalog):
      nlrec query "upbeat steel drum"
      nlrec index build --dataset musiccaps --data-dir ../shared/data --name musiccaps
      nlrec query "calm solo piano" --index musiccaps --json
    """


eval_group.add_command(eval_profiles, "profiles")
eval_group.add_command(eval_tags, "tags")
eval_group.add_command(eval_verify, "verify")
index.add_command(index_add)
index.add_command(index_remove)
for _command in (query, similar_cmd, playlist_cmd, index, parse_cmd, tag_cmd, eval_group, profile_group, train_group, bench, serve):
    cli.add_command(_command)
