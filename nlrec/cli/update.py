"""``nlrec index add`` and ``nlrec index remove``: incremental updates of an existing index."""

from __future__ import annotations

import time
from pathlib import Path

import click

from nlrec.cli.ui import catalog_options, echo_json, interactive, note, progress, warnings_to_stderr


@click.command("add")
@click.argument("name")
@click.option("--catalog", "catalog_file", type=click.Path(dir_okay=False),
              help="Tracks to add or replace (upsert by id): CSV, TSV, JSONL, JSON or Parquet.")
@click.option("--audio-dir", type=click.Path(file_okay=False),
              help="Tag and add the audio files of this folder that the index does not hold yet (audio extra).")
@click.option("--beets-library", type=click.Path(dir_okay=False), metavar="PATH/library.db",
              help="Tag and add the items of this beets library that the index does not hold yet (audio extra).")
@click.option("--beets-directory", type=click.Path(file_okay=False),
              help="With --beets-library: beets' music directory [default: as at build, or the beets config].")
@click.option("--windows", type=click.IntRange(1), default=10, show_default=True,
              help="With --audio-dir / --beets-library: 3-second windows analysed per file.")
@catalog_options
@click.option("--json", "json_out", is_flag=True, help="Print the update report as JSON.")
def index_add(name, catalog_file, audio_dir, beets_library, beets_directory, windows, fmt, id_col, descriptors_col, title_col, artist_col, year_col,
              sep, encoding, json_out):
    """Add or replace tracks in an index; only new descriptor sets are embedded."""
    from nlrec.catalog import Catalog
    from nlrec.index import Index

    if sum(x is not None for x in (catalog_file, audio_dir, beets_library)) != 1:
        raise click.UsageError("give exactly one of --catalog, --audio-dir or --beets-library")
    if beets_library is not None:
        from nlrec.cli.beets_cmds import add_from_beets

        report = add_from_beets(Index.open(name), beets_library, beets_directory, windows, json_out)
        return _audio_report(report, json_out, f"{beets_library} (beets items, matched by id)")
    if audio_dir is not None:
        return _add_audio(Index.open(name), audio_dir, windows, json_out)
    catalog = Catalog.from_file(catalog_file, format=fmt, encoding=encoding, id_col=id_col,
                                descriptors_col=descriptors_col, title_col=title_col, artist_col=artist_col,
                                year_col=year_col, sep=sep)
    if catalog.skipped_empty:
        note(f"warning: skipped {catalog.skipped_empty} row(s) with an empty descriptor set")
    _run(Index.open(name), json_out, upsert=catalog.tracks)


@click.command("remove")
@click.argument("name")
@click.argument("ids", nargs=-1)
@click.option("--ids", "ids_file", type=click.Path(dir_okay=False, exists=True),
              help="A file with one track id a line.")
@click.option("--json", "json_out", is_flag=True, help="Print the update report as JSON.")
def index_remove(name, ids, ids_file, json_out):
    """Remove tracks by id (given as arguments or in --ids FILE); they stop being returned at once."""
    from nlrec.errors import NlrecError
    from nlrec.index import Index

    wanted = list(ids)
    if ids_file:
        try:
            wanted += [ln.strip() for ln in Path(ids_file).read_text(encoding="utf-8").splitlines() if ln.strip()]
        except UnicodeDecodeError:
            raise NlrecError(f"{ids_file}: not UTF-8 text") from None
    if not wanted:
        raise click.UsageError("give track ids, or --ids FILE")
    _run(Index.open(name), json_out, remove=wanted)


def _add_audio(index, audio_dir, windows, json_out) -> None:
    from nlrec.audio.deps import require_audio
    from nlrec.audio.index import add_audio

    require_audio()
    with progress(interactive(json_out), f"tag {audio_dir}") as tick, warnings_to_stderr():
        on_file = (lambda done, total, path: tick("files", done, total)) if tick else None
        report = add_audio(index, audio_dir, windows=windows, on_file=on_file, progress=tick)
    _audio_report(report, json_out, str(audio_dir))


def _audio_report(report, json_out, source: str) -> None:
    """An audio add's report: skipped files named, nothing-new said plainly (exit 0)."""
    from nlrec.cli.audio_report import note_skipped_and_warnings

    if not json_out:
        note_skipped_and_warnings(report)
    if report["added"] or report["replaced"] or json_out:
        _report(report, json_out)
        return
    report.pop("index").close()
    note(f"Nothing new in {source}: {report['already_indexed']} file(s) already indexed (by content), "
         f"{sum(report['skipped'].values())} skipped; index unchanged")


def _run(index, json_out, **changes) -> None:
    from nlrec.index.update import update_index

    t0 = time.perf_counter()
    try:
        with progress(interactive(json_out), f"update {index.name}") as update, warnings_to_stderr():
            report = update_index(index, progress=update, **changes)
    finally:
        index.close()  # the version updated: closing it lets its generation be removed now
    report["total_seconds"] = round(time.perf_counter() - t0, 3)
    _report(report, json_out)


def _report(report, json_out) -> None:
    new = report.pop("index")
    report.update(name=new.name, path=str(new.path))
    report.setdefault("total_seconds", report.get("seconds"))
    new.close()
    if json_out:
        echo_json(report)
        return
    if report.get("unchanged"):
        note(f"Index {new.name!r} unchanged: no track has the id(s) {', '.join(report['unknown_removals'])}")
        return
    missing = f"; not in the index: {', '.join(report['unknown_removals'])}" if report["unknown_removals"] else ""
    if "tagged" in report:  # an audio add
        missing += (f"; tagged {report['tagged']} file(s), {report['already_indexed']} already indexed, "
                    f"{sum(report['skipped'].values())} skipped")
    note(f"Updated index {new.name!r}: {report['added']} added, {report['replaced']} replaced, "
         f"{report['removed']} removed, {report['embedded']} new descriptor sets embedded; now "
         f"{report['tracks']:,} tracks in {report['total_seconds']:.1f} s{missing}")
