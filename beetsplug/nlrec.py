"""beets plugin: search your beets library by description with nlrec, and write playlists.

Enable it in beets' ``config.yaml``::

    plugins: nlrec
    nlrec:
      index: beets        # the nlrec index of this library (under NLREC_HOME)
      minutes: 60         # default playlist length
      max_per_artist: 3

Then::

    beet nlrec --update                          # build the index (or add what beets imported since)
    beet nlrec "calm piano for studying"         # list matching items, best first
    beet nlrec -p study.m3u8 calm piano for studying
    beet nlrec -p run.xspf -m 45 upbeat workout

The index is an ordinary nlrec index (``nlrec index build --beets-library``): tracks carry the
beets item id, so hits are printed as beets items (``format_item``). The module is found the
way beets finds plugins: ``beetsplug`` is a namespace package, and nlrec installs
``beetsplug/nlrec.py`` into it. nlrec and its models load only when the command runs.
"""

from __future__ import annotations

from beets import ui
from beets.plugins import BeetsPlugin


class NlrecPlugin(BeetsPlugin):
    """``beet nlrec``: natural-language search and playlists over the library."""

    def __init__(self) -> None:
        super().__init__()
        self.config.add({"index": "beets", "mode": "hybrid", "minutes": 60.0, "max_per_artist": 3, "diversity": 0.3,
                         "windows": 10, "limit": 20})

    def commands(self) -> list[ui.Subcommand]:
        cmd = ui.Subcommand("nlrec", help="search the library by description, or write a playlist (nlrec)")
        cmd.parser.usage += ' "calm piano for studying"'
        cmd.parser.add_option("-p", "--playlist", dest="playlist", metavar="FILE",
                              help="write a playlist (.m3u8 or .xspf) instead of listing items")
        cmd.parser.add_option("-m", "--minutes", dest="minutes", type="float",
                              help="playlist length in minutes [default: nlrec.minutes]")
        cmd.parser.add_option("-n", "--limit", dest="limit", type="int", help="items to list [default: 20]")
        cmd.parser.add_option("--max-per-artist", dest="max_per_artist", type="int",
                              help="at most this many tracks of one artist in a playlist (0: no cap)")
        cmd.parser.add_option("--index", dest="index", help="the nlrec index [default: nlrec.index]")
        cmd.parser.add_option("--mode", dest="mode", choices=["hybrid", "dense", "bm25", "tfidf"],
                              help="how the request is searched [default: nlrec.mode, hybrid]")
        cmd.parser.add_option("-u", "--update", dest="update", action="store_true",
                              help="build the nlrec index from this library, or add what beets imported since")
        cmd.func = self.run
        return [cmd]

    def run(self, lib, opts, args) -> None:
        from nlrec.errors import NlrecError

        name = opts.index or self.config["index"].as_str()
        request = " ".join(args).strip()
        try:
            if opts.update:
                self._update(lib, name)
            if not request:
                if not opts.update:
                    raise ui.UserError('give a request, e.g. beet nlrec "calm piano for studying"')
                return
            index = self._open(name)
            try:
                mode = opts.mode or self.config["mode"].as_str()
                if opts.playlist:
                    self._playlist(lib, index, request, opts, mode)
                else:
                    self._list(lib, index, request, opts.limit or self.config["limit"].get(int), mode)
            finally:
                index.close()
        except NlrecError as exc:
            raise ui.UserError(f"nlrec: {exc}") from None

    def _open(self, name: str):
        from nlrec.index import Index
        from nlrec.index.registry import resolve_index_path

        if not resolve_index_path(name).exists():
            raise ui.UserError(f"no nlrec index {name!r} yet: run `beet nlrec --update` first")
        return Index.open(name)

    def _update(self, lib, name: str) -> None:
        import os

        from nlrec.beets.index import add_beets, build_beets_index
        from nlrec.index import Index
        from nlrec.index.registry import resolve_index_path

        music_dir, db = os.fsdecode(lib.directory), os.fsdecode(lib.path)
        windows = self.config["windows"].get(int)
        if resolve_index_path(name).exists():
            with Index.open(name) as index:
                report = add_beets(index, db, windows=windows, music_dir=music_dir)
            report.pop("index").close()
            ui.print_(f"nlrec: {report['added']} new item(s) indexed, {report['already_indexed']} already there")
        else:
            index, report = build_beets_index(db, name, windows=windows, music_dir=music_dir)
            index.close()
            ui.print_(f"nlrec: indexed {report['indexed']} of {report['items']} item(s) as {name!r}")
        for skipped in report.get("skipped_files", []):
            self._log.warning("{0} ({1}): {2}", skipped["path"], skipped["reason"], skipped["detail"])

    def _list(self, lib, index, request: str, limit: int, mode: str) -> None:
        from nlrec.search import search

        for hit in search(index, request, k=limit, mode=mode):
            item = _item_of(lib, hit)
            if item is not None:
                ui.print_(format(item))  # beets' own format_item
            else:
                ui.print_(f"{hit.artist or ''} - {hit.title or hit.id}  (not in this beets library)")

    def _playlist(self, lib, index, request: str, opts, mode: str) -> None:
        from pathlib import Path

        from nlrec.playlists import PlaylistSpec, make_playlist, write_playlist
        from nlrec.search import SearchOptions

        cap = opts.max_per_artist if opts.max_per_artist is not None else self.config["max_per_artist"].get(int)
        spec = PlaylistSpec(minutes=opts.minutes or self.config["minutes"].as_number(), max_per_artist=cap or None,
                            diversity=self.config["diversity"].as_number())
        playlist = make_playlist(index, request, spec, options=SearchOptions(mode=mode))
        out = Path(opts.playlist).expanduser()
        write_playlist(playlist, out)
        for note in playlist.notes:
            self._log.info("{0}", note)
        ui.print_(f"nlrec: {len(playlist.entries)} tracks, {playlist.seconds / 60:.1f} min -> {out}")


def _item_of(lib, hit):
    beets_id = (hit.metadata or {}).get("beets_id")
    return lib.get_item(int(beets_id)) if beets_id is not None else None

