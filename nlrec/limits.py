"""The cost limits of one request, in one table, and a per-request time budget.

Every way in (``nlrec query``, the library's :class:`~nlrec.search.SearchOptions`, the request
parser, the HTTP server) reads the same :data:`LIMITS`, so a request refused in one place is
refused everywhere with the same numbers:

=========================  ========  =====================================================
limit                      value     what it bounds
=========================  ========  =====================================================
``request_chars``          1,000     one request's text (longer ones: truncated by ``nlrec
                                     query`` with a warning, refused by the parser and the
                                     server)
``excludes``               20        ``--exclude`` facets of one request
``exclude_chars``          100       one ``--exclude`` facet
``k``                      1,000     results of one request
``negation_documents``     20,000    documents ranked and judged for one request with
                                     negations (``k`` x the negation depth is capped here)
``filter_chars``           2,000     one ``--where`` expression
``profile_weight``         10.0      a taste-profile descriptor weight set by hand
``adjust_items``           100       descriptors in one profile adjustment
``body_bytes``             8 MiB     an HTTP request body (counted while it streams)
``url_chars``              16,384    an HTTP request line (path and query string)
``seconds``                10.0      the server's time budget for one request
=========================  ========  =====================================================

The time budget is cooperative: :func:`time_budget` sets a deadline for the calling thread and
the search stack calls :func:`check_time` between stages (each deepening of a negation search,
each batch of descriptors embedded), so a request over its budget stops there with
:class:`TimeBudgetExceeded` and frees its worker.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nlrec.errors import NlrecError


@dataclass(frozen=True)
class Limits:
    """The limits of one request (see the module docstring for what each bounds)."""

    request_chars: int = 1000
    excludes: int = 20
    exclude_chars: int = 100
    k: int = 1000
    negation_documents: int = 20_000
    filter_chars: int = 2000
    profile_weight: float = 10.0
    adjust_items: int = 100
    body_bytes: int = 8 * 1024 * 1024
    url_chars: int = 16_384
    seconds: float = 10.0


LIMITS = Limits()
"""The limits in force."""


class LimitError(NlrecError):
    """A request is over one of the :data:`LIMITS`."""


class TimeBudgetExceeded(NlrecError):
    """A request ran past its time budget and was stopped."""


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("nlrec_deadline", default=None)


@contextmanager
def time_budget(seconds: float | None = None) -> Iterator[None]:
    """Run the body with a deadline ``seconds`` from now (default :attr:`Limits.seconds`)."""
    budget = LIMITS.seconds if seconds is None else float(seconds)
    token = _deadline.set(time.monotonic() + budget)
    try:
        yield
    finally:
        _deadline.reset(token)


def check_time() -> None:
    """Raise :class:`TimeBudgetExceeded` when the current request is past its deadline (no-op
    outside :func:`time_budget`)."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TimeBudgetExceeded(
            f"the request took longer than the server's time budget ({LIMITS.seconds:g} s); "
            "ask for fewer results, fewer exclusions or a narrower filter")


def check_excludes(exclude: tuple[str, ...] | list[str]) -> None:
    """Refuse more than :attr:`Limits.excludes` facets, or one over :attr:`Limits.exclude_chars`.

    Raises:
        LimitError: with a one-line message.
    """
    if len(exclude) > LIMITS.excludes:
        raise LimitError(f"too many exclusions ({len(exclude)}; at most {LIMITS.excludes})")
    long = next((e for e in exclude if len(str(e)) > LIMITS.exclude_chars), None)
    if long is not None:
        raise LimitError(f"an exclusion is too long ({len(str(long)):,} characters; at most {LIMITS.exclude_chars})")
