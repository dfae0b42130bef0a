"""References in requests: the artists, songs and albums a request names ("like Portishead").

Two families of detectors (:mod:`nlrec.request.detectors`, over the span rules of
:mod:`nlrec.request.spans` and the word lists of :mod:`nlrec.request.cues`), combined by
:func:`find_references`:

* **cues** (no catalog needed): a span after "like", "similar to", "sounds like", "in the style
  of", "fans of", "such as", "inspired by", ...; "by Y" (Y an artist, and the span before it a
  song); "X's Y" (X an artist, Y a song); "Artist - Title"; quoted titles; "X vibes", "X type
  beat", "X-esque". A span is read as a run of capitalised words when the request is not written
  in Title Case throughout, else as up to :data:`MAX_SPAN_WORDS` words up to a stop word or
  punctuation; a span opening on a descriptor word ("like sad piano") or a pronoun ("like this")
  is not a reference.
* **names** (with a :class:`~nlrec.request.names.NameIndex`): every run of up to
  ``names.max_words`` words whose key is a catalog name, longest first. A *common* name (see
  :mod:`nlrec.request.names`) is accepted only when the span is cued or capitalised (not at the
  start of a sentence, in a request not written in Title Case); a cued span that matches no
  exact name is looked up fuzzily (typos).

Each :class:`Reference` carries its offsets into the request, its kind (``artist``, ``track``,
``album``), whether it was cued, and the catalog items it resolves to with a score.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlrec.request.cues import CUES_AFTER, CUES_BEFORE, DESCRIPTOR_WORDS, MAX_SPAN_WORDS
from nlrec.request.detectors import Detector
from nlrec.request.names import NameIndex
from nlrec.request.spans import Reference, RefKind, is_title_case


def find_references(
    text: str, names: NameIndex | None = None, *, skip: Sequence[tuple[int, int]] = ()
) -> list[Reference]:
    """References in ``text``, left to right (resolved against ``names`` when given).

    Args:
        text: the request as written (capitals and punctuation help).
        names: the catalog's :class:`~nlrec.request.names.NameIndex`, or ``None`` for cues only.
        skip: character spans already understood (years): never part of a reference.

    Example:
        >>> [(r.span, r.kind) for r in find_references("Songs like Groove by Torn")]
        [('Groove', 'track'), ('Torn', 'artist')]
    """
    d = Detector(str(text), names)
    for a, b in skip:
        d.taken.update(k for k, t in enumerate(d.toks) if t.start < b and a < t.end)
    d.quoted()
    d.dashed()
    d.cued()
    d.by_artist()
    d.played()
    d.after_cues()
    d.parenthesized()
    d.catalog()
    return sorted(d.found, key=lambda r: r.start)



__all__ = [
    "CUES_AFTER",
    "CUES_BEFORE",
    "DESCRIPTOR_WORDS",
    "MAX_SPAN_WORDS",
    "RefKind",
    "Reference",
    "find_references",
    "is_title_case",
]
