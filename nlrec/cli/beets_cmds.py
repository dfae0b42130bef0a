"""The beets parts of ``nlrec index build`` and ``nlrec index add`` (``--beets-library``)."""

from __future__ import annotations

import json
import time

import click

from nlrec.cli.ui import interactive, note, peak_rss_mb, progress


def build_from_beets(name: str, db: str, music_dir: str | None, model: str, windows: int, json_out: bool) -> None:
    """``index build --beets-library DB``: tag the library's files and index its items."""
    from nlrec.audio.deps import require_audio
    from nlrec.beets.index import build_beets_index
    from nlrec.cli.audio_report import note_skipped_and_warnings

    require_audio()
    t0 = time.perf_counter()
    with progress(interactive(json_out), f"tag {db}") as tick:
        on_file = (lambda done, total, path: tick("files", done, total)) if tick else None
        idx, report = build_beets_index(db, name, model=model, windows=windows, music_dir=music_dir,
                                        on_file=on_file, progress=tick)
    report = {**idx.info(), **report, "total_seconds": round(time.perf_counter() - t0, 1),
              "peak_rss_mb": round(peak_rss_mb(), 1)}
    idx.close()
    if json_out:
        click.echo(json.dumps(report, indent=2))
        return
    note_skipped_and_warnings(report)
    note(f"Built index {report['name']!r} from {report['indexed']} of {report['items']} beets items "
         f"({report['tagged']} tagged from the audio, {report['without_audio']} from beets fields only) "
         f"in {report['total_seconds']:.1f} s -> {report['path']}")


def add_from_beets(index, db: str, music_dir: str | None, windows: int, json_out: bool) -> dict:
    """``index add NAME --beets-library DB``: tag and add what beets imported since; returns the
    report (``nlrec index add`` renders it)."""
    from nlrec.audio.deps import require_audio
    from nlrec.beets.index import add_beets

    require_audio()
    with progress(interactive(json_out), f"tag new items of {db}") as tick:
        on_file = (lambda done, total, path: tick("files", done, total)) if tick else None
        return add_beets(index, db, windows=windows, music_dir=music_dir, on_file=on_file, progress=tick)
