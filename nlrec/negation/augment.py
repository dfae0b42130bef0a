"""Training-data helpers for negation-aware fine-tuning (Vasilakis, Bittner, Pauwels, 2026).

* :func:`insert_negation`: the *negation insert* augmentation. With probability ``p`` (the
  paper's best is 0.6), a "no / without / not <tag>" clause is added to a request for a tag of
  the vocabulary that the item does not carry, so the request stays true for the item.
* :func:`fully_negate`: the fully negated version of a request ("piano, calm" -> "no piano, no
  calm"), the second input of :class:`~nlrec.negation.losses.NegationDissimilarityLoss`.

Both are pure (no model, no torch) and deterministic for a seeded ``rng``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from nlrec.negation.matching import FacetMatcher
from nlrec.request.lexicon import load_lexicon
from nlrec.request.negations import parse_request

NEGATION_WORDS: tuple[str, ...] = ("no", "without", "not")
MAX_TRIES = 20
_ARTICLE = re.compile(r"^(?:a|an|the)\s+", re.IGNORECASE)


def _random(rng: Any) -> float:
    return float(rng.random())


def _index(rng: Any, n: int) -> int:
    if isinstance(rng, random.Random):
        return rng.randrange(n)
    return int(rng.integers(n))  # numpy Generator


def lacks(item_descriptors: Sequence[str], tag: str) -> bool:
    """Whether no descriptor of the item carries ``tag`` (lexically, synonyms included)."""
    return not FacetMatcher([tag]).judge(item_descriptors).is_violation


def insert_negation(
    text: str,
    item_descriptors: Sequence[str],
    vocabulary: Sequence[str],
    rng: random.Random | Any,
    p: float = 0.6,
) -> str:
    """With probability ``p``, add "no/without/not <tag>" for a vocabulary tag the item lacks.

    A tag list ("piano, calm") gets the clause as one more item at a random position; other
    text gets it appended after a comma. The text is returned unchanged with probability
    ``1 - p``, or when no absent tag is found in a few draws.

    Args:
        text: the request or caption.
        item_descriptors: the item's descriptor set (a negated tag must not be one of them,
            nor a synonym: "vocals" is not absent from an item tagged "male singer").
        vocabulary: tags to draw from (e.g. the training corpus' frequent descriptors).
        rng: ``random.Random`` or ``numpy.random.Generator``.
        p: probability of inserting a negation.

    Example:
        >>> insert_negation("calm, piano", ["calm", "piano"], ["drums"], random.Random(0), p=1.0)
        'calm, piano, no drums'
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    if not vocabulary or _random(rng) >= p:
        return text
    tag = None
    for _ in range(MAX_TRIES):
        candidate = str(vocabulary[_index(rng, len(vocabulary))]).strip()
        if candidate and lacks(item_descriptors, candidate):
            tag = candidate
            break
    if tag is None:
        return text
    clause = f"{NEGATION_WORDS[_index(rng, len(NEGATION_WORDS))]} {tag}"
    parts = [s.strip() for s in text.split(",")]
    if len(parts) > 1 and all(parts):
        parts.insert(_index(rng, len(parts) + 1), clause)
        return ", ".join(parts)
    body = text.rstrip()
    end = "." if body.endswith(".") else ""
    body = body[:-1] if end else body
    return f"{body}, {clause}{end}" if body else clause


def _split(text: str) -> list[str]:
    parts = [s.strip() for s in re.split(r"[,;]", text) if s.strip()]
    if len(parts) == 1:
        parts = [s.strip() for s in re.split(r"\s+(?:and|&)\s+", parts[0]) if s.strip()]
    return parts


def fully_negate(text_or_tags: str | Sequence[str]) -> str:
    """The fully negated version of a request: every part negated, negated parts affirmed.

    A string is split into parts on commas and semicolons (or on "and" when it has neither);
    a list is taken as the parts. Each part becomes "no <part>" (a leading article dropped);
    a part that is itself a negation ("no drums", "without vocals") becomes what it negates.

    Example:
        >>> fully_negate(["piano", "calm"])
        'no piano, no calm'
        >>> fully_negate("a calm piano, no drums")
        'no calm piano, drums'
    """
    parts = _split(text_or_tags) if isinstance(text_or_tags, str) else [
        str(t).strip() for t in text_or_tags if str(t).strip()
    ]
    lexicon = load_lexicon()
    out = []
    for part in parts:
        parsed = parse_request(part, lexicon=lexicon)
        if parsed.negative and not parsed.positive and parsed.cues != ("instrumental",):
            out.append(" and ".join(parsed.negative))
        else:
            out.append("no " + _ARTICLE.sub("", part))
    return ", ".join(out)
