"""Exceptions raised by nlrec. The CLI turns every :class:`NlrecError` into a one-line error."""

from __future__ import annotations


class NlrecError(Exception):
    """Base class for expected failures (bad input, missing files, mismatches)."""


class CatalogError(NlrecError):
    """A catalog file is missing, unreadable or malformed."""


class IndexFileError(NlrecError):
    """An index is missing, corrupted, or does not match the encoder asked for."""


class QueryError(NlrecError):
    """A request cannot be searched (empty, malformed queries file, ...)."""


class EncoderError(NlrecError):
    """An encoder cannot be loaded."""


class IndexMismatchError(IndexFileError):
    """An index was built with another encoder than the one asked to search it."""
