"""Search options: one typed, frozen value instead of keyword arguments passed down six layers.

Example:
    >>> opts = SearchOptions(mode="dense", negation="penalize", exclude=("vocals",))
    >>> opts.replace(mode="bm25").mode
    'bm25'
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

from nlrec.encoders.fusion import FusionMethod
from nlrec.errors import NlrecError, QueryError
from nlrec.limits import LIMITS, check_excludes
from nlrec.request.filters import Filter, parse_filter

Mode = str
"""A registered retriever kind (:mod:`nlrec.index.retrievers`: ``dense``, ``tfidf``, ``bm25``, ...) or
``hybrid``."""
SparseKind = str
NegationMode = Literal["filter", "penalize", "off"]
MODES: tuple[str, ...] = ("dense", "tfidf", "bm25", "hybrid")
"""The built-in modes (every registered one: :func:`nlrec.index.retrievers.modes`)."""
NEGATION_MODES: tuple[str, ...] = ("filter", "penalize", "off")
LEXICAL_MODES: tuple[str, ...] = ("tfidf", "bm25")
MAX_QUERY_CHARS = LIMITS.request_chars
MAX_K = LIMITS.k
HYBRID_DEPTH = 100
"""Each side of a hybrid search contributes its top ``max(k, HYBRID_DEPTH)`` documents."""
LATE_WEIGHT = 1.0
"""Default RRF weight of descriptor-level matching (:mod:`nlrec.encoders.late`) in ``hybrid``, the
same as the dense and the lexical ranking's (chosen on three dev sets: docs/quality.md)."""


class QueryTruncatedWarning(UserWarning):
    """A request longer than :data:`MAX_QUERY_CHARS` was cut."""


@dataclass(frozen=True)
class SearchOptions:
    """How to rank.

    Attributes:
        mode: a registered retriever kind (:mod:`nlrec.index.retrievers`: ``dense`` = bi-encoder +
            FAISS, ``tfidf``, ``bm25``, ...) or ``hybrid`` (dense fused with the ``sparse`` retriever).
        sparse: the lexical side of ``hybrid`` (a lexical kind).
        fusion: ``rrf`` (reciprocal rank fusion) or ``weighted`` (min-max normalised scores).
        alpha: dense weight for ``weighted`` fusion, in [0, 1].
        hybrid_depth: how many documents each side contributes to the fusion (at least ``k``).
        model: the encoder to search with; must be the index's (None: the index's own).
        negation: ``filter`` removes tracks carrying a negated facet, ``penalize`` pushes them
            down, ``off`` leaves negation words in the searched text.
        understand: read the names, years and filler of a request (False: search the text as typed;
            independent of ``negation``).
        exclude: facets every request must not carry (``--exclude``).
        negation_threshold: cosine above which a descriptor counts as a negated facet by
            embedding (None: the default; 1 = lexical matching only).
        late_weight: weight of descriptor-level matching (:mod:`nlrec.encoders.late`) as a third
            ranking of ``hybrid`` (0: off).
        where: a metadata filter (``year >= 1990 and year < 2000``; see
            :mod:`nlrec.request.filters`): only matching tracks are ranked and returned. It is read
            once, here (:attr:`filter`).
    """

    mode: Mode = "hybrid"
    sparse: SparseKind = "bm25"
    fusion: FusionMethod = "rrf"
    alpha: float = 0.5
    hybrid_depth: int = HYBRID_DEPTH
    model: str | None = None
    negation: NegationMode = "filter"
    exclude: tuple[str, ...] = ()
    negation_threshold: float | None = None
    where: str | None = None
    understand: bool = True
    late_weight: float = LATE_WEIGHT
    _filter: Filter | None = field(default=None, init=False, repr=False, compare=False)
    _lexical: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from nlrec.index.retrievers import is_lexical, lexical_kinds, modes

        if self.mode not in modes():
            raise NlrecError(f"unknown mode {self.mode!r}; choose one of {', '.join(modes())}")
        if self.sparse not in lexical_kinds():
            raise NlrecError(f"unknown sparse retriever {self.sparse!r}; choose one of {', '.join(lexical_kinds())}")
        object.__setattr__(self, "_lexical", is_lexical(self.mode))
        if self.fusion not in ("rrf", "weighted"):
            raise NlrecError(f"unknown fusion {self.fusion!r}; choose rrf or weighted")
        if not 0.0 <= float(self.alpha) <= 1.0:
            raise NlrecError(f"--alpha must be in [0, 1], got {self.alpha}")
        if not 0.0 <= float(self.late_weight) <= 10.0:
            raise NlrecError(f"late weight must be in [0, 10], got {self.late_weight}")
        if int(self.hybrid_depth) < 1:
            raise NlrecError("hybrid depth must be positive")
        if self.negation not in NEGATION_MODES:
            raise NlrecError(f"unknown negation mode {self.negation!r}; choose filter, penalize or off")
        if isinstance(self.exclude, str):
            object.__setattr__(self, "exclude", (self.exclude,))
        object.__setattr__(self, "exclude", tuple(str(e) for e in self.exclude))
        check_excludes(self.exclude)
        if self.negation == "off" and self.exclude:
            raise NlrecError("exclusions need negation handling: use filter or penalize, not off")
        if self.where is not None:  # read once; a bad expression fails here, with a one-line error
            object.__setattr__(self, "_filter", parse_filter(self.where))
        t = self.negation_threshold
        if t is not None and not 0.0 < float(t) <= 1.0:
            raise NlrecError(f"--negation-threshold must be in (0, 1], got {t}")

    @property
    def filter(self) -> Filter | None:
        """The ``where`` filter as read (its tree), or None."""
        return self._filter

    @property
    def lexical(self) -> bool:
        """Whether ranking is lexical only (documents sharing no word with the request drop)."""
        return self._lexical

    def replace(self, **changes: Any) -> SearchOptions:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> SearchOptions:
        """Options from keyword arguments, refusing unknown names with a one-line error."""
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise NlrecError(f"unknown search option(s): {', '.join(unknown)}")
        return cls(**{k: v for k, v in kwargs.items()})


def check_k(k: int) -> int:
    """``k`` as an int in ``[1, MAX_K]``.

    Raises:
        NlrecError: otherwise.
    """
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise NlrecError(f"k must be between 1 and {MAX_K}, got {k}")
    return k


def clean_query(text: str, *, max_chars: int = MAX_QUERY_CHARS) -> str:
    """Normalise white space; refuse empty requests; truncate absurdly long ones (with a warning).

    Raises:
        QueryError: if the request is empty or only white space.
    """
    empty = 'empty query: type what you want to hear, e.g. "calm piano for studying"'
    if text is None:
        raise QueryError(empty)
    if not isinstance(text, str):
        raise QueryError(f"a query must be text, got {type(text).__name__}")
    q = " ".join(text.split())
    if not q:
        raise QueryError(empty)
    if len(q) > max_chars:
        cut = q[:max_chars].rsplit(" ", 1)[0] or q[:max_chars]
        warnings.warn(
            f"query of {len(q)} characters truncated to {len(cut)}", QueryTruncatedWarning, stacklevel=2
        )
        q = cut
    return q
