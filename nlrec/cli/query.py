"""``nlrec query``: search an index for a request (one, or a batch written as a TREC run)."""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from nlrec.cli.ui import CONTEXT_SETTINGS, dumps_json, mode_choice, sparse_choice, tsv_cell
from nlrec.cli.ui import console as _console
from nlrec.cli.ui import interactive as _interactive
from nlrec.cli.ui import note as _note
from nlrec.cli.ui import progress as _progress
from nlrec.cli.ui import warnings_to_stderr as _warnings_to_stderr
from nlrec.limits import LIMITS


# ------------------------------------------------------------------------------------- query
@click.command("query", context_settings=CONTEXT_SETTINGS)
@click.argument("text", required=False)
@click.option("--index", "index_name", metavar="NAME", help="Index to search (default: the built-in demo catalog).")
@click.option("-k", "--top-k", "k", type=click.IntRange(1, LIMITS.k), default=10, show_default=True, help="Number of tracks.")
@click.option("--mode", type=mode_choice(), default="hybrid", show_default=True,
              help="Ranking method: a registered retriever (dense, tfidf, bm25, ...) or hybrid.")
@click.option("--sparse", type=sparse_choice(), default="bm25", show_default=True, help="Lexical side of hybrid.")
@click.option("--fusion", type=click.Choice(["rrf", "weighted"]), default="rrf", show_default=True, help="How hybrid fuses rankings.")
@click.option("--alpha", type=click.FloatRange(0, 1), default=0.5, show_default=True, help="Dense weight for --fusion weighted.")
@click.option("--late-weight", type=click.FloatRange(0, 10), default=None, metavar="W",
              help="Weight of descriptor-level matching (request facets meet descriptors) as a third hybrid "
                   "ranking; 0 turns it off  [default: the library default, see docs/quality.md].")
@click.option("--model", metavar="PATH|ID", help="Encoder to use; must be the one the index was built with.")
@click.option("--queries", "queries_file", type=click.Path(dir_okay=False), help="Batch: TSV (qid<TAB>text) or BEIR JSONL; writes a TREC run.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Where to write the TREC run (default stdout).")
@click.option("--json", "json_out", is_flag=True, help='Print {"parsed": the request as understood, "hits": [...]} as JSON on stdout.')
@click.option("--profile", metavar="NAME", help="Re-rank with a taste profile (see: nlrec profile --help).")
@click.option("--profile-weight", type=click.FloatRange(0, 1), default=None, help="Weight of the profile in [0, 1]  [default: 0.3].")
@click.option("--exclude", "exclude", multiple=True, metavar="TAG", help="Rule out tracks carrying TAG (repeatable), e.g. --exclude vocals.")
@click.option("--negation", type=click.Choice(["filter", "penalize", "off"]), default="filter", show_default=True,
              help="Tracks carrying a negated facet (\"no vocals\", --exclude): removed, pushed down, or no negation handling.")
@click.option("--as-typed", is_flag=True,
              help="Search the text as typed: no artist or title lookup, no years, no filler dropped "
                   "(negations are still split off unless --negation off).")
@click.option("--negation-threshold", type=click.FloatRange(0, 1, min_open=True), default=None, metavar="COS",
              help="Cosine from which a descriptor counts as a negated facet by embedding; 1 = lexicon only  [default: 0.8].")
@click.option("--where", metavar="EXPR", help="Only tracks whose fields match, e.g. \"year >= 1990 and year < 2000\", "
              "\"artist = 'X'\" (any catalog column; see docs/filters.md).")
@click.option("--rerank", type=click.IntRange(1, 1000), is_flag=False, flag_value=100, default=None, metavar="[N]",
              help="Rerank the top N (100 when N is left out) with a music cross-encoder (--reranker). Off by default.")
@click.option("--reranker", metavar="PATH", envvar="NLREC_RERANKER",
              help="Cross-encoder directory for --rerank, e.g. the GPL teacher gpl/runs/mtt-train/teacher "
                   "[env: NLREC_RERANKER].")
def query(text, index_name, k, mode, sparse, fusion, alpha, late_weight, model, queries_file, output, json_out, profile, profile_weight,
          exclude, negation, as_typed, negation_threshold, where, rerank, reranker):
    """Find tracks for a request, e.g. nlrec query "calm piano for studying".

    \b
    Negations are understood: "relaxing piano without vocals" searches "relaxing piano" and
    drops tracks whose descriptors carry vocals (see: nlrec parse --help, docs/negation.md).
    """
    from nlrec.search import SearchOptions

    if (text is None) == (queries_file is None):
        raise click.UsageError("give a request TEXT or --queries FILE (not both)")
    if negation == "off" and exclude:
        raise click.UsageError("--exclude needs --negation filter or penalize")
    if profile is None and profile_weight is not None:
        raise click.UsageError("--profile-weight needs --profile NAME")
    if profile is not None and queries_file:
        raise click.UsageError("--profile works with a request TEXT, not with --queries")
    options = SearchOptions(mode=mode, sparse=sparse, fusion=fusion, alpha=alpha, model=model, negation=negation,
                            exclude=tuple(exclude), negation_threshold=negation_threshold, where=where,
                            understand=not as_typed,
                            **({"late_weight": late_weight} if late_weight is not None else {}))
    layers = _rerank_layers(rerank, reranker)
    if profile is not None:
        return _query_with_profile(text, index_name, k, profile, profile_weight, json_out, options, layers)
    from nlrec.search import build_searcher

    searcher = build_searcher(open_for_query(index_name, json_out), options, layers=layers)
    if queries_file:
        _batch(searcher, queries_file, output, k, json_out)
        return
    t0 = time.perf_counter()
    with _warnings_to_stderr():
        result = searcher.search(text, k)
    elapsed = time.perf_counter() - t0
    if json_out:
        click.echo(dumps_json(result.to_dict()))
        return
    _print_hits(searcher.index, result, mode, elapsed, negation=negation)
    if not sys.stdout.isatty():
        _echo_tsv(result.hits)


def _rerank_layers(depth: int | None, path: str | None) -> list[Any]:
    """``--rerank N --reranker PATH``: the cross-encoder layer (none without ``--rerank``)."""
    if depth is None:
        return []
    if not path:
        raise click.ClickException("--rerank needs a cross-encoder: pass --reranker PATH or set NLREC_RERANKER "
                                   "(train one with: nlrec train gpl --dataset mtt --split train --until teacher)")
    from nlrec.encoders.cross import CrossEncoderScorer
    from nlrec.search.rerank import rerank_layer

    return [rerank_layer(CrossEncoderScorer.load(path), depth)]


def _echo_tsv(hits: list[Any], extra: Any = None) -> None:
    """Tab-separated hits on stdout (for pipes): rank, score, id, title - artist, descriptors."""
    for h in hits:
        name = " - ".join(x for x in (h.title, h.artist) if x)
        cells = [str(h.rank), f"{h.score:.4f}", h.id, name, ", ".join(h.descriptors)]
        if extra is not None:
            cells.append(extra(h))
        click.echo("\t".join(tsv_cell(c) for c in cells))


def _query_with_profile(text, index_name, k, profile_name, profile_weight, json_out, options, layers=()) -> None:
    """``nlrec query TEXT --profile NAME``: the request re-ranked with a taste profile."""
    from rich.markup import escape

    from nlrec.cli.profile import print_profile_hits
    from nlrec.index import Index
    from nlrec.profiles import DEFAULT_PROFILE_WEIGHT, load_profile
    from nlrec.profiles.searcher import profile_searcher

    weight = DEFAULT_PROFILE_WEIGHT if profile_weight is None else profile_weight
    profile = load_profile(profile_name)
    index = Index.open(index_name or profile.index)
    t0 = time.perf_counter()
    with _warnings_to_stderr():
        result = profile_searcher(index, profile, options, weight=weight, layers=layers).search(text, k)
    if json_out:
        click.echo(dumps_json(result.to_dict()))
        return
    title = (f"[bold]{escape(text)}[/]  [dim]{options.mode} + profile {escape(profile.name)} "
             f"(weight {weight:g}) · {escape(index.name)} · {(time.perf_counter() - t0) * 1000:.0f} ms[/]")
    req = result.request
    if req.negative:
        verb = "removed" if options.negation == "filter" else "pushed down"
        title += (f"\n[dim]searched[/] {escape(req.query)}[dim]; tracks with[/] "
                  f"{escape(', '.join(req.negative))} [dim]{verb}[/]")
    print_profile_hits(result.hits, title, query=True)


def open_for_query(index_name: str | None, json_out: bool) -> Any:
    from nlrec.index import Index

    if index_name:
        return Index.open(index_name)
    from nlrec.index.demo import ensure_demo_index

    with _progress(_interactive(json_out), "demo index") as update:
        return ensure_demo_index(progress=update, notify=_note)


def _batch(searcher, queries_file, output, k, json_out) -> None:
    from pathlib import Path

    from nlrec.io import atomic_write_text
    from nlrec.trec import format_run, read_queries

    if output:
        from nlrec.index.registry import refuse_index_folder

        refuse_index_folder(output, "the run")
    if output and not Path(output).expanduser().parent.is_dir():
        raise click.ClickException(f"cannot write {output}: directory {Path(output).expanduser().parent} does not exist")
    queries = read_queries(queries_file)
    qids = list(queries)
    results: dict[str, list[tuple[str, float]]] = {}
    t0 = time.perf_counter()
    chunk = 256
    with _progress(_interactive(json_out), "searching") as update, _warnings_to_stderr():
        for start in range(0, len(qids), chunk):
            part = qids[start : start + chunk]
            for qid, result in zip(part, searcher.batch_search([queries[q] for q in part], k)):
                results[qid] = [(h.id, h.score) for h in result.hits]
            if update:
                update("queries", min(start + chunk, len(qids)), len(qids))
    run = format_run(results, tag=f"nlrec-{searcher.options.mode}")
    if output:
        atomic_write_text(output, run, parents=False)
        _note(f"Wrote {sum(len(v) for v in results.values())} lines for {len(qids)} queries to {output} "
              f"({time.perf_counter() - t0:.1f} s).")
    else:
        click.echo(run, nl=False)


def _ignored_filler(index, filler, positive: str, *, max_documents: int = 200_000) -> list[str]:
    """The filler words to report as ignored: not those inside a descriptor of this catalog that the
    request spells out ("music" in "sleep music" when a track carries "sleep music"; the dense side
    reads the whole request anyway)."""
    import re

    filler = list(filler)
    try:
        documents = index.documents if filler else None
    except Exception:  # noqa: BLE001 - a display nicety: never fail a query over it
        documents = None
    if not documents or len(documents) > max_documents:
        return filler
    words = re.findall(r"[\w&'-]+", positive.lower())
    joined = "\n".join(f", {d.lower()}," for d in documents)
    kept = set()
    for i, w in enumerate(words):
        if w in filler and any(
            f", {' '.join(words[a:b])}," in joined
            for a, b in ((i - 1, i + 1), (i, i + 2), (i - 2, i + 1), (i - 1, i + 2), (i, i + 3)) if a >= 0 and b <= len(words)
        ):
            kept.add(w)
    return [f for f in filler if f not in kept]


def _print_hits(index, result, mode: str, elapsed: float, *, negation: str = "off") -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    console = _console()
    text, hits = result.text, result.hits
    src = index.name if index.name != "demo" else "demo (built-in catalog of fictional tracks)"
    plan = result.plan
    negated = bool(plan.exclusions)
    if negated:
        wanted = escape(plan.positive) if plan.positive else "(anything)"
        console.print(f"[dim]wanted:[/] [bold]{wanted}[/]   [dim]without:[/] [bold red]{escape(', '.join(plan.exclusions))}[/]"
                      f"   [dim]({'removed' if negation == 'filter' else 'pushed down'} when a descriptor carries one)[/]")
    if plan.understood:
        for p in plan.references:
            ref = p.reference
            console.print(f"[dim]like:[/] [bold magenta]{escape(p.label)}[/] "
                          f"[dim]({ref.kind}, {len(ref.matches)} item(s) in this catalog)[/]")
        for ref in plan.unresolved:
            console.print(f"[dim]not in this catalog:[/] {escape(ref.span)} [dim](left out of matching)[/]")
        for y in plan.years:
            r = y.mention.range
            how = "filter" if y.filtered else "matched as decade descriptors"
            console.print(f"[dim]years:[/] {'not ' if r.negated else ''}{r.lo or '…'}–{r.hi or '…'} [dim]({how})[/]")
        ignored = _ignored_filler(index, plan.filler, plan.positive)
        if ignored:
            console.print(f"[dim]ignored: {escape(', '.join(ignored))}[/]")
        if plan.nothing_to_match:
            console.print(f"Nothing to match in {escape(repr(text))}: no description, no name this catalog knows, "
                          "no year. Say what it should sound like, e.g. \"calm piano\".")
            return
    table = Table(title=f"[bold]{escape(text)}[/]  [dim]{mode} · {escape(src)} · {elapsed * 1000:.0f} ms[/]",
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
        console.print(f"No track matches {escape(repr(text))} in {mode} mode.", markup=True)
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


def print_similar(index, result, elapsed: float) -> None:
    """The table of ``nlrec similar`` (shared descriptors in bold); TSV on stdout when piped."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    ref = result.reference
    table = Table(title=f"[bold]like {escape(ref['name'])}[/] [dim]({ref['kind']}, {len(ref['ids'])} item(s)) · "
                        f"{escape(index.name)} · {elapsed * 1000:.0f} ms[/]", title_justify="left", expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("score", justify="right")
    table.add_column("track", overflow="fold", max_width=40)
    table.add_column("descriptors (shared in bold)", overflow="fold")
    for h in result.hits:
        name = Text(h.title or h.id, style="bold")
        if h.artist:
            name.append(f"\n{h.artist}", style="cyan")
        desc = Text()
        for i, d in enumerate(h.descriptors):
            desc.append(", " if i else "")
            desc.append(d, style="bold green" if d in h.matched else "")
        table.add_row(str(h.rank), f"{h.score:.3f}", name, desc)
    _console().print(table)
    if not sys.stdout.isatty():
        _echo_tsv(result.hits)
