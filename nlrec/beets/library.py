"""Read a beets library database without beets, and without ever writing to it.

beets keeps its library in SQLite: an ``items`` table (one row a track: ``id``, ``path``,
``title``, ``artist``, ``album``, ``year``, ``genre`` or, since beets 2.x, the multi-valued
``genres``, ``length`` in seconds, ``added``, ``mtime``, ...) and ``item_attributes`` for the
flexible fields plugins add (``lastgenre`` results, AcousticBrainz ``mood_*`` probabilities and
``voice_instrumental``, a ``mood`` string). The file is opened read-only (``mode=ro``): opening
it with beets' own ``Library`` would run beets' schema migrations on the user's database, from
whatever beets version nlrec happens to have installed.

Paths are stored as bytes; beets 2.x stores those inside the music directory relative to it, so
they are resolved against ``music_dir`` (given, or read from the beets configuration:
``$BEETSDIR/config.yaml`` or ``~/.config/beets/config.yaml``, key ``directory``).
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlrec.errors import NlrecError

_MULTI = re.compile(r"\\\u2400|;\s*|,\s*|/")
MOOD_THRESHOLD = 0.5


class BeetsLibraryError(NlrecError):
    """The file is not a readable beets library."""


@dataclass(frozen=True)
class BeetsItem:
    """One beets item with the fields nlrec uses.

    Attributes:
        id: beets' item id (stable within one library).
        path: the absolute path of the file.
        genres: beets' genre(s) (lastgenre writes here) plus a ``lastgenre`` flexible field.
        moods: descriptors from mood fields (``mood``, ``mood_*`` >= 0.5, ``voice_instrumental``).
        length: seconds, as beets measured it (0 when unknown).
        added: when beets imported it (Unix time).
    """

    id: int
    path: Path
    title: str | None
    artist: str | None
    album: str | None
    year: int | None
    genres: tuple[str, ...] = ()
    moods: tuple[str, ...] = ()
    length: float = 0.0
    added: float = 0.0
    flexible: dict[str, Any] = field(default_factory=dict)

    @property
    def descriptors(self) -> tuple[str, ...]:
        """Genres then moods, without repeats (case-insensitive)."""
        out: list[str] = []
        for d in (*self.genres, *self.moods):
            if d.lower() not in {x.lower() for x in out}:
                out.append(d)
        return tuple(out)


def music_directory(config: str | os.PathLike | None = None) -> Path | None:
    """beets' music directory from its configuration file, or None when there is none."""
    candidates = [Path(config)] if config else []
    if os.environ.get("BEETSDIR"):
        candidates.append(Path(os.environ["BEETSDIR"]) / "config.yaml")
    candidates.append(Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "beets" / "config.yaml")
    for path in candidates:
        if not path.is_file():
            continue
        try:
            import yaml
        except ImportError:
            raise BeetsLibraryError(f"reading the beets configuration {path} needs PyYAML: "
                                    f"pip install 'nlrec[beets]', or give --beets-directory") from None
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except Exception as exc:  # a broken config: say which file
            raise BeetsLibraryError(f"cannot read the beets configuration {path}: {exc}") from None
        if isinstance(data, dict) and data.get("directory"):
            return Path(os.path.expanduser(str(data["directory"])))
    return None


def read_library(db: str | os.PathLike, *, music_dir: str | os.PathLike | None = None,
                 since_id: int = 0) -> list[BeetsItem]:
    """Every item of the beets library ``db`` (with ``id > since_id``), in id order.

    Raises:
        BeetsLibraryError: the file is missing, not SQLite, or has no beets ``items`` table; or
            paths are relative and no music directory is known.
    """
    db = Path(db).expanduser()
    if not db.is_file():
        raise BeetsLibraryError(f"{db}: no such beets library file")
    try:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BeetsLibraryError(f"{db}: cannot open ({exc})") from None
    try:
        con.row_factory = sqlite3.Row
        try:
            columns = {r[1] for r in con.execute("PRAGMA table_info(items)")}
        except sqlite3.DatabaseError as exc:
            raise BeetsLibraryError(f"{db}: not an SQLite database ({exc})") from None
        if not {"id", "path", "title", "artist"} <= columns:
            raise BeetsLibraryError(f"{db}: not a beets library (no items table with id, path, title, artist)")
        rows = con.execute("SELECT * FROM items WHERE id > ? ORDER BY id", (int(since_id),)).fetchall()
        flexible: dict[int, dict[str, Any]] = {}
        has_flex = con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='item_attributes'").fetchone()
        if has_flex:
            for r in con.execute("SELECT entity_id, key, value FROM item_attributes WHERE entity_id > ?", (int(since_id),)):
                flexible.setdefault(int(r[0]), {})[str(r[1])] = r[2]
    except sqlite3.Error as exc:
        raise BeetsLibraryError(f"{db}: cannot read ({exc})") from None
    finally:
        con.close()
    base = Path(music_dir).expanduser() if music_dir else None
    items = []
    for row in rows:
        raw = row["path"]
        path = Path(os.fsdecode(raw if isinstance(raw, bytes) else str(raw).encode()))
        if not path.is_absolute():
            if base is None:
                base = music_directory()
            if base is None:
                raise BeetsLibraryError(f"{db}: beets stores paths relative to its music directory; "
                                        f"give it with --beets-directory (no beets config.yaml found)")
            path = base / path
        items.append(_item(row, path, flexible.get(int(row["id"]), {})))
    return items


def _item(row: sqlite3.Row, path: Path, flex: dict[str, Any]) -> BeetsItem:
    keys = row.keys()
    genres: list[str] = []
    for key in ("genres", "genre"):
        if key in keys and row[key]:
            genres += [g.strip() for g in _MULTI.split(str(row[key])) if g.strip()]
    if flex.get("lastgenre"):
        genres += [g.strip() for g in _MULTI.split(str(flex["lastgenre"])) if g.strip()]
    moods: list[str] = []
    if flex.get("mood"):
        moods += [m.strip() for m in _MULTI.split(str(flex["mood"])) if m.strip()]
    for key, value in sorted(flex.items()):
        if key.startswith("mood_"):
            try:
                if float(value) >= MOOD_THRESHOLD:
                    moods.append(key[len("mood_"):].replace("_", " "))
            except (TypeError, ValueError):
                continue
    if str(flex.get("voice_instrumental", "")).lower() == "instrumental":
        moods.append("instrumental")
    year = row["year"] if "year" in keys else None
    return BeetsItem(
        id=int(row["id"]), path=path, title=row["title"] or None, artist=row["artist"] or None,
        album=(row["album"] or None) if "album" in keys else None,
        year=int(year) if isinstance(year, (int, float)) and year > 0 else None,
        genres=tuple(dict.fromkeys(genres)), moods=tuple(dict.fromkeys(moods)),
        length=float(row["length"] or 0.0) if "length" in keys else 0.0,
        added=float(row["added"] or 0.0) if "added" in keys else 0.0, flexible=dict(flex))
