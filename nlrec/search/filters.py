"""Moved: the filter language and its tree are :mod:`nlrec.request.filters` (a ``--where`` filter
is part of a request's plan); this module keeps the old import path working."""

from __future__ import annotations

from nlrec.request.filters import (
    MAX_FILTER_CHARS,
    Filter,
    FilterError,
    all_of,
    evaluate,
    parse_filter,
    to_text,
    track_fields,
)

__all__ = ["MAX_FILTER_CHARS", "Filter", "FilterError", "all_of", "evaluate", "parse_filter", "to_text",
           "track_fields"]
