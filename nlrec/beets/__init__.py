"""beets libraries in: index what beets manages, with its fields and descriptors from the audio.

* :mod:`~nlrec.beets.library`: read a beets ``library.db`` (read-only SQLite; never migrated or
  written), resolving paths beets stores relative to its music directory.
* :mod:`~nlrec.beets.index`: build an index from a library and add what beets imported since.

The beets plugin (``beet nlrec ...``) lives in ``beetsplug/nlrec.py``.
"""

from __future__ import annotations

from nlrec.beets.library import BeetsItem, BeetsLibraryError, music_directory, read_library

__all__ = ["BeetsItem", "BeetsLibraryError", "music_directory", "read_library"]
