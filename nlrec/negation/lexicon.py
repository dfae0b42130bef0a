"""The facet lexicon moved to :mod:`nlrec.request.lexicon` (request understanding reads it); this
module keeps the old import path working."""

from __future__ import annotations

from nlrec.request.lexicon import (
    FILLER,
    FacetPattern,
    Lexicon,
    Stems,
    contains,
    load_lexicon,
    normalize,
    stems,
    words,
)

__all__ = ["FILLER", "FacetPattern", "Lexicon", "Stems", "contains", "load_lexicon", "normalize", "stems", "words"]
