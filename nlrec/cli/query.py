"""``nlrec query``: search an index for a request (one, or a batch written as a TREC run)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from nlrec.cli.ui import CONTEXT_SETTINGS
from nlrec.cli.ui import console as _console
from nlrec.cli.ui import interactive as _interactive
from nlrec.cli.ui import note as _note
from nlrec.cli.ui import progress as _progress
from nlrec.cli.ui import warnings_to_stderr as _warnings_to_stderr

MODES = ("dense", "tfidf", "bm25", "hybrid")


# ------------------------------------------------------------------------------------- query
@click.command("query", context_settings=CONTEXT_SETTINGS)
@click.argument("text", required=False)
@click.option("--index", "index_name", metavar="NAME", help="Index to search (default: the built-in demo catalog).")
@click.option("-k", "--top-k", "k", type=click.IntRange(1, 10_000), default=10, show_default=True, help="Number of tracks.")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True, help="Ranking method.")
@click.option("--sparse", type=click.Choice(["bm25", "tfidf"]), default="bm25", show_default=True, help="Lexical side of hybrid.")
@click.option("--fusion", type=click.Choice(["rrf", "weighted"]), default="rrf", show_default=True, help="How hybrid fuses rankings.")
@click.option("--alpha", type=click.FloatRange(0, 1), default=0.5, show_default=True, help="Dense weight for --fusion weighted.")
@click.option("--model", metavar="PATH|ID", help="Encoder to use; must be the one the index was built with.")
@click.option("--queries", "queries_file", type=click.Path(dir_okay=False), help="Batch: TSV (qid<TAB>text) or BEIR JSONL; writes a TREC run.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Where to write the TREC run (default stdout).")
@click.option("--json", "json_out", is_flag=True, help="Print hits as JSON on stdout.")
@click.option("--profile", metavar="NAME", help="Re-rank with a taste profile (see: nlrec profile --help).")
@click.option("--profile-weight", type=click.FloatRange(0, 1), default=None, help="Weight of the profile in [0, 1]  [default: 0.3].")
@click.option("--exclude", "exclude", multiple=True, metavar="TAG", help="Rule out tracks carrying TAG (repeatable), e.g. --exclude vocals.")
@click.option("--negation", type=click.Choice(["filter", "penalize", "off"]), default="filter", show_default=True,
              help="Tracks carrying a negated facet (\"no vocals\", --exclude): removed, pushed down, or no negation handling.")
@click.option("--negation-threshold", type=click.FloatRange(0, 1, min_open=True), default=None, metavar="COS",
              help="Cosine from which a descriptor counts as a negated facet by embedding; 1 = lexicon only  [default: 0.8].")
def query(text, index_name, k, mode, sparse, fusion, alpha, model, queries_file, output, json_out, profile, profile_weight,
          exclude, negation, negation_threshold):
    """Find tracks for a request, e.g. nlrec query "calm piano for studying".

    \b
    Negations are understood: "relaxing piano without vocals" searches "relaxing piano" and
    drops tracks whose descriptors carry vocals (see: nlrec parse --help, docs/negation.md).
    """
    from nlrec.search import search_many

    if (text is None) == (queries_file is None):
        raise click.UsageError("give a request TEXT or --queries FILE (not both)")
    if negation == "off" and exclude:
        raise click.UsageError("--exclude needs --negation filter or penalize")
    if profile is not None or profile_weight is not None:
        from nlrec.cli.profile import query_with_profile

        return query_with_profile(text, queries_file, index_name, k, profile, profile_weight, json_out,
                                  mode=mode, sparse=sparse, fusion=fusion, alpha=alpha, model=model,
                                  negation=negation, exclude=tuple(exclude),
                                  negation_threshold=negation_threshold)
    index = _open_for_query(index_name, json_out)
    options = {"mode": mode, "sparse": sparse, "fusion": fusion, "alpha": alpha, "model": model,
               "negation": negation, "exclude": tuple(exclude), "negation_threshold": negation_threshold}
    if queries_file:
        _batch(index, queries_file, output, k, options, json_out)
        return
    t0 = time.perf_counter()
    with _warnings_to_stderr():
        hits = search_many(index, [text], k, **options)[0]
    elapsed = time.perf_counter() - t0
    if json_out:
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    from nlrec.search import parse_negations

    parsed = parse_negations([text], negation, exclude)[0]
    _print_hits(index, text, hits, mode, elapsed, parsed=parsed, negation=negation)
    if not sys.stdout.isatty():
        for h in hits:
            name = " - ".join(x for x in (h.title, h.artist) if x)
            click.echo(f"{h.rank}\t{h.score:.4f}\t{h.id}\t{name}\t{', '.join(h.descriptors)}")


def _open_for_query(index_name: str | None, json_out: bool) -> Any:
    from nlrec.index import Index

    if index_name:
        return Index.open(index_name)
    from nlrec.demo import ensure_demo_index

    with _progress(_interactive(json_out), "demo index") as update:
        return ensure_demo_index(progress=update, notify=_note)


def _batch(index, queries_file, output, k, options, json_out) -> None:
    from nlrec.io import atomic_write_text
    from nlrec.search import search_many
    from nlrec.trec import format_run, read_queries

    queries = read_queries(queries_file)
    qids = list(queries)
    results: dict[str, list[tuple[str, float]]] = {}
    t0 = time.perf_counter()
    chunk = 256
    with _progress(_interactive(json_out), "searching") as update, _warnings_to_stderr():
        for start in range(0, len(qids), chunk):
            part = qids[start : start + chunk]
            for qid, hits in zip(part, search_many(index, [queries[q] for q in part], k, **options)):
                results[qid] = [(h.id, h.score) for h in hits]
            if update:
                update("queries", min(start + chunk, len(qids)), len(qids))
    run = format_run(results, tag=f"nlrec-{options['mode']}")
    if output:
        atomic_write_text(output, run)
        _note(f"Wrote {sum(len(v) for v in results.values())} lines for {len(qids)} queries to {output} "
              f"({time.perf_counter() - t0:.1f} s).")
    else:
        click.echo(run, nl=False)


def _print_hits(index, text: str, hits, mode: str, elapsed: float, *, parsed=None, negation: str = "off") -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console()
    src = index.name if index.name != "demo" else "demo (built-in catalog of fictional tracks)"
    negated = parsed is not None and bool(parsed.negative)
    if negated:
        wanted = parsed.positive or "(anything)"
        console.print(f"[dim]wanted:[/] [bold]{wanted}[/]   [dim]without:[/] [bold red]{', '.join(parsed.negative)}[/]"
                      f"   [dim]({'removed' if negation == 'filter' else 'pushed down'} when a descriptor carries one)[/]")
    table = Table(title=f"[bold]{text}[/]  [dim]{mode} · {src} · {elapsed * 1000:.0f} ms[/]",
                  title_justify="left", expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("score", justify="right")
    table.add_column("track", overflow="fold", max_width=40)
    table.add_column("descriptors (matched in bold)", overflow="fold")
    if negated:
        table.add_column("negation", overflow="fold", max_width=28)
    for h in hits:
        name = Text(h.title or h.id, style="bold")
        if h.artist:
            name.append(f"\n{h.artist}", style="cyan")
        if h.title:
            name.append(f"\n{h.id}", style="dim")
        desc = Text()
        matched = set(h.matched)
        for i, d in enumerate(h.descriptors):
            if i:
                desc.append(", ")
            desc.append(d, style="bold green" if d in matched else "")
        row = [str(h.rank), f"{h.score:.3f}", name, desc]
        if negated:
            row.append(_negation_note(h.negation))
        table.add_row(*row)
    if not hits:
        console.print(f"No track matches {text!r} in {mode} mode.")
        return
    console.print(table)


def _negation_note(note: dict | None) -> Any:
    """The "negation" cell: why a hit was demoted or kept."""
    from rich.text import Text

    if not note:
        return Text("")
    if note["excluded_by"]:
        return Text(f"demoted: {', '.join(note['excluded_by'])}", style="red")
    if note["absent"]:
        return Text(f"kept: {', '.join(note['absent'])}", style="green")
    return Text(f"kept: no {', '.join(note['facets'])} found", style="dim")
