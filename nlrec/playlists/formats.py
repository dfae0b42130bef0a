"""Playlist files: extended M3U (``.m3u8``, UTF-8) and XSPF (``.xspf``), written and read back.

Paths are written as the player expects (:class:`PathStyle`): absolute, relative to a folder
(``--relative-to``), or ``auto`` (relative to the playlist's own folder when every file lies
beneath it, absolute otherwise). XSPF locations are URIs: ``file://`` URIs for absolute paths,
percent-encoded relative references otherwise (RFC 3986, as the XSPF spec asks). Entries without
a file (catalogs that are not audio folders or beets libraries) are written with their track id
as the M3U location, and as an XSPF ``<identifier>`` with no ``<location>``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlparse

from nlrec.errors import NlrecError
from nlrec.playlists.model import Playlist, PlaylistEntry

Format = Literal["m3u8", "xspf"]
FORMATS: tuple[str, ...] = ("m3u8", "xspf")
XSPF_NS = "http://xspf.org/ns/0/"
_EXTENSIONS = {".m3u8": "m3u8", ".m3u": "m3u8", ".xspf": "xspf"}


@dataclass(frozen=True)
class PathStyle:
    """How file paths appear in the playlist.

    Attributes:
        mode: ``absolute``, ``relative`` (to ``base``) or ``auto``.
        base: the folder relative paths start from (``auto``: the playlist's folder).
    """

    mode: Literal["absolute", "relative", "auto"] = "auto"
    base: Path | None = None

    def render(self, paths: list[str | None]) -> list[str | None]:
        absolute = [None if p is None else os.path.abspath(os.path.expanduser(p)) for p in paths]
        if self.mode == "absolute" or self.base is None:
            return absolute
        base = os.path.abspath(os.path.expanduser(str(self.base)))
        if self.mode == "auto":
            inside = all(p is None or os.path.commonpath([base, p]) == base for p in absolute)
            if not inside:
                return absolute
        out: list[str | None] = []
        for p in absolute:
            if p is None:
                out.append(None)
                continue
            try:
                out.append(os.path.relpath(p, base))
            except ValueError:  # another drive on Windows: relative is impossible
                out.append(p)
        return out


def format_for(path: str | os.PathLike | None, fmt: str | None = None) -> Format:
    """The format named by ``fmt``, else by ``path``'s extension; M3U8 for stdout.

    Raises:
        NlrecError: for an unknown format or extension.
    """
    if fmt:
        if fmt.lower() not in FORMATS:
            raise NlrecError(f"unknown playlist format {fmt!r}; choose m3u8 or xspf")
        return fmt.lower()  # type: ignore[return-value]
    if path is None or str(path) == "-":
        return "m3u8"
    ext = Path(path).suffix.lower()
    if ext not in _EXTENSIONS:
        raise NlrecError(f"{path}: unknown playlist extension {ext or '(none)'!r}; use .m3u8, .m3u or "
                         f".xspf, or give --format")
    return _EXTENSIONS[ext]  # type: ignore[return-value]


def render(playlist: Playlist, fmt: Format, style: PathStyle | None = None) -> str:
    """The playlist file's text."""
    style = style or PathStyle("absolute")
    locations = style.render([e.path for e in playlist.entries])
    if fmt == "m3u8":
        return render_m3u8(playlist, locations)
    if fmt == "xspf":
        return render_xspf(playlist, locations)
    raise NlrecError(f"unknown playlist format {fmt!r}; choose m3u8 or xspf")


def render_m3u8(playlist: Playlist, locations: list[str | None]) -> str:
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(playlist.request)}"]
    for entry, loc in zip(playlist.entries, locations):
        lines.append(f"#EXTINF:{round(entry.seconds)},{_one_line(entry.display)}")
        lines.append(_one_line(loc if loc is not None else entry.id))
    return "\n".join(lines) + "\n"


def render_xspf(playlist: Playlist, locations: list[str | None]) -> str:
    ET.register_namespace("", XSPF_NS)
    root = ET.Element(f"{{{XSPF_NS}}}playlist", {"version": "1"})
    ET.SubElement(root, f"{{{XSPF_NS}}}title").text = playlist.request
    ET.SubElement(root, f"{{{XSPF_NS}}}creator").text = "nlrec"
    tracks = ET.SubElement(root, f"{{{XSPF_NS}}}trackList")
    for entry, loc in zip(playlist.entries, locations):
        track = ET.SubElement(tracks, f"{{{XSPF_NS}}}track")
        if loc is not None:
            ET.SubElement(track, f"{{{XSPF_NS}}}location").text = _uri(loc)
        ET.SubElement(track, f"{{{XSPF_NS}}}identifier").text = f"nlrec:track:{quote(entry.id, safe='')}"
        for tag, value in (("title", entry.title), ("creator", entry.artist), ("album", entry.album)):
            if value:
                ET.SubElement(track, f"{{{XSPF_NS}}}{tag}").text = str(value)
        ET.SubElement(track, f"{{{XSPF_NS}}}duration").text = str(int(round(entry.seconds * 1000)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_playlist(playlist: Playlist, path: str | os.PathLike, *, fmt: str | None = None,
                   style: PathStyle | None = None) -> Format:
    """Write ``playlist`` to ``path`` atomically (format from ``fmt`` or the extension).

    ``style`` defaults to ``auto`` relative to the playlist's folder.

    Raises:
        NlrecError: for an unknown format or a folder that does not exist.
    """
    from nlrec.io import atomic_write_text

    out = Path(path).expanduser()
    kind = format_for(out, fmt)
    if not out.parent.is_dir():
        raise NlrecError(f"cannot write {out}: folder {out.parent} does not exist")
    if out.is_dir():
        raise NlrecError(f"cannot write {out}: it is a folder")
    if style is None or (style.mode == "auto" and style.base is None):
        style = PathStyle(style.mode if style else "auto", out.parent)
    atomic_write_text(out, render(playlist, kind, style), parents=False)
    return kind


def read_playlist(path: str | os.PathLike) -> list[dict[str, object]]:
    """Entries of an M3U8 or XSPF file as ``{"location", "title", "seconds"}`` (for checks and tests).

    Relative locations are resolved against the playlist's folder; XSPF ``file://`` URIs become
    paths.

    Raises:
        NlrecError: when the file is not a well-formed playlist.
    """
    path = Path(path)
    kind = format_for(path)
    text = path.read_text(encoding="utf-8")
    if kind == "m3u8":
        return _read_m3u8(text, path.parent)
    return _read_xspf(text, path.parent)


def _read_m3u8(text: str, base: Path) -> list[dict[str, object]]:
    lines = text.splitlines()
    if not lines or lines[0].lstrip("\ufeff").strip() != "#EXTM3U":
        raise NlrecError("not an extended M3U playlist (no #EXTM3U header)")
    out: list[dict[str, object]] = []
    info: dict[str, object] = {}
    for line in lines[1:]:
        if line.startswith("#EXTINF:"):
            seconds, _, title = line[len("#EXTINF:"):].partition(",")
            info = {"seconds": float(seconds), "title": title}
        elif line.startswith("#") or not line.strip():
            continue
        else:
            loc = Path(line) if Path(line).is_absolute() else base / line
            out.append({"location": str(loc), **info})
            info = {}
    return out


def _read_xspf(text: str, base: Path) -> list[dict[str, object]]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise NlrecError(f"not well-formed XSPF: {exc}") from None
    if root.tag != f"{{{XSPF_NS}}}playlist":
        raise NlrecError("not an XSPF playlist (root element is not xspf:playlist)")
    out: list[dict[str, object]] = []
    for track in root.iterfind(f"{{{XSPF_NS}}}trackList/{{{XSPF_NS}}}track"):
        loc = track.findtext(f"{{{XSPF_NS}}}location")
        dur = track.findtext(f"{{{XSPF_NS}}}duration")
        if loc is not None:
            parsed = urlparse(loc)
            loc = unquote(parsed.path) if parsed.scheme == "file" else str(base / unquote(loc))
        out.append({"location": loc, "title": track.findtext(f"{{{XSPF_NS}}}title"),
                    "creator": track.findtext(f"{{{XSPF_NS}}}creator"),
                    "seconds": None if dur is None else int(dur) / 1000})
    return out


def _uri(location: str) -> str:
    if os.path.isabs(location):
        return Path(location).as_uri()
    return quote(Path(location).as_posix(), safe="/")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


__all__ = ["FORMATS", "Format", "PathStyle", "PlaylistEntry", "format_for", "read_playlist", "render",
           "write_playlist"]
