"""Negation-aware search: understand "no vocals", exclude what a request rules out.

* :mod:`~nlrec.request.negations` (re-exported as ``nlrec.negation.parse``): split a request into positive text and negative facets.
* :mod:`~nlrec.request.lexicon` (re-exported as ``nlrec.negation.lexicon``): the curated facet lexicon (synonyms, contrasts, absences).
* :mod:`~nlrec.negation.matching`: does a descriptor set carry a negated facet?
* :mod:`~nlrec.negation.semantic`: the same by embedding similarity.
* :mod:`~nlrec.negation.rerank`: filter or penalise violating documents.
* :mod:`~nlrec.negation.augment` and :mod:`~nlrec.negation.losses`: negation-aware training.

Nothing here imports torch except :class:`NegationDissimilarityLoss` (loaded on first use).
"""

from __future__ import annotations

from typing import Any

from nlrec.negation.augment import fully_negate, insert_negation
from nlrec.negation.matching import FacetMatcher, NegationVerdict, polarity
from nlrec.negation.rerank import NEGATION_MODES, NegationMode, rerank
from nlrec.negation.semantic import DEFAULT_THRESHOLD, SemanticMatcher
from nlrec.request.lexicon import FacetPattern, Lexicon, load_lexicon
from nlrec.request.negations import ParsedRequest, parse_request

__all__ = [
    "DEFAULT_THRESHOLD",
    "NEGATION_MODES",
    "FacetMatcher",
    "FacetPattern",
    "Lexicon",
    "NegationDissimilarityLoss",
    "NegationMode",
    "NegationVerdict",
    "ParsedRequest",
    "SemanticMatcher",
    "fully_negate",
    "insert_negation",
    "load_lexicon",
    "parse_request",
    "polarity",
    "rerank",
]


def __getattr__(name: str) -> Any:
    if name == "NegationDissimilarityLoss":
        from nlrec.negation.losses import NegationDissimilarityLoss

        return NegationDissimilarityLoss
    raise AttributeError(f"module 'nlrec.negation' has no attribute {name!r}")
