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

import re
from collections.abc import Sequence
from typing import Literal

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



ReferenceRole = Literal["like", "lookup"]
"""``like`` ("songs like Portishead", "Portishead vibes": more like it, the named items left out) or
``lookup`` (a name with no similarity cue: "portishead", "play Glory Box": the named items first)."""
_SIMILAR_BEFORE = re.compile(
    r"(?:\blike|\bsimilar(?:\s+to)?|\bstyle of|\breminds?\s+(?:me\s+)?of|\bsounds?\s+like|\bkind of|\bsuch as"
    r"|\bfans?\s+of|\bif\s+(?:you|i)\s+like|\bvein of|\blines of|\bakin to|\bin the vein|\bvibe of|\bcomparable to"
    r"|\bsame\s+\w+\s+as|\bthe\s+likes\s+of|\binspired by|\binfluenced by|\bmore\s+(?:songs|music|stuff)?\s*(?:from|by)?"
    r"|\bother than|\bbesides|\bapart from)[\s\W]*$",
    re.IGNORECASE,
)
_SIMILAR_AFTER = re.compile(r"^[\s'’]*(?:s\s+)?(?:vibes?|type|esque|-esque|-like|kind of|style|sound)\b", re.IGNORECASE)


def similarity_cued(text: str, ref: Reference) -> bool:
    """Whether a reference is asked for as a model ("like X", "X vibes"), not looked up."""
    before = text[max(0, ref.start - 40) : ref.start]
    after = text[ref.end : ref.end + 12]
    return bool(_SIMILAR_BEFORE.search(before) or _SIMILAR_AFTER.search(after))


def reference_role(text: str, references: Sequence[Reference]) -> ReferenceRole:
    """The role of a request's references: ``like`` as soon as one is similarity-cued."""
    return "like" if any(similarity_cued(text, r) for r in references) else "lookup"

__all__ = [
    "CUES_AFTER",
    "CUES_BEFORE",
    "DESCRIPTOR_WORDS",
    "MAX_SPAN_WORDS",
    "RefKind",
    "Reference",
    "ReferenceRole",
    "find_references",
    "is_title_case",
    "reference_role",
    "similarity_cued",
]
