"""nlrec: natural-language music search and recommendation over song descriptor sets.

The library API is small and lazy: importing :mod:`nlrec` pulls in no heavy dependency.

Example:
    >>> from nlrec import Catalog, SearchOptions, build_index, build_searcher, open_index  # doctest: +SKIP
    >>> catalog = Catalog.from_file("tracks.csv", id_col="id", descriptors_col="tags")
    >>> build_index(catalog, name="mine")
    >>> searcher = build_searcher(open_index("mine"), SearchOptions(mode="hybrid"))
    >>> searcher.search("calm piano for studying", k=5).hits
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "Hit",
    "Index",
    "NlrecError",
    "SearchOptions",
    "SearchResult",
    "Track",
    "__version__",
    "build_index",
    "build_searcher",
    "open_index",
    "search",
]

_LAZY = {
    "Catalog": "nlrec.catalog",
    "Track": "nlrec.catalog",
    "NlrecError": "nlrec.errors",
    "Hit": "nlrec.search",
    "SearchOptions": "nlrec.search",
    "SearchResult": "nlrec.search",
    "build_searcher": "nlrec.search",
    "search": "nlrec.search",
    "Index": "nlrec.index",
    "build_index": "nlrec.index",
    "open_index": "nlrec.index",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nlrec' has no attribute {name!r}")
