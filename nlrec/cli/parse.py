"""``nlrec parse``: show how a request is understood: wanted, excluded, named, years, filler.

Needs no model: only the parser, its lexicon and (with ``--index``) the index's name list.
"""

from __future__ import annotations

import json

import click

from nlrec.cli.ui import CONTEXT_SETTINGS
from nlrec.errors import QueryError


@click.command("parse", context_settings=CONTEXT_SETTINGS)
@click.argument("text")
@click.option("--index", "index_name", metavar="NAME", help="Resolve artists, titles and albums against this index's names.")
@click.option("--exclude", multiple=True, metavar="TAG", help="Add a negative facet by hand (repeatable).")
@click.option("--json", "json_out", is_flag=True,
              help='Print the plan as JSON: {"text", "positive", "negative", "references", "unresolved", "years", '
                   '"filler", "content", "nothing_to_match", "cues", "wanted", "matched", "filter", "understood"}.')
def parse_cmd(text, index_name, exclude, json_out):
    """Show how a request is understood (the plan ``nlrec query`` searches with).

    \b
    Examples:
      nlrec parse "relaxing piano without vocals" --json
      nlrec parse "something like Portishead but less sad, 90s" --index hetrec
      nlrec parse "No Quarter by Led Zeppelin"        # a title, not an exclusion
    """
    from nlrec.request.plan import describe
    from nlrec.search.planning import request_plan

    if not " ".join(str(text).split()):
        raise QueryError('empty request: type what you want to hear, e.g. "piano without vocals"')
    index = None
    if index_name:
        from nlrec.index import Index

        index = Index.open(index_name)
    plan = request_plan(" ".join(str(text).split()), index, exclude=exclude)
    if json_out:
        click.echo(json.dumps(plan.to_dict(), ensure_ascii=False, indent=2))
        return
    for line in describe(plan):
        click.echo(line)

