"""Negation parsing moved to :mod:`nlrec.request.negations` (it is request understanding); this
module keeps the old import path working."""

from __future__ import annotations

from nlrec.request.negations import (
    MAX_REQUEST_CHARS,
    PUNCT,
    TERMINATORS,
    ParsedRequest,
    parse_request,
    tokenize,
)

__all__ = ["MAX_REQUEST_CHARS", "PUNCT", "TERMINATORS", "ParsedRequest", "parse_request", "tokenize"]
