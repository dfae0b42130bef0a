"""``nlrec tag``: descriptors, tag probabilities and file metadata from audio files.

Needs the ``audio`` extra; torch and the taggers are imported only when the command runs.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from nlrec.cli.ui import CONTEXT_SETTINGS, console, dumps_json, interactive, note


def _windows(value: str) -> int | None:
    if value.lower() == "all":
        return None
    try:
        n = int(value)
    except ValueError:
        raise click.BadParameter("a positive number or 'all'") from None
    if n < 1:
        raise click.BadParameter("a positive number or 'all'")
    return n


@contextmanager
def _file_progress(enabled: bool, total: int):
    """A rich bar on stderr showing files done and files per second; yields ``advance(path)``."""
    if not enabled:
        yield lambda path: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]tagging"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[name]}"),
        console=console(),
        transient=True,
    ) as bar:
        task = bar.add_task("tag", total=total, rate="", name="")

        def advance(path) -> None:
            bar.advance(task)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:.2f} files/s" if speed else "", name=path.name[:40])

        yield advance


@click.command("tag", context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--json", "json_out", is_flag=True,
              help='Print {"tracks", "skipped", "counts", "seconds", "files_per_second"} as JSON.')
@click.option("--top-k", type=click.IntRange(min=1), default=5, show_default=True,
              help="Descriptors kept per vocabulary (MTT, MSD).")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=0.15, show_default=True,
              help="Probability a descriptor needs (the best of each vocabulary is always kept).")
@click.option("--rule", type=click.Choice(["threshold", "calibrated"]), default="threshold", show_default=True,
              help="Descriptor rule: one --threshold for every tag, or per-tag thresholds at --lift times the "
                   "tag's training-data prior (docs/audio.md).")
@click.option("--lift", type=click.FloatRange(1.0, 100.0), default=2.0, show_default=True,
              help="With --rule calibrated: how many times its prior a tag's probability must be.")
@click.option("--vocals", "vocals", type=click.Choice(["decide", "off"]), default="decide", show_default=True,
              help="'decide': keep \"no vocals\" when the no-vocals evidence is at least twice the strongest "
                   "singing window (docs/audio.md); 'off': the plain rule.")
@click.option("--windows", default="10", show_default=True, metavar="N|all",
              help="3-s windows analysed per file, spread evenly over it ('all': every window).")
@click.option("--backend", type=click.Choice(["onnx", "torch"]), default="onnx", show_default=True,
              help="onnxruntime (the port exported once, cached) or the PyTorch port itself.")
def tag_cmd(paths, json_out, top_k, threshold, rule, lift, vocals, windows, backend):
    """Tag audio files (mp3, ogg, opus, flac, wav) or folders of them.

    Both musicnn taggers (MagnaTagATune and Million Song Dataset vocabularies) run on each file;
    the output has every tag probability, the descriptor set chosen from them (synonyms merged,
    at most --top-k per vocabulary at or above --threshold) and the file's own tags (title,
    artist, album, year, genre). Every file that cannot be tagged (unsupported format such as
    .mid or .xm, empty, unreadable, silent, too short, a byte-identical duplicate) is named with
    its reason; files that look truncated are flagged. Exits 1 when nothing could be tagged.

    \b
    Examples:
      nlrec tag ~/Music/new --json > tags.json
      nlrec tag song.mp3 --top-k 3 --threshold 0.2 --windows all
    """
    from nlrec.audio.deps import require_audio

    require_audio()
    max_windows = _windows(windows)
    from nlrec.audio.decode import iter_audio_files
    from nlrec.audio.tagger import AudioTagger, SkippedFile, TagRun
    from nlrec.cli.audio_report import note_skipped_and_warnings

    files = list(iter_audio_files(paths, unsupported=True))
    tagger = AudioTagger(max_windows=max_windows, top_k=top_k, threshold=threshold,
                         backend=backend, rule=rule, lift=lift, vocals=vocals)
    run = TagRun()
    import time

    start = time.perf_counter()
    with _file_progress(interactive(json_out), len(files)) as advance:
        for path, result in zip(files, tagger.iter_files(files)):
            if isinstance(result, SkippedFile):
                run.skipped.append(result)
                if not json_out:
                    note_skipped_and_warnings({"skipped_files": [result.to_dict()]})
            else:
                run.tracks.append(result)
                if not json_out:
                    text = ", ".join(f"{d.text} ({d.probability:.2f})" for d in result.descriptors)
                    click.echo(f"{result.path}\t{text}")
                    note_skipped_and_warnings({"warnings": run.warned()[-1:] if result.warnings else []})
            advance(path)
    run.seconds = time.perf_counter() - start
    counts = {"files": len(files), "tagged": len(run.tracks), "skipped": len(run.skipped),
              **{f"skipped_{k.replace(' ', '_')}": v for k, v in run.skipped_counts().items()}}
    if json_out:
        click.echo(dumps_json({
            "tracks": [t.to_dict() for t in run.tracks],
            "skipped": [s.to_dict() for s in run.skipped],
            "warnings": run.warned(),
            "counts": counts,
            "seconds": round(run.seconds, 3),
            "files_per_second": round(run.files_per_second, 4),
        }))
    else:
        note(f"{counts['tagged']} tagged, {counts['skipped']} skipped in {run.seconds:.1f} s "
             f"({run.files_per_second:.2f} files/s)")
    sys.stdout.flush()
    if not files:
        raise click.ClickException("no audio files found (mp3, ogg, opus, flac, wav, aiff)")
    if not run.tracks:
        raise click.ClickException(f"nothing could be tagged: {len(run.skipped)} file(s) skipped")
