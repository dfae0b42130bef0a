"""Playlists out: a request in, an M3U8 or XSPF file a music player opens.

* :mod:`~nlrec.playlists.model`: :class:`Playlist`, :class:`PlaylistEntry`, track lengths.
* :mod:`~nlrec.playlists.select`: :func:`make_playlist` (search, MMR variety, artist cap, length).
* :mod:`~nlrec.playlists.formats`: M3U8 / XSPF writers and readers, path styles.

Example:
    >>> from nlrec.index import open_index                                   # doctest: +SKIP
    >>> from nlrec.playlists import PlaylistSpec, make_playlist, write_playlist
    >>> pl = make_playlist(open_index("mine"), "calm evening jazz", PlaylistSpec(minutes=60))
    >>> write_playlist(pl, "evening.m3u8")
"""

from __future__ import annotations

from nlrec.playlists.formats import (
           FORMATS,
           PathStyle,
           format_for,
           read_playlist,
           render,
           write_playlist,
)
from nlrec.playlists.model import Playlist, PlaylistEntry, known_duration
from nlrec.playlists.select import PlaylistSpec, make_playlist

__all__ = ["FORMATS", "PathStyle", "Playlist", "PlaylistEntry", "PlaylistSpec", "format_for", "known_duration",
           "make_playlist", "read_playlist", "render", "write_playlist"]
