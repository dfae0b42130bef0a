"""Reading what a listener likes: track ids one a line, or a listening-history CSV / TSV.

* Plain text (any suffix but ``.csv`` / ``.tsv``): one track id a line; blank lines and lines
  starting with ``#`` are skipped; an id listed twice counts twice.
* CSV / TSV with a header: an id column (``--id-col``, default: the first of ``id``, ``track_id``,
  ``item_id``, ``artist_id``, ``song_id``) and optionally a play-count column (``--plays-col``,
  default: the first of ``plays``, ``play_count``, ``playcount``, ``count``, ``weight``). Without
  a play-count column every row is one play (a scrobble log), so repeated ids add up.

Example:
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "likes.txt"
    >>> _ = p.write_text("t1\\n# a comment\\nt2\\nt1\\n")
    >>> read_likes(p)
    {'t1': 2.0, 't2': 1.0}
"""

from __future__ import annotations

import math
from pathlib import Path

from nlrec.errors import NlrecError

ID_COLUMNS = ("id", "track_id", "item_id", "artist_id", "song_id", "track")
PLAY_COLUMNS = ("plays", "play_count", "playcount", "count", "weight", "listens")


class LikesError(NlrecError):
    """A likes file is missing, unreadable or malformed."""


def read_likes(path: str | Path, *, id_col: str | None = None, plays_col: str | None = None) -> dict[str, float]:
    """Read a likes file into ``{track id: play count}`` (file order kept).

    Raises:
        LikesError: if the file is missing, not UTF-8, malformed, has a negative or non-numeric
            play count, or lists no id.
    """
    path = Path(path)
    if not path.is_file():
        raise LikesError(f"likes file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise LikesError(f"{path}: not valid UTF-8 text (byte offset {e.start})") from None
    except OSError as e:
        raise LikesError(f"cannot read likes file {path}: {e.strerror or e}") from None
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".tab"):
        likes = _read_table(text, path, "\t" if suffix != ".csv" else ",", id_col, plays_col)
    else:
        if id_col or plays_col:
            raise LikesError(f"{path}: --id-col / --plays-col apply to .csv and .tsv listening histories")
        likes = {}
        for line in text.splitlines():
            s = line.strip()
            if s and not s.startswith("#"):
                likes[s] = likes.get(s, 0.0) + 1.0
    if not likes:
        raise LikesError(f"{path}: no track id in the file")
    return likes


def _read_table(text: str, path: Path, delimiter: str, id_col: str | None, plays_col: str | None) -> dict[str, float]:
    import csv
    import io

    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        columns = [c.strip() for c in (reader.fieldnames or [])]
        rows = list(reader)
    except csv.Error as e:
        raise LikesError(f"{path}: malformed {'CSV' if delimiter == ',' else 'TSV'}: {e}") from None
    if not columns:
        raise LikesError(f"{path}: empty file (no header row)")
    lower = {c.lower(): c for c in columns}
    id_name = _pick(id_col, ID_COLUMNS, lower, columns, path, "--id-col", required=True)
    plays_name = _pick(plays_col, PLAY_COLUMNS, lower, columns, path, "--plays-col", required=False)
    likes: dict[str, float] = {}
    for lineno, row in enumerate(rows, start=2):
        row = {(k or "").strip(): v for k, v in row.items()}
        track = (row.get(id_name) or "").strip()
        if not track:
            continue
        plays = 1.0
        if plays_name is not None:
            raw = (row.get(plays_name) or "").strip()
            try:
                plays = float(raw)
            except ValueError:
                raise LikesError(f"{path}: line {lineno}: play count {raw!r} is not a number") from None
            if not math.isfinite(plays) or plays < 0:
                raise LikesError(f"{path}: line {lineno}: play count {raw!r} must be a finite number >= 0")
        likes[track] = likes.get(track, 0.0) + plays
    return likes


def _pick(given: str | None, candidates: tuple[str, ...], lower: dict[str, str], columns: list[str],
          path: Path, flag: str, *, required: bool) -> str | None:
    if given is not None:
        if given not in columns:
            raise LikesError(f"{path}: no column {given!r} ({flag}); columns: {', '.join(columns)}")
        return given
    for c in candidates:
        if c in lower:
            return lower[c]
    if required:
        raise LikesError(f"{path}: no track-id column (looked for {', '.join(candidates)}); "
                         f"columns: {', '.join(columns)}; name it with {flag}")
    return None
