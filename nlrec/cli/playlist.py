"""``nlrec playlist``: a request in, an M3U8 or XSPF playlist out."""

from __future__ import annotations

import click

from nlrec.cli.ui import CONTEXT_SETTINGS, echo_json, note, warnings_to_stderr


@click.command("playlist", context_settings=CONTEXT_SETTINGS)
@click.argument("request")
@click.option("--index", "index_name", metavar="NAME", help="Index to draw from (default: the built-in demo catalog).")
@click.option("--minutes", type=click.FloatRange(0, 7 * 24 * 60, min_open=True), default=None,
              help="Length to fill, from the tracks' durations  [default: 60, unless --tracks is given].")
@click.option("-n", "--tracks", "n_tracks", type=click.IntRange(1, 10_000), default=None,
              help="A number of tracks instead of a length.")
@click.option("--max-per-artist", type=click.IntRange(0), default=3, show_default=True,
              help="At most this many tracks of one artist (0: no cap).")
@click.option("--diversity", type=click.FloatRange(0, 1), default=0.3, show_default=True,
              help="MMR weight of variety over the descriptor vectors (0: search order; MMR lambda = 1 - this).")
@click.option("--assume-seconds", type=click.FloatRange(1, 3600), default=210, show_default=True,
              help="Length counted for a track whose duration the index does not know.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="The playlist file (.m3u8, .m3u or .xspf); default: M3U8 on stdout.")
@click.option("--format", "fmt", type=click.Choice(["m3u8", "xspf"]), help="Format (default: from the -o extension).")
@click.option("--relative-to", type=click.Path(file_okay=False), metavar="DIR",
              help="Write paths relative to DIR (e.g. the player's music folder).")
@click.option("--absolute", is_flag=True,
              help="Write absolute paths (default: relative to the playlist's folder when every file is beneath it).")
@click.option("--mode", type=click.Choice(["dense", "tfidf", "bm25", "hybrid"]), default="hybrid", show_default=True,
              help="How the request is searched.")
@click.option("--where", metavar="EXPR", help="Only tracks whose fields match (see docs/filters.md).")
@click.option("--json", "json_out", is_flag=True, help="Print the playlist (entries, lengths, notes) as JSON on stdout.")
def playlist_cmd(request, index_name, minutes, n_tracks, max_per_artist, diversity, assume_seconds, output, fmt,
                 relative_to, absolute, mode, where, json_out):
    """Make a playlist for REQUEST that a music player opens.

    Tracks are searched like nlrec query, then picked for relevance and variety (MMR over the
    descriptor vectors, at most --max-per-artist per artist) until --minutes is filled from the
    tracks' durations (audio folders and beets libraries record them; other tracks count as
    --assume-seconds, and the summary says how many). See docs/playlists.md.

    \b
    Examples:
      nlrec playlist "calm evening jazz" --index music --minutes 60 -o evening.m3u8
      nlrec playlist "upbeat workout" --index music -n 25 -o run.xspf --relative-to ~/Music
    """
    from pathlib import Path

    from nlrec.cli.query import open_for_query
    from nlrec.playlists import (
        PathStyle,
        PlaylistSpec,
        format_for,
        make_playlist,
        render,
        write_playlist,
    )
    from nlrec.search import SearchOptions

    if absolute and relative_to:
        raise click.UsageError("give --absolute or --relative-to, not both")
    if minutes is not None and n_tracks is not None:
        raise click.UsageError("give --minutes or --tracks, not both")
    kind = format_for(output, fmt)  # an unknown extension fails before any search
    spec = PlaylistSpec(minutes=None if n_tracks is not None else (minutes or 60.0), tracks=n_tracks or 20,
                        max_per_artist=max_per_artist or None, diversity=diversity, assumed_seconds=assume_seconds)
    if relative_to:
        style = PathStyle("relative", Path(relative_to))
    elif absolute:
        style = PathStyle("absolute")
    else:
        style = PathStyle("auto", Path(output).expanduser().parent if output else None)
    index = open_for_query(index_name, json_out)
    with warnings_to_stderr():
        playlist = make_playlist(index, request, spec, options=SearchOptions(mode=mode, where=where))
    if output:
        write_playlist(playlist, output, fmt=kind, style=style)
    if json_out:
        echo_json({**playlist.to_dict(), "output": output, "format": kind})
    elif not output:
        click.echo(render(playlist, kind, style), nl=False)
    for line in playlist.notes:
        note(f"note: {line}")
    if not playlist.settings.get("require_files"):
        note("warning: these tracks have no files in the index (not built from audio or beets): "
             "the playlist lists track ids")
    target = f" of {spec.target_seconds / 60:.0f} asked" if spec.target_seconds else ""
    where_to = f" -> {output}" if output else ""
    note(f"{len(playlist.entries)} tracks, {playlist.seconds / 60:.1f} min{target}{where_to}")
