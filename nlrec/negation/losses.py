"""The negation dissimilarity loss (Vasilakis, Bittner, Pauwels, ICASSP 2026)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn


class NegationDissimilarityLoss(nn.Module):
    r"""Pushes a request away from its fully negated version.

    For a batch of ``n`` requests with embeddings :math:`e_i` and the embeddings
    :math:`\bar e_i` of their fully negated versions
    (:func:`~nlrec.negation.augment.fully_negate`: "piano, calm" -> "no piano, no calm"):

    .. math::

        \mathcal{L}_{neg} = k \cdot \frac{1}{n} \sum_{i=1}^{n} \cos(e_i, \bar e_i)

    It is added to the contrastive (or ranking) loss, ``L = L_main + L_neg``; minimising it
    drives :math:`\cos(e_i, \bar e_i)` down (towards -1), so that "with vocals" and "without
    vocals" no longer embed alike. The paper uses :math:`k` between 1e-1 and 1e-4: larger
    values separate negations more but cost retrieval quality on the main task.

    Args:
        model: optional sentence-transformers model. With it, the loss can be called the
            sentence-transformers way, ``loss(sentence_features, labels)``, where
            ``sentence_features`` holds the tokenised requests then their negated versions.
        scale: the weight :math:`k`.

    Inputs:
        ``loss(embeddings, negated_embeddings)``: two ``(n, d)`` tensors, or
        ``loss([features, negated_features], labels=None)`` when ``model`` is given.

    Returns:
        A scalar tensor, :math:`k` times the mean cosine (in [-k, k]).

    Example:
        >>> import torch
        >>> loss = NegationDissimilarityLoss(scale=0.1)
        >>> e = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        >>> round(loss(e, e).item(), 4)       # identical embeddings: k * 1
        0.1
        >>> round(loss(e, -e).item(), 4)      # opposite embeddings: k * -1
        -0.1
    """

    def __init__(self, model: nn.Module | None = None, scale: float = 1e-2) -> None:
        super().__init__()
        if scale < 0:
            raise ValueError(f"scale must be non-negative, got {scale}")
        self.model = model
        self.scale = float(scale)

    def forward(self, embeddings: Tensor | Iterable[dict[str, Any]], negated: Tensor | None = None) -> Tensor:
        if isinstance(embeddings, Tensor):
            if not isinstance(negated, Tensor):
                raise TypeError("pass the negated requests' embeddings as the second argument")
            a, b = embeddings, negated
        else:
            if self.model is None:
                raise TypeError("feature dicts need a model: NegationDissimilarityLoss(model, scale)")
            features = list(embeddings)
            if len(features) != 2:
                raise ValueError("expected [features, negated_features]")
            a, b = (self.model(f)["sentence_embedding"] for f in features)
        if a.shape != b.shape:
            raise ValueError(f"embeddings of shape {tuple(a.shape)} and {tuple(b.shape)} differ")
        if a.numel() == 0:
            return a.new_zeros(())
        return self.scale * F.cosine_similarity(a, b, dim=-1).mean()

    @property
    def citation(self) -> str:
        return "Vasilakis, Bittner, Pauwels, ICASSP 2026 (arXiv 2601.13931)"

    def get_config_dict(self) -> dict[str, float]:
        """For sentence-transformers model cards."""
        return {"scale": self.scale}


__all__ = ["NegationDissimilarityLoss"]
