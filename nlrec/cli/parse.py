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
              help='Print {"text", "positive", "negative", "references", "unresolved", "years", "filler", '
                   '"content", "nothing_to_match", "cues"} as JSON.')
def parse_cmd(text, index_name, exclude, json_out):
    """Show how a request is understood.

    \b
    Examples:
      nlrec parse "relaxing piano without vocals" --json
      nlrec parse "something like Portishead but less sad, 90s" --index hetrec
      nlrec parse "No Quarter by Led Zeppelin"        # a title, not an exclusion
    """
    from nlrec.request.parse import parse

    if not " ".join(str(text).split()):
        raise QueryError('empty request: type what you want to hear, e.g. "piano without vocals"')
    names = None
    if index_name:
        from nlrec.index import Index

        names = Index.open(index_name).names()
    parsed = parse(text, names, exclude=exclude)
    if json_out:
        click.echo(json.dumps(parsed.to_dict(), ensure_ascii=False, indent=2))
        return
    for line in describe(parsed):
        click.echo(line)


def describe(parsed) -> list[str]:
    """Plain lines saying how a request was understood (``nlrec parse``; above query tables)."""
    lines = [f"wanted:   {parsed.positive or '(anything)'}"]
    if parsed.content != parsed.positive.lower():
        lines.append(f"matched:  {parsed.content or '(nothing)'}   (filler dropped: {', '.join(parsed.filler) or '-'})")
    lines.append(f"without:  {', '.join(parsed.negative) or '(nothing)'}")
    for ref in parsed.references:
        items = ", ".join(f"{i} ({s:.2f})" for i, s in ref.matches[:5])
        more = f" and {len(ref.matches) - 5} more" if len(ref.matches) > 5 else ""
        lines.append(f"names:    {ref.span!r} = {ref.kind} {ref.name!r}: {items}{more}")
    for ref in parsed.unresolved:
        lines.append(f"unknown:  {ref.span!r} ({ref.kind}?) is not in this catalog: left out of matching")
    for y in parsed.years:
        r = y.range
        span = f"{r.lo or '...'}-{r.hi or '...'}"
        lines.append(f"years:    {y.span!r} = {'not ' if r.negated else ''}{span}")
    if parsed.cues:
        lines.append(f"cues:     {' | '.join(parsed.cues)}")
    if parsed.nothing_to_match:
        lines.append("nothing to match: the request has no content, known name or year left")
    return lines
