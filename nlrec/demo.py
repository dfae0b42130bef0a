"""The embedded default: a demo catalog of fictional tracks shipped in the package.

With no index named, ``nlrec query`` searches the index ``demo``, built from this catalog on first
use (and rebuilt when the shipped catalog changes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nlrec.catalog import Catalog
from nlrec.errors import NlrecError

DEMO_INDEX = "demo"
DEMO_FILE = Path(__file__).parent / "data" / "demo_catalog.jsonl"


def demo_catalog() -> Catalog:
    """The shipped demo catalog (fictional tracks written for nlrec)."""
    if not DEMO_FILE.is_file():
        raise NlrecError(f"the demo catalog is missing from the installation: {DEMO_FILE}")
    cat = Catalog.from_file(DEMO_FILE)
    cat.source = "nlrec demo catalog (fictional tracks)"
    return cat


def ensure_demo_index(*, home: Path | None = None, progress: Any = None, notify: Any = None) -> Any:
    """Open the demo index, building it first if it is missing, stale or unreadable."""
    from nlrec.errors import IndexFileError
    from nlrec.index import Index, build_index

    cat = demo_catalog()
    try:
        index = Index.open(DEMO_INDEX, home=home)
        if index.manifest["corpus"]["sha256"] == cat.fingerprint():
            return index
        reason = "the shipped demo catalog changed"
    except IndexFileError:
        reason = "first use"
    if notify:
        notify(f"Indexing the built-in demo catalog ({len(cat)} fictional tracks; {reason})...")
    return build_index(cat, DEMO_INDEX, home=home, progress=progress, source={"dataset": "demo"})
