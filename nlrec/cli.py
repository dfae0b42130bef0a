"""The ``nlrec`` command line: a thin click layer over the library.

Data goes to stdout (``--json``, TREC runs, tab-separated hits when piped); tables, progress and
messages go to stderr. Heavy libraries are imported inside commands, so ``nlrec --help`` and
``nlrec index list`` start instantly.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from nlrec import __version__
from nlrec.commands._ui import console as _console
from nlrec.commands._ui import interactive as _interactive
from nlrec.commands._ui import note as _note
from nlrec.commands._ui import progress as _progress
from nlrec.commands._ui import warnings_to_stderr as _warnings_to_stderr
from nlrec.errors import NlrecError

MODES = ("dense", "tfidf", "bm25", "hybrid")
DATASETS = ("musiccaps", "mtt", "msd")
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class NlrecGroup(click.Group):
    """Turns expected failures into one-line errors (exit 1) instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NlrecError as e:
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except MemoryError:
            raise click.ClickException("out of memory; try a smaller catalog or batch") from None


def _peak_rss_mb() -> float:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    except (ImportError, OSError):  # pragma: no cover - non-Unix
        return float("nan")


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


# ------------------------------------------------------------------------------------- query
@cli.command()
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
        from nlrec.commands.profile import query_with_profile

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


# ------------------------------------------------------------------------------------- index
@cli.group(cls=NlrecGroup, context_settings=CONTEXT_SETTINGS)
def index() -> None:
    """Build, list, inspect and remove indexes (stored under NLREC_HOME)."""


@index.command("build")
@click.option("--name", required=True, help="Index name (or a directory path).")
@click.option("--dataset", type=click.Choice(DATASETS), help="A public dataset read from --data-dir.")
@click.option("--data-dir", envvar="NLREC_DATA", type=click.Path(file_okay=False), help="Public data directory [env: NLREC_DATA].")
@click.option("--split", type=click.Choice(["all", "train", "test", "valid"]), default="all", show_default=True, help="Dataset split to index.")
@click.option("--from-hub", is_flag=True, help="Load --dataset musiccaps from the Hugging Face hub (needs network).")
@click.option("--catalog", "catalog_file", type=click.Path(dir_okay=False), help="A catalog file: CSV, TSV, JSONL, JSON or Parquet.")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "jsonl", "json", "parquet"]), help="Catalog format (default: from the suffix).")
@click.option("--id-col", default="id", show_default=True, help="Column holding track ids.")
@click.option("--descriptors-col", default="descriptors", show_default=True, help="Column holding the descriptor set.")
@click.option("--title-col", help="Column holding titles [default: title, if present].")
@click.option("--artist-col", help="Column holding artists [default: artist, if present].")
@click.option("--year-col", help="Column holding years [default: year, if present].")
@click.option("--sep", default=",", show_default=True, help="Descriptor separator inside a cell.")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the catalog file.")
@click.option("--model", default="default", show_default=True, metavar="PATH|ID", help="Dense encoder: 'default' (packaged all-MiniLM-L6-v2), a local directory or a hub id.")
@click.option("--factory", default="auto", show_default=True, help="FAISS factory string; auto = exact up to 50k documents, HNSW32 beyond.")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=64, show_default=True)
@click.option("--json", "json_out", is_flag=True, help="Print the build report as JSON.")
def index_build(name, dataset, data_dir, split, from_hub, catalog_file, fmt, id_col, descriptors_col,
                title_col, artist_col, year_col, sep, encoding, model, factory, batch_size, json_out):
    """Embed a catalog or dataset and write an index (atomically replacing one of the same name)."""
    from nlrec.index import build_index, validate_name

    if (dataset is None) == (catalog_file is None):
        raise click.UsageError("give exactly one of --dataset or --catalog")
    if "/" not in name and "\\" not in name:
        validate_name(name)
    t0 = time.perf_counter()
    if dataset:
        from nlrec.datasets import load_dataset, load_musiccaps_hub

        if from_hub:
            if dataset != "musiccaps":
                raise click.UsageError("--from-hub is available for --dataset musiccaps")
            catalog = load_musiccaps_hub(split=split)
        else:
            catalog = load_dataset(dataset, data_dir, split=split)
        source = {"dataset": dataset, "split": split}
    else:
        from nlrec.catalog import Catalog

        catalog = Catalog.from_file(
            catalog_file, format=fmt, encoding=encoding, id_col=id_col, descriptors_col=descriptors_col,
            title_col=title_col, artist_col=artist_col, year_col=year_col, sep=sep,
        )
        source = {"dataset": None}
    if catalog.skipped_empty:
        _note(f"warning: skipped {catalog.skipped_empty} row(s) with an empty descriptor set")
    load_seconds = time.perf_counter() - t0
    with _progress(_interactive(json_out), f"index {name}") as update:
        idx = build_index(catalog, name, model=model, factory=factory, progress=update,
                          source=source, batch_size=batch_size)
    report = {
        **idx.info(),
        "skipped_empty": catalog.skipped_empty,
        "load_seconds": round(load_seconds, 3),
        "build_seconds": idx.manifest["build"]["seconds"],
        "encode_seconds": idx.manifest["build"]["encode_seconds"],
        "total_seconds": round(time.perf_counter() - t0, 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    if json_out:
        click.echo(json.dumps(report, indent=2))
    else:
        _note(
            f"Built index {report['name']!r}: {report['tracks']:,} tracks, {report['documents']:,} unique "
            f"descriptor sets, {report['dimension']}-d {report['faiss']} in {report['total_seconds']:.1f} s "
            f"(peak memory {report['peak_rss_mb']:.0f} MB) -> {report['path']}"
        )


@index.command("list")
@click.option("--json", "json_out", is_flag=True, help="Print as JSON.")
def index_list(json_out):
    """List the indexes under NLREC_HOME."""
    from nlrec.index import list_indexes
    from nlrec.paths import indexes_dir

    items = list_indexes()
    if json_out:
        click.echo(json.dumps(items, indent=2))
        return
    if not items:
        _note(f"No index in {indexes_dir()} yet. Build one with: nlrec index build --help")
        return
    from rich.table import Table

    table = Table(title=f"Indexes in {indexes_dir()}", title_justify="left")
    for col in ("name", "tracks", "documents", "encoder", "created"):
        table.add_column(col, justify="right" if col in ("tracks", "documents") else "left")
    for it in items:
        if "error" in it:
            table.add_row(it["name"], "-", "-", f"[red]{it['error']}[/]", "-")
        else:
            table.add_row(it["name"], f"{it['tracks']:,}", f"{it['documents']:,}", it["encoder"], it["created_at"])
    _console().print(table)


@index.command("info")
@click.argument("name")
@click.option("--verify", is_flag=True, help="Check every file's SHA-256 against the manifest.")
@click.option("--json", "json_out", is_flag=True, help="Print the manifest as JSON.")
def index_info(name, verify, json_out):
    """Show an index's manifest (encoder, corpus, files)."""
    from nlrec.index import Index, verify_files

    idx = Index.open(name)
    if verify:
        verify_files(idx.path, idx.manifest, full=True)
    if json_out:
        click.echo(json.dumps({**idx.info(), "manifest": idx.manifest}, indent=2))
        return
    from rich.table import Table

    m = idx.manifest
    table = Table(show_header=False, title=f"Index {idx.name!r}", title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("path", str(idx.path)),
        ("tracks", f"{m['corpus']['n_tracks']:,} ({m['corpus']['n_documents']:,} unique descriptor sets)"),
        ("source", str(m["corpus"].get("dataset") or m["corpus"]["source"])),
        ("encoder", m["encoder"]["id"]),
        ("weights sha256", m["encoder"]["weights_sha256"]),
        ("dimension / metric", f"{m['dimension']} / {m['metric']}"),
        ("faiss", m["faiss"]["factory"]),
        ("bm25", f"{m['sparse']['bm25']['method']} k1={m['sparse']['bm25']['k1']} b={m['sparse']['bm25']['b']}"),
        ("corpus sha256", m["corpus"]["sha256"]),
        ("built", f"{m['created_at']} by nlrec {m['nlrec_version']} in {m['build']['seconds']:.1f} s"),
        ("size", f"{idx.info()['size_bytes'] / 1e6:.1f} MB in {len(m['files'])} files"
         + (" (verified)" if verify else "")),
    ]
    for k, v in rows:
        table.add_row(k, v)
    _console().print(table)


@index.command("rm")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def index_rm(name, yes):
    """Delete an index."""
    from nlrec.index import remove_index, resolve_index_path

    path = resolve_index_path(name)
    if not (path / "manifest.json").is_file():
        raise NlrecError(f"no index named {name!r} in {path.parent}")
    if not yes and not click.confirm(f"Delete index {name!r} at {path}?", err=True):
        raise click.Abort()
    remove_index(name)
    _note(f"Removed index {name!r}.")


def main() -> None:  # pragma: no cover - console entry point alias
    cli()


if __name__ == "__main__":  # pragma: no cover
    cli()

# Sub-command groups live in nlrec/commands/; each imports its heavy libraries lazily.
from nlrec.commands.bench import bench  # noqa: E402
from nlrec.commands.eval import eval_group  # noqa: E402
from nlrec.commands.eval_tags import eval_tags  # noqa: E402
from nlrec.commands.parse import parse_cmd  # noqa: E402
from nlrec.commands.profile import eval_profiles, profile_group  # noqa: E402
from nlrec.commands.train import train_group  # noqa: E402

eval_group.add_command(eval_profiles, "profiles")
eval_group.add_command(eval_tags, "tags")
for _command in (bench, eval_group, parse_cmd, profile_group, train_group):
    cli.add_command(_command)
