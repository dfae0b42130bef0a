"""``nlrec parse``: show how a request is understood (what is wanted, what must be absent).

Needs no index and no model: only the parser and its lexicon are imported.
"""

from __future__ import annotations

import json

import click

from nlrec.cli.ui import CONTEXT_SETTINGS
from nlrec.errors import QueryError


@click.command("parse", context_settings=CONTEXT_SETTINGS)
@click.argument("text")
@click.option("--exclude", multiple=True, metavar="TAG", help="Add a negative facet by hand (repeatable).")
@click.option("--json", "json_out", is_flag=True, help='Print {"text", "positive", "negative", "cues"} as JSON.')
def parse_cmd(text, exclude, json_out):
    """Split a request into what is wanted and what must be absent.

    \b
    Examples:
      nlrec parse "relaxing piano without vocals" --json
      nlrec parse "chill beats but no drums"
    """
    from nlrec.negation.parse import parse_request

    if not " ".join(str(text).split()):
        raise QueryError('empty request: type what you want to hear, e.g. "piano without vocals"')
    parsed = parse_request(text, exclude)
    if json_out:
        click.echo(json.dumps(parsed.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"wanted:   {parsed.positive or '(anything)'}")
    click.echo(f"without:  {', '.join(parsed.negative) or '(nothing)'}")
    if parsed.cues:
        click.echo(f"cues:     {' | '.join(parsed.cues)}")
