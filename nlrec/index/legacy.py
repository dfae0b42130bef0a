"""Format-1 index directories (``manifest.json`` at the top, no generations).

They still open (read-only); the next build of the same name migrates them into the generation
layout (:mod:`nlrec.index.generations`), and ``nlrec index rm`` removes exactly the files their
manifest lists, never anything else in the directory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from nlrec.errors import IndexFileError


def legacy_files(root: Path) -> list[str] | None:
    """The files of a verified format-1 index at ``root``, or None if it is not one.

    Verified means: ``manifest.json`` parses as an nlrec manifest of format 1 (all required
    fields, well typed) and every file it lists exists with the size it records.
    """
    from nlrec.index.manifest import MANIFEST, Manifest

    try:
        raw = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest.from_dict(raw, root.name)
    except (OSError, UnicodeDecodeError, ValueError, IndexFileError):
        return None
    if manifest.format != 1:
        return None
    for rel, entry in manifest.files.items():
        p = root / rel
        if p.is_symlink() or not p.is_file() or p.stat().st_size != entry.size:
            return None
    return [MANIFEST, *manifest.files]


def remove_legacy(root: Path) -> None:
    """Delete a format-1 index's own files (manifest first, so it stops opening), then the
    sub-directories they leave empty. Anything else in ``root`` is kept."""
    files = legacy_files(root)
    if files is None:
        return
    dirs = set()
    for rel in files:
        p = root / rel
        p.unlink(missing_ok=True)
        parent = p.parent
        while parent != root:
            dirs.add(parent)
            parent = parent.parent
    for d in sorted(dirs, key=lambda d: -len(d.parts)):
        try:
            os.rmdir(d)
        except OSError:
            pass
