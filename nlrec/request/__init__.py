"""Request understanding: references, years, filler, variant spellings and negations.

* :mod:`~nlrec.request.language`: variant spellings (one table for every retriever) and filler.
* :mod:`~nlrec.request.names`: a catalog's names for exact and fuzzy lookup (:class:`NameIndex`).
* :mod:`~nlrec.request.references`: the artists, songs and albums a request names.
* :mod:`~nlrec.request.years`: decades and year ranges.
* :mod:`~nlrec.request.parse`: all of it in one :class:`StructuredRequest`.

Nothing here imports torch, faiss or an encoder; ``rapidfuzz`` is imported on the first fuzzy
lookup and ``wordfreq`` only while building a :class:`NameIndex`.
"""

from __future__ import annotations

from nlrec.request.language import (
    VARIANTS,
    FillerResult,
    fold_accents,
    normalize_phrases,
    normalize_terms,
    strip_filler,
)
from nlrec.request.names import NameIndex, NameIndexError, NameMatch, name_key
from nlrec.request.parse import StructuredRequest, parse
from nlrec.request.references import Reference, find_references
from nlrec.request.years import YearMention, YearRange, find_years

__all__ = [
    "VARIANTS",
    "FillerResult",
    "NameIndex",
    "NameIndexError",
    "NameMatch",
    "Reference",
    "StructuredRequest",
    "YearMention",
    "YearRange",
    "find_references",
    "find_years",
    "fold_accents",
    "name_key",
    "normalize_phrases",
    "normalize_terms",
    "parse",
    "strip_filler",
]
