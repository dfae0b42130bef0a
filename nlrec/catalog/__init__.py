"""Catalogs: tracks with descriptor sets, read from files, public datasets or the shipped demo.

* :mod:`nlrec.catalog.tracks`: :class:`Track`, :class:`Catalog` and the file readers.
* :mod:`nlrec.catalog.datasets`: MusicCaps, MTT and MSD as catalogs, from ``--data-dir``.
* :mod:`nlrec.catalog.listeners`: HetRec Last.fm-2K and Yes.com listeners (items with
  descriptor sets and who played them), for evaluating profiles.
* :mod:`nlrec.catalog.demo`: the built-in demo catalog of fictional tracks.
"""

from __future__ import annotations

from nlrec.catalog.tracks import Catalog, Track, parse_descriptors, read_rows

__all__ = ["Catalog", "Track", "parse_descriptors", "read_rows"]
