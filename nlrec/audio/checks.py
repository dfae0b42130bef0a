"""What is wrong with a file before or beside decoding: empty, unsupported, truncated, duplicated.

* :data:`UNSUPPORTED_EXTENSIONS`: music formats libsndfile cannot read (trackers, MIDI, AAC,
  WMA, ...). A folder scan reports them by name instead of passing over them.
* :func:`ogg_truncation`: an Ogg stream whose last page lacks the end-of-stream flag, or is cut
  short, was truncated (a partial download or copy); it still decodes, as a shorter track.
* :func:`content_hash`: the SHA-256 of a file's bytes, the identity ``index add`` uses so that a
  renamed or copied file is not tagged twice.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

UNSUPPORTED_EXTENSIONS = frozenset({
    ".mid", ".midi", ".kar", ".rmi",                         # MIDI
    ".mod", ".xm", ".it", ".s3m", ".mtm", ".669", ".med", ".umx", ".mptm", ".stm",  # trackers
    ".m4a", ".m4b", ".aac", ".mp4", ".alac", ".wma", ".asf", ".ape", ".wv", ".mpc", ".tta",
    ".ac3", ".dts", ".mka", ".webm", ".spx", ".ra", ".rm", ".amr", ".shn", ".dsf", ".dff",
    ".sid", ".nsf", ".spc", ".vgm", ".vgz", ".gbs", ".mp2",
})
_OGG = frozenset({".ogg", ".oga", ".opus"})


def unsupported_reason(path: Path) -> str:
    """The one-line reason a music file of an unsupported format is skipped."""
    return (f"unsupported format {path.suffix.lower()} (nlrec decodes mp3, ogg, opus, flac, wav and "
            f"aiff; convert it, e.g. with ffmpeg or a tracker/MIDI renderer)")


def content_hash(path: str | os.PathLike, *, chunk: int = 1 << 20) -> str:
    """SHA-256 of the file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def ogg_truncation(path: str | os.PathLike, *, tail: int = 1 << 16) -> str | None:
    """Why an Ogg file looks truncated, or None (not Ogg, or it ends properly).

    Reads the last ``tail`` bytes: the last page must be complete (its header and lacing values
    announce its length) and carry the end-of-stream flag (header type bit 0x04).
    """
    path = Path(path)
    if path.suffix.lower() not in _OGG:
        return None
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            handle.seek(max(0, size - tail))
            data = handle.read()
    except OSError:
        return None
    pos = data.rfind(b"OggS")
    while pos >= 0:
        if pos + 27 <= len(data) and data[pos + 4] == 0:  # stream structure version 0
            header_type = data[pos + 5]
            n_segments = data[pos + 26]
            lacing = data[pos + 27 : pos + 27 + n_segments]
            complete = len(lacing) == n_segments and pos + 27 + n_segments + sum(lacing) <= len(data)
            if not complete:
                return "truncated: the last Ogg page is cut short"
            if not header_type & 0x04:
                granule = struct.unpack_from("<q", data, pos + 6)[0]
                return f"truncated: the Ogg stream has no end-of-stream page (last granule {granule})"
            return None
        pos = data.rfind(b"OggS", 0, pos)
    return "truncated: no Ogg page in the last 64 KiB"
