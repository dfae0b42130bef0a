"""Negation-aware training (Vasilakis, Bittner, Pauwels, ICASSP 2026), for the supervised
fine-tune and for the MNRL batches of the GPL student.

Two options, usable alone or together (``[negation]`` of a recipe, or ``--negation-p`` /
``--negation-k``):

* **negation insert** (``p``): with probability ``p`` a request gets "no / without / not <tag>"
  for a frequent training tag its item does not carry (synonyms included), so the request stays
  true for its positives and the model sees negations that matter;
* **dissimilarity loss** (``k``): ``k * mean cos(e(request), e(fully negated request))`` is added
  to the ranking loss, pushing "piano, calm" away from "no piano, no calm".

The pseudo-labelled triplets of GPL are left as they are: the teacher scored the original
requests, and a changed request would no longer match its margin.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nlrec.training.queries import requestable

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer
    from torch import nn

#: Tags that are themselves absences ("no vocals", "instrumental"): never negated again.
_ABSENCE = re.compile(r"^(?:no|non|not|without)\b|^instrumental$|-free$", re.I)

#: The columns a negation-aware pair dataset has, in the order the loss reads them.
COLUMNS: tuple[str, ...] = ("anchor", "positive", "negated")


def negation_vocabulary(item_tags: Mapping[str, Sequence[str]], size: int = 200) -> list[str]:
    """The ``size`` most frequent requestable tags of the training items (ties by name)."""
    counts = Counter(t.strip().lower() for tags in item_tags.values() for t in tags
                     if requestable(t) and not _ABSENCE.search(t.strip()))
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]]


def negation_columns(anchors: Sequence[str], positives: Sequence[str], items: Sequence[Sequence[str]], *,
                     vocabulary: Sequence[str], p: float, seed: int = 0, dissimilarity: bool = True
                     ) -> dict[str, list[str]]:
    """Pair columns with negation inserts (probability ``p``) and, when ``dissimilarity``, a
    ``negated`` column: the fully negated version of each (augmented) request.

    Args:
        anchors: requests; positives: their relevant descriptor sets (same length).
        items: the full descriptor set of each request's item (a tag the item carries is never
            negated, even when the sampled positive set does not show it).
        vocabulary: tags to negate (see :func:`negation_vocabulary`).
        p: probability of a negation insert per request.
        seed: makes the augmentation reproducible.
    """
    from nlrec.negation.augment import fully_negate, insert_negation

    if not (len(anchors) == len(positives) == len(items)):
        raise ValueError("anchors, positives and items must have the same length")
    rng = random.Random(seed)
    out: dict[str, list[str]] = {"anchor": [], "positive": list(positives)}
    for text, tags in zip(anchors, items):
        out["anchor"].append(insert_negation(text, list(tags), vocabulary, rng, p) if p > 0 else text)
    if dissimilarity:
        out["negated"] = [fully_negate(a) for a in out["anchor"]]
    return out


def negation_aware_loss(model: SentenceTransformer, base: nn.Module, k: float) -> nn.Module:
    """``base`` (a sentence-transformers loss with ``compute_loss_from_embeddings``, e.g.
    MultipleNegativesRankingLoss) on the leading columns, plus ``k`` times the mean cosine
    between the first column and the last (the negated requests)."""
    from torch import nn

    from nlrec.negation.losses import NegationDissimilarityLoss

    class NegationAwareLoss(nn.Module):
        """Ranking loss on (anchor, positive) + ``k * mean cos(anchor, negated anchor)``."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.base = base
            self.dissimilarity = NegationDissimilarityLoss(scale=k)

        def forward(self, sentence_features: Any, labels: Any) -> torch.Tensor:
            emb = [self.model(f)["sentence_embedding"] for f in sentence_features]
            return self.base.compute_loss_from_embeddings(emb[:-1], labels) + self.dissimilarity(emb[0], emb[-1])

        def get_config_dict(self) -> dict[str, float]:
            return {"k": k}

    return NegationAwareLoss()


def apply_negation(settings: Any, columns: dict[str, list[str]], items: Sequence[Sequence[str]],
                   item_tags: Mapping[str, Sequence[str]], model: SentenceTransformer, loss: nn.Module, *,
                   seed: int = 0) -> tuple[dict[str, list[str]], nn.Module]:
    """A recipe's ``[negation]`` options applied to (anchor, positive) columns and their loss.

    Args:
        settings: the recipe's negation section (``p``, ``k``, ``vocabulary``).
        columns: ``{"anchor": [...], "positive": [...]}``.
        items: the full descriptor set of each row's item.
        item_tags: every training item's tags (the negation vocabulary is drawn from them).
        model: the model being trained; loss: its ranking loss.

    Returns:
        ``(columns, loss)`` unchanged when both options are off; else the augmented columns
        (plus ``negated`` when ``k > 0``) and the loss with the dissimilarity term.
    """
    if settings.p <= 0 and settings.k <= 0:
        return columns, loss
    columns = negation_columns(columns["anchor"], columns["positive"], items,
                               vocabulary=negation_vocabulary(item_tags, settings.vocabulary), p=settings.p,
                               seed=seed, dissimilarity=settings.k > 0)
    return columns, (negation_aware_loss(model, loss, settings.k) if settings.k > 0 else loss)


__all__ = ["COLUMNS", "apply_negation", "negation_aware_loss", "negation_columns", "negation_vocabulary"]
