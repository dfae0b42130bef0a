"""The index of the built-in demo catalog, built on first use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlrec.catalog.demo import DEMO_INDEX, demo_catalog

if TYPE_CHECKING:
    from nlrec.index.store import Index


def ensure_demo_index(*, home: Path | None = None, progress: Any = None, notify: Any = None) -> Index:
    """Open the demo index, building it first if it is missing, stale or unreadable."""
    from nlrec.errors import IndexFileError
    from nlrec.index.build import build_index
    from nlrec.index.store import Index

    cat = demo_catalog()
    try:
        index = Index.open(DEMO_INDEX, home=home)
        if index.manifest.corpus_sha256 == cat.fingerprint():
            return index
        reason = "the shipped demo catalog changed"
    except IndexFileError:
        reason = "first use"
    if notify:
        notify(f"Indexing the built-in demo catalog ({len(cat)} fictional tracks; {reason})...")
    return build_index(cat, DEMO_INDEX, home=home, progress=progress, source={"dataset": "demo"})
