"""The embedded default: a demo catalog of fictional tracks shipped in the package.

With no index named, ``nlrec query`` searches the index ``demo``, built from this catalog on first
use (and rebuilt when the shipped catalog changes): see :func:`nlrec.index.demo.ensure_demo_index`.
"""

from __future__ import annotations

from pathlib import Path

from nlrec.catalog.tracks import Catalog
from nlrec.errors import NlrecError

DEMO_INDEX = "demo"
DEMO_FILE = Path(__file__).parent.parent / "data" / "demo_catalog.jsonl"


def demo_catalog() -> Catalog:
    """The shipped demo catalog (fictional tracks written for nlrec)."""
    if not DEMO_FILE.is_file():
        raise NlrecError(f"the demo catalog is missing from the installation: {DEMO_FILE}")
    cat = Catalog.from_file(DEMO_FILE)
    cat.source = "nlrec demo catalog (fictional tracks)"
    return cat
