"""``nlrec similar``: tracks like a track, an artist or a title."""

from __future__ import annotations

import time

import click

from nlrec.cli.ui import CONTEXT_SETTINGS, echo_json, warnings_to_stderr
from nlrec.limits import LIMITS


@click.command("similar", context_settings=CONTEXT_SETTINGS)
@click.argument("reference")
@click.option("--index", "index_name", metavar="NAME", help="Index to search (default: the built-in demo catalog).")
@click.option("-k", "--top-k", "k", type=click.IntRange(1, LIMITS.k), default=10, show_default=True, help="Number of tracks.")
@click.option("--by", type=click.Choice(["descriptors", "audio", "both"]), default="descriptors", show_default=True,
              help="Closeness of descriptor sets, of the audio (indexes built with --audio-dir), or both fused.")
@click.option("--json", "json_out", is_flag=True, help='Print {"reference", "hits"} as JSON on stdout.')
def similar_cmd(reference, index_name, k, by, json_out):
    """Tracks like REFERENCE: a track id, an artist, a title or "Title - Artist".

    \b
    Examples:
      nlrec similar demo-0042
      nlrec similar "Marisol Vane"
      nlrec similar "Paper Crowns - Marisol Vane" -k 5 --json
    """
    from nlrec.cli.query import open_for_query, print_similar
    from nlrec.search.similar import similar

    index = open_for_query(index_name, json_out)
    t0 = time.perf_counter()
    with warnings_to_stderr():
        result = similar(index, reference, k, by=by)
    if json_out:
        echo_json(result.to_dict())
        return
    print_similar(index, result, time.perf_counter() - t0)
