"""``nlrec index``: build, list, inspect and remove indexes."""

from __future__ import annotations

import json
import time

import click

from nlrec.cli.ui import (
    CONTEXT_SETTINGS,
    NlrecGroup,
    catalog_options,
    peak_rss_mb,
    warnings_to_stderr,
)
from nlrec.cli.ui import console as _console
from nlrec.cli.ui import interactive as _interactive
from nlrec.cli.ui import note as _note
from nlrec.cli.ui import progress as _progress
from nlrec.errors import NlrecError

DATASETS = ("musiccaps", "mtt", "msd", "hetrec")  # nlrec.catalog.datasets.DATASETS (not imported: --help stays instant)


# ------------------------------------------------------------------------------------- index
@click.group("index", cls=NlrecGroup, context_settings=CONTEXT_SETTINGS)
def index() -> None:
    """Build, list, inspect and remove indexes (stored under NLREC_HOME)."""


@index.command("build")
@click.option("--name", required=True, help="Index name (or a directory path).")
@click.option("--dataset", type=click.Choice(DATASETS), help="A public dataset read from --data-dir.")
@click.option("--data-dir", envvar="NLREC_DATA", type=click.Path(file_okay=False), help="Public data directory [env: NLREC_DATA].")
@click.option("--split", type=click.Choice(["all", "train", "test", "valid"]), default="all", show_default=True, help="Dataset split to index.")
@click.option("--from-hub", is_flag=True, help="Load --dataset musiccaps from the Hugging Face hub (needs network).")
@click.option("--catalog", "catalog_file", type=click.Path(dir_okay=False), help="A catalog file: CSV, TSV, JSONL, JSON or Parquet.")
@catalog_options
@click.option("--model", default="default", show_default=True, metavar="PATH|ID", help="Dense encoder: 'default' (= music-minilm, all-MiniLM-L6-v2 tuned on MusicCaps, shipped in the package), "
              "'minilm' (the untuned all-MiniLM-L6-v2), a local directory or a hub id.")
@click.option("--factory", default="auto", show_default=True, help="FAISS factory string; auto = exact up to 50k documents, HNSW32 beyond.")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=64, show_default=True)
@click.option("--audio-dir", type=click.Path(file_okay=False), help="A folder of audio files: tagged from the audio "
              "(needs the audio extra), descriptors where the files have none, and 'sounds like' embeddings.")
@click.option("--beets-library", type=click.Path(dir_okay=False), metavar="PATH/library.db",
              help="A beets library (read-only): its items with beets' fields, descriptors from the files (audio extra).")
@click.option("--beets-directory", type=click.Path(file_okay=False),
              help="With --beets-library: beets' music directory [default: from the beets config.yaml].")
@click.option("--windows", type=click.IntRange(1), default=10, show_default=True,
              help="With --audio-dir / --beets-library: 3-second windows analysed per file.")
@click.option("--backend", type=click.Choice(["local", "milvus"]), default="local", show_default=True,
              help="Where the vectors live: a local FAISS file, or Milvus (docs/scaling.md).")
@click.option("--uri", help="With --backend milvus: a Milvus Lite file (PATH.db) or http://host:19530.")
@click.option("--collection", help="With --backend milvus: the collection name [default: the index name].")
@click.option("--token-env", default="NLREC_MILVUS_TOKEN", show_default=True, metavar="VAR",
              help="With --backend milvus: the environment variable holding the Milvus token, if any.")
@click.option("--chunk-size", type=click.IntRange(1), default=20000, show_default=True,
              help="With --backend milvus: tracks read, embedded and inserted per checkpoint.")
@click.option("--milvus-index", default="FLAT", show_default=True,
              help="With --backend milvus: the vector index (FLAT = exact, HNSW, IVF_FLAT, ...).")
@click.option("--restart", is_flag=True, help="With --backend milvus: discard an unfinished build instead of resuming it.")
@click.option("--json", "json_out", is_flag=True, help="Print the build report as JSON.")
def index_build(name, dataset, data_dir, split, from_hub, catalog_file, fmt, id_col, descriptors_col,
                title_col, artist_col, year_col, sep, encoding, model, factory, batch_size, audio_dir, beets_library,
                beets_directory, windows, backend, uri, collection, token_env, chunk_size, milvus_index, restart, json_out):
    """Embed a catalog, dataset or audio folder and write an index (replacing one of the same name)."""
    from nlrec.index import build_index

    if sum(x is not None for x in (dataset, catalog_file, audio_dir, beets_library)) != 1:
        raise click.UsageError("give exactly one of --dataset, --catalog, --audio-dir or --beets-library")
    from nlrec.index.generations import check_replaceable
    from nlrec.index.registry import resolve_index_path

    check_replaceable(resolve_index_path(name))  # before loading anything: refuse a foreign folder
    if audio_dir is not None:
        if backend != "local":
            raise click.UsageError("--audio-dir builds a local index; add its tracks to a Milvus index with nlrec index add")
        return _build_audio(name, audio_dir, model, windows, json_out)
    if beets_library is not None:
        if backend != "local":
            raise click.UsageError("--beets-library builds a local index")
        from nlrec.cli.beets_cmds import build_from_beets

        return build_from_beets(name, beets_library, beets_directory, model, windows, json_out)
    if backend == "milvus":
        from nlrec.cli.index_milvus import build_on_milvus

        return build_on_milvus(name=name, dataset=dataset, data_dir=data_dir, split=split, catalog_file=catalog_file,
                               fmt=fmt, encoding=encoding, mapping=dict(id_col=id_col, descriptors_col=descriptors_col,
                               title_col=title_col, artist_col=artist_col, year_col=year_col, sep=sep),
                               model=model, batch_size=batch_size, uri=uri, collection=collection, token_env=token_env,
                               chunk_size=chunk_size, index_type=milvus_index, restart=restart, json_out=json_out)
    if uri or collection:
        raise click.UsageError("--uri and --collection need --backend milvus")
    t0 = time.perf_counter()
    if dataset:
        from nlrec.catalog.datasets import load_dataset, load_musiccaps_hub

        if from_hub:
            if dataset != "musiccaps":
                raise click.UsageError("--from-hub is available for --dataset musiccaps")
            catalog = load_musiccaps_hub(split=split)
        else:
            catalog = load_dataset(dataset, data_dir, split=split)
        source = {"dataset": dataset, "split": split}
    else:
        from nlrec.catalog import Catalog

        with warnings_to_stderr():  # descriptors cut on a track: one "warning:" line naming it
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
                          source=source, batch_size=batch_size, on_wait=_note)
    report = {
        **idx.info(),
        "skipped_empty": catalog.skipped_empty,
        "load_seconds": round(load_seconds, 3),
        "build_seconds": idx.manifest.build_seconds,
        "encode_seconds": idx.manifest.encode_seconds,
        "total_seconds": round(time.perf_counter() - t0, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
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
    from rich.text import Text

    table = Table(title=Text(f"Indexes in {indexes_dir()}"), title_justify="left")
    for col in ("name", "tracks", "documents", "encoder", "created"):
        table.add_column(col, justify="right" if col in ("tracks", "documents") else "left")
    for it in items:
        if "error" in it:
            table.add_row(Text(it["name"]), "-", "-", Text(it["error"], style="red"), "-")
        else:
            table.add_row(Text(it["name"]), f"{it['tracks']:,}", f"{it['documents']:,}", Text(it["encoder"]),
                          Text(it["created_at"]))
    _console().print(table)


@index.command("info")
@click.argument("name")
@click.option("--verify", is_flag=True, help="Check every file's SHA-256 against the manifest.")
@click.option("--json", "json_out", is_flag=True, help="Print the manifest as JSON.")
def index_info(name, verify, json_out):
    """Show an index's manifest (encoder, corpus, files)."""
    from nlrec.index import Index, verify_files

    with Index.open(name) as idx:
        if verify:  # the manifest itself is checked against the pointer's checksum at every open
            verify_files(idx.path, idx.manifest, full=True, name=idx.name)
            if idx.backend == "milvus":
                from nlrec.index.milvus import verify_backend

                verify_backend(idx)
            if idx.generation is None:
                _note(f"note: {idx.name!r} is a format-1 index: its manifest has no checksum; "
                      "rebuild it to have the manifest verified too")
        if json_out:
            click.echo(json.dumps({**idx.info(), "manifest": idx.manifest.raw}, indent=2))
            return
        _print_info(idx, verify)


def _print_info(idx, verify: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    m = idx.manifest.raw

    def field(*keys: str, fmt: str = "{}") -> str:
        v = m
        for k in keys:
            v = v.get(k) if isinstance(v, dict) else None
        return "?" if v is None else fmt.format(v) if not isinstance(v, (dict, list)) else "?"

    man = idx.manifest
    bm25 = (f"{field('sparse', 'bm25', 'method')} k1={field('sparse', 'bm25', 'k1')} "
            f"b={field('sparse', 'bm25', 'b')}")
    built = f"{man.created_at} by nlrec {man.nlrec_version}"
    if man.build_seconds is not None:
        built += f" in {man.build_seconds:.1f} s"
    table = Table(show_header=False, title=Text(f"Index {idx.name!r}"), title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("path", str(idx.root or idx.path)),
        ("generation", "-" if idx.generation is None else str(idx.generation)),
        ("tracks", f"{man.n_tracks:,} ({man.n_documents:,} unique descriptor sets)"),
        ("source", str(man.source)),
        ("encoder", man.encoder.id),
        ("weights sha256", man.encoder.weights_sha256),
        ("dimension / metric", f"{man.dimension} / {field('metric')}"),
        ("faiss", man.factory) if idx.backend == "local" else
        ("milvus", f"{m['backend']['uri']} collection {m['backend']['collection']!r} ({man.factory})"
         + (", count and schema verified" if verify else "")),
        ("bm25", bm25),
        ("corpus sha256", man.corpus_sha256),
        ("built", built),
        ("size", f"{man.size_bytes / 1e6:.1f} MB in {len(man.files)} files" + (" (verified)" if verify else "")),
    ]
    for k, v in rows:
        table.add_row(k, Text(v))
    _console().print(table)


@index.command("rm")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def index_rm(name, yes):
    """Delete an index."""
    from nlrec.index import remove_index, resolve_index_path
    from nlrec.index.generations import check_replaceable

    path = resolve_index_path(name)
    if check_replaceable(path) == "missing" or not describe_index_exists(path):
        raise NlrecError(f"no index named {name!r} in {path.parent}")
    if not yes and not click.confirm(f"Delete index {name!r} at {path}?", err=True):
        raise click.Abort()
    remove_index(name)
    _note(f"Removed index {name!r}.")


def _build_audio(name, audio_dir, model, windows, json_out) -> None:
    from nlrec.audio.deps import require_audio
    from nlrec.audio.index import build_audio_index

    require_audio()
    t0 = time.perf_counter()
    with _progress(_interactive(json_out), f"tag {audio_dir}") as tick:
        on_file = (lambda done, total, path: tick("files", done, total)) if tick else None
        idx, report = build_audio_index(audio_dir, name, model=model, windows=windows, on_file=on_file, progress=tick)
    report = {**idx.info(), **report, "total_seconds": round(time.perf_counter() - t0, 1),
              "peak_rss_mb": round(peak_rss_mb(), 1)}
    if json_out:
        click.echo(json.dumps(report, indent=2))
        return
    from nlrec.cli.audio_report import note_skipped_and_warnings

    note_skipped_and_warnings(report)
    skipped = ", ".join(f"{n} {why}" for why, n in report["skipped"].items()) or "none"
    _note(f"Built index {report['name']!r} from {report['tagged']} audio files ({report['file_genres']} with "
          f"their own genres beside the audio descriptors; skipped: {skipped}) at {report['files_per_second']:.2f} files/s, "
          f"{report['total_seconds']:.1f} s in all -> {report['path']}")


def describe_index_exists(path) -> bool:
    from nlrec.index.registry import describe_index

    return describe_index(path) is not None
