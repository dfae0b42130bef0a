"""What a reference or a year is *for*: language rules read off the words around it.

* A reference is a **like** ("songs like Portishead", "Portishead vibes": more like it, the named
  items themselves left out) or a **lookup** (a name with no similarity cue: "portishead",
  "play Glory Box": the named items first).
* A year is a **release** ("from the 80s", "before 2000", "2015-2016": when the music was made, a
  filter when the catalog has years) or a **style** (a bare decade before a style: "80s
  synthwave", "90s hip hop": a sound, matched as decade descriptors).

Example:
    >>> from nlrec.request.years import find_years
    >>> text = "80s synthwave, nothing from the 90s"
    >>> [(y.span, year_role(text, y)) for y in find_years(text)]
    [('80s', 'style'), ('nothing from the 90s', 'release')]
"""

from __future__ import annotations

import re
from typing import Literal

from nlrec.request.spans import Reference
from nlrec.request.years import YearMention

ReferenceRole = Literal["like", "lookup"]
YearRole = Literal["release", "style"]

_SIMILAR_BEFORE = re.compile(
    r"(?:\blike|\bsimilar(?:\s+to)?|\bstyle of|\breminds?\s+(?:me\s+)?of|\bsounds?\s+like|\bkind of|\bsuch as"
    r"|\bfans?\s+of|\bif\s+(?:you|i)\s+like|\bvein of|\blines of|\bakin to|\bin the vein|\bvibe of|\bcomparable to"
    r"|\bsame\s+\w+\s+as|\bthe\s+likes\s+of|\binspired by|\binfluenced by|\bmore\s+(?:songs|music|stuff)?\s*(?:from|by)?"
    r"|\bother than|\bbesides|\bapart from)[\s\W]*$",
    re.IGNORECASE,
)
_SIMILAR_AFTER = re.compile(r"^[\s'’]*(?:s\s+)?(?:vibes?|type|esque|-esque|-like|kind of|style|sound)\b", re.IGNORECASE)
_RELEASE_BEFORE = re.compile(r"(?:\bfrom|\bin|\bof|\bduring|\bsince|\bbetween|\breleased|\bmade|\bout)\s+(?:the\s+)?$",
                             re.IGNORECASE)
_BARE_DECADE = re.compile(r"^\s*(?:early|mid|late)?[\s-]*(?:'?\d0'?s|(?:19|20)\d0'?s|[a-z]+ties)\s*$", re.IGNORECASE)
_RELEASE_AFTER = ("music", "songs", "song", "tracks", "stuff", "era", "and", "or", "please")


def year_role(text: str, mention: YearMention) -> YearRole:
    """``release`` when a year expression dates the music ("from the 80s", "before 2000", "2015
    era", "not from the 80s"), ``style`` when it names a sound ("80s synthwave", "90s hip hop")."""
    if mention.range.negated or not _BARE_DECADE.match(mention.span):
        return "release"  # ranges, single years, "not from the 80s"
    before = text[max(0, mention.start - 20) : mention.start]
    after = text[mention.end : mention.end + 30].strip().lower()
    released = bool(_RELEASE_BEFORE.search(before)) or not after or after[:1] in ",.;!?)" or \
        after.startswith(_RELEASE_AFTER)
    return "release" if released else "style"


def similarity_cued(text: str, ref: Reference) -> bool:
    """Whether a reference is asked for as a model ("like X", "X vibes"), not looked up."""
    before = text[max(0, ref.start - 40) : ref.start]
    after = text[ref.end : ref.end + 12]
    return bool(_SIMILAR_BEFORE.search(before) or _SIMILAR_AFTER.search(after))


def reference_role(text: str, references: tuple[Reference, ...] | list[Reference]) -> ReferenceRole:
    """The role of a request's references: ``like`` as soon as one is similarity-cued."""
    return "like" if any(similarity_cued(text, r) for r in references) else "lookup"
