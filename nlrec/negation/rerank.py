"""Apply verdicts to a ranking: drop (``filter``) or push down (``penalize``) violating documents.

Scores are rescaled by the spread of the candidates' scores (max - min), so one rule works for
cosine, BM25 and fused scores alike:

* ``filter``: documents carrying a negated facet are removed;
* ``penalize``: their score drops by ``PENALTY`` x spread per violated facet (so a strong match
  with one violation can still beat a weak clean one, but rarely the top ones);
* both: a document that states a negated facet is absent ("instrumental" for "no vocals")
  gains ``ABSENT_BONUS`` x spread, a slight boost.

Ties keep the original order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from nlrec.encoders.base import Ranking
from nlrec.negation.matching import NegationVerdict

NegationMode = Literal["filter", "penalize", "off"]
NEGATION_MODES: tuple[str, ...] = ("filter", "penalize", "off")
PENALTY = 0.5
ABSENT_BONUS = 0.05


def rerank(
    ranking: Ranking, verdicts: Sequence[NegationVerdict], mode: NegationMode = "filter"
) -> tuple[Ranking, list[NegationVerdict]]:
    """Re-order ``ranking`` by its documents' verdicts (aligned with ``ranking.doc_ids``).

    Returns:
        The new ranking and the verdicts in its order.

    Example:
        >>> from nlrec.negation.matching import FacetMatcher
        >>> m = FacetMatcher(["vocals"])
        >>> r = Ranking(np.array([0, 1, 2]), np.array([0.9, 0.8, 0.7], dtype=np.float32))
        >>> v = m.judge_many([["male vocal"], ["piano"], ["instrumental"]])
        >>> rerank(r, v, "filter")[0].doc_ids.tolist()
        [1, 2]
    """
    if mode not in NEGATION_MODES:
        raise ValueError(f"unknown negation mode {mode!r}; choose one of {', '.join(NEGATION_MODES)}")
    if len(verdicts) != len(ranking):
        raise ValueError("one verdict per ranked document is needed")
    if mode == "off" or not len(ranking):
        return ranking, list(verdicts)
    scores = ranking.scores.astype(np.float64)
    spread = float(scores.max() - scores.min()) or (abs(float(scores.max())) or 1.0)
    adjusted = scores.copy()
    keep = np.ones(len(ranking), dtype=bool)
    for i, v in enumerate(verdicts):
        if v.is_violation:
            if mode == "filter":
                keep[i] = False
            else:
                adjusted[i] -= PENALTY * spread * max(1, len(v.violated))
        elif v.absent:
            adjusted[i] += ABSENT_BONUS * spread
    idx = np.flatnonzero(keep)
    order = idx[np.lexsort((idx, -adjusted[idx]))]
    return (
        Ranking(ranking.doc_ids[order], adjusted[order].astype(np.float32)),
        [verdicts[i] for i in order],
    )
